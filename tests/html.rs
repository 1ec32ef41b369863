//! The lecture page as a student sees it: rendered by headless Chromium, the
//! DOM holds the MathML formulas and the inline figures, nothing is fetched
//! from elsewhere, and a screenshot at 880 px is made. Under `CI` Chromium
//! is required (`.ci/run` installs it); elsewhere the test says it skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

fn page(what: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_backprove"))
        .args(["derive", what, "--format", "html"])
        .output()
        .expect("binary runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs headless Chromium on `file` with `args` and its own profile directory.
fn headless(browser: &str, dir: &Path, file: &Path, args: &[&str]) -> std::process::Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args(args)
        .arg(format!("file://{}", file.display()))
        .output()
        .expect("chromium runs")
}

fn check(browser: &str, name: &str, html: &str) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("html-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("page.html");
    std::fs::write(&file, html).unwrap();

    let started = Instant::now();
    let dom = headless(browser, &dir, &file, &["--dump-dom"]);
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8(dom.stdout).unwrap();
    let formulas = dom.matches("<math").count();
    let figures = dom.matches("<figure>").count();
    let inline_svgs = dom.matches("<svg").count();
    assert!(
        formulas >= 20,
        "{name}: {formulas} MathML formulas in the rendered DOM"
    );
    assert!(
        figures >= 8 && inline_svgs >= figures,
        "{name}: {figures} figures, {inline_svgs} inline SVGs"
    );
    for caption in ["a-1", "a-2", "a-3", "a-4", "a-4(1)", "a-4(6)", "a-5"] {
        assert!(
            dom.contains(&format!("Figure {caption}:")),
            "{name}: no figure {caption}"
        );
    }
    // Nothing from outside the file: no script, style sheet, image, frame or font.
    for reference in [
        "<script", "<link", "<img", "<iframe", "src=", "href=", "url(", "@import",
    ] {
        assert!(
            !dom.contains(reference),
            "{name}: the page refers outside with `{reference}`"
        );
    }
    let outside = html.matches("http").count();
    let namespaces = html.matches("http://www.w3.org/").count();
    assert_eq!(
        outside, namespaces,
        "{name}: an address other than an XML namespace"
    );

    let shot = dir.join("page-880.png");
    let _ = std::fs::remove_file(&shot);
    let run = headless(
        browser,
        &dir,
        &file,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=880,2400",
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let png = std::fs::read(&shot).expect("a screenshot is written");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{name}: empty screenshot"
    );
    // The PNG's width, from its header: the page was laid out at 880 px.
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    assert_eq!(width, 880, "{name}");
    eprintln!(
        "{name}: {formulas} formulas, {figures} figures, screenshot {} in {:.1} s",
        shot.display(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn the_lecture_page_renders_in_chromium_with_its_math_and_figures_and_nothing_from_outside() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("CI").is_err(),
            "Chromium is required under CI (.ci/run installs it)"
        );
        eprintln!("skipped: Chromium is not installed (CI installs it through .ci/run)");
        return;
    };
    check(browser, "softmax-3", &page("softmax-with-loss"));
    let every_n = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-softmax-with-loss-n.txt");
    std::fs::write(&every_n, backprove::softmax_with_loss_n()).unwrap();
    check(browser, "softmax-n", &page(every_n.to_str().unwrap()));
}

/// Measures the figures as Chromium lays them out in the page: each text's
/// own bounding box, the size its font is shown at, and every edge segment.
/// (A copy of the page for the test; the page itself has no script.)
const MEASURE: &str = r#"<script>
const problems = []; let smallest = 1e9;
document.querySelectorAll('figure svg').forEach((svg, f) => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const boxes = [...svg.querySelectorAll('text')].map(t => {
    const b = t.getBBox();
    smallest = Math.min(smallest, parseFloat(t.getAttribute('font-size')) * scale);
    return {s: t.textContent, x0: b.x + 0.5, y0: b.y + 0.5, x1: b.x + b.width - 0.5, y1: b.y + b.height - 0.5};
  });
  const segments = [];
  svg.querySelectorAll('polyline').forEach(p => {
    const pts = [...p.points];
    for (let i = 1; i < pts.length; i++) segments.push([pts[i-1].x, pts[i-1].y, pts[i].x, pts[i].y]);
  });
  svg.querySelectorAll('line').forEach(l => segments.push(
    ['x1', 'y1', 'x2', 'y2'].map(a => parseFloat(l.getAttribute(a)))));
  const crosses = (s, r) => {
    const [x0, y0, x1, y1] = s; const dx = x1 - x0, dy = y1 - y0; let t0 = 0, t1 = 1;
    for (const [p, q] of [[-dx, x0 - r.x0], [dx, r.x1 - x0], [-dy, y0 - r.y0], [dy, r.y1 - y0]]) {
      if (p === 0) { if (q < 0) return false; }
      else { const t = q / p; if (p < 0) t0 = Math.max(t0, t); else t1 = Math.min(t1, t); }
    }
    return t0 < t1;
  };
  boxes.forEach((a, i) => {
    boxes.slice(i + 1).forEach(b => {
      if (a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1)
        problems.push(`figure ${f + 1}: ${a.s} overlaps ${b.s}`);
    });
    segments.forEach(s => { if (crosses(s, a)) problems.push(`figure ${f + 1}: an edge crosses ${a.s}`); });
  });
});
const pre = document.createElement('pre'); pre.id = 'measured';
pre.textContent = 'MEASURED ' + smallest.toFixed(2) + ' px; ' + problems.length + ' problems: ' + problems.join('; ') + ' END';
document.body.appendChild(pre);
</script>"#;

#[test]
fn in_chromium_no_label_is_under_11_px_on_another_label_or_crossed_by_an_edge() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("CI").is_err(),
            "Chromium is required under CI (.ci/run installs it)"
        );
        eprintln!("skipped: Chromium is not installed (CI installs it through .ci/run)");
        return;
    };
    for n in ["3", "5"] {
        let out = Command::new(env!("CARGO_BIN_EXE_backprove"))
            .args([
                "derive",
                "softmax-with-loss",
                "--classes",
                n,
                "--format",
                "html",
            ])
            .output()
            .unwrap();
        let html = String::from_utf8(out.stdout)
            .unwrap()
            .replace("</body>", &format!("{MEASURE}</body>"));
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("measure-{n}"));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("page.html");
        std::fs::write(&file, html).unwrap();
        let dom = headless(
            browser,
            &dir,
            &file,
            &["--window-size=880,2000", "--dump-dom"],
        );
        let dom = String::from_utf8(dom.stdout).unwrap();
        let marker = "<pre id=\"measured\">";
        let start = dom.find(marker).expect("the measuring script ran") + marker.len();
        let report = &dom[start..dom[start..].find(" END").unwrap() + start];
        eprintln!("{n} classes: {report}");
        let smallest: f64 = report["MEASURED ".len()..]
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(smallest >= 11.0, "{n} classes: {report}");
        assert!(report.contains("; 0 problems"), "{n} classes: {report}");
    }
}

#[test]
fn the_page_is_one_self_contained_file_without_a_browser() {
    let html = page("softmax-with-loss");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("@media print"), "a print style sheet");
    assert!(html.contains("<details"), "proofs fold away");
    assert!(html.matches("<math").count() >= 20);
    assert!(html.matches("<figure>").count() >= 8);
    assert!(!html.contains("<script"));
    assert_eq!(
        html.matches("http").count(),
        html.matches("http://www.w3.org/").count()
    );
}

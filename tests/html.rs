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
    let every_n = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("softmax-with-loss-n.txt");
    std::fs::write(&every_n, backprove::softmax_with_loss_n()).unwrap();
    check(browser, "softmax-n", &page(every_n.to_str().unwrap()));
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

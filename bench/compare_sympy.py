#!/usr/bin/env python3
"""Times backprove and SymPy on the same claim, side by side.

The claim: dL/da1 = y1 - t1 for the unrolled n-class Softmax-with-Loss, given
t1 + ... + tn = 1. SymPy takes its fastest route we know (diff, substitute
tn = 1 - sum of the others, together, expand the numerator), timed inside one
process without its import; backprove is timed as a whole process
(`backprove prove` on the problem file `backprove example` prints, reduced to
the claim for class 1), including parsing and the self-check of its certificate.

Usage: python3 bench/compare_sympy.py [N ...]   (needs sympy; builds backprove --release)
"""
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "backprove")
SYMPY_TIMEOUT = 120.0


def problem(n):
    text = subprocess.run([BINARY, "example", "softmax-with-loss", "--classes", str(n)],
                          check=True, capture_output=True, text=True).stdout
    lines = [l for l in text.splitlines() if not l.startswith("prove") or l.startswith("prove d(L, a1)")]
    return "\n".join(lines) + "\n"


def time_backprove(n, repeats=3):
    """Best wall time of `backprove prove` over `repeats` runs, and the peak memory of the runs in MB."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(problem(n))
        path = f.name
    best = None
    peak_mb = None
    # /usr/bin/time reports the peak memory of backprove itself (a fork of this
    # Python process would count Python's memory too).
    timer = ["/usr/bin/time", "-f", "%M"] if os.path.exists("/usr/bin/time") else []
    for _ in range(repeats):
        start = time.perf_counter()
        out = subprocess.run(timer + [BINARY, "prove", path], capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        assert out.returncode == 0, out.stdout + out.stderr
        best = elapsed if best is None else min(best, elapsed)
        if timer:
            kb = int(out.stderr.strip().splitlines()[-1])
            peak_mb = max(peak_mb or 0.0, kb / 1024)
    os.unlink(path)
    return best, peak_mb


SYMPY_SCRIPT = r"""
import sys, time
import sympy as sp
n = int(sys.argv[1])
start = time.perf_counter()
a = sp.symbols(f"a1:{n + 1}")
t = sp.symbols(f"t1:{n + 1}")
S = sum(sp.exp(x) for x in a)
y = [sp.exp(x) / S for x in a]
L = -sum(ti * sp.log(yi) for ti, yi in zip(t, y))
g = sp.diff(L, a[0])
diff = (g - (y[0] - t[0])).subs(t[-1], 1 - sum(t[:-1]))
num, _ = sp.fraction(sp.together(diff))
assert sp.expand(num) == 0
print(time.perf_counter() - start)
"""


def time_sympy(n):
    try:
        out = subprocess.run([sys.executable, "-c", SYMPY_SCRIPT, str(n)], capture_output=True,
                             text=True, timeout=SYMPY_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return float(out.stdout.strip())


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [10, 100, 300]
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    try:
        import sympy  # noqa: F401
        have_sympy = True
    except ImportError:
        have_sympy = False
        print("sympy is not installed: only backprove is timed (pip install sympy)")
    print("| n | backprove (whole process) | backprove peak memory | SymPy (diff + proof, no import) | ratio |")
    print("|---|---|---|---|---|")
    for n in sizes:
        b, peak = time_backprove(n)
        s = time_sympy(n) if have_sympy else None
        s_text = "-" if not have_sympy else (f"> {SYMPY_TIMEOUT:.0f} s" if s is None else f"{s:.3f} s")
        ratio = "-" if s is None else f"{s / b:.0f}x"
        if have_sympy and s is None:
            ratio = f"> {SYMPY_TIMEOUT / b:.0f}x"
        peak_text = "-" if peak is None else f"{peak:.0f} MB"
        print(f"| {n} | {b:.3f} s | {peak_text} | {s_text} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()

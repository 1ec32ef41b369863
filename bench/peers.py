#!/usr/bin/env python3
"""backprove side by side with the systems a user would pick instead.

The claim is the book's: for the n-class Softmax-with-Loss layer,
dL/da1 = y1 - t1 given t1 + ... + tn = 1. Each system is asked three
questions at each n:

  true       the claim with the assumption      must be VERIFIED
  false      dL/da1 = y1 + t1 with it           must be REFUSED
  no-assume  the true claim without it          must be REFUSED (it is false then)

Every system runs as a whole process (start-up, parsing, differentiation and
the check), the runs interleaved (each round runs every system once, in
turn), and the best of the rounds is reported with the ratio to backprove
measured in the same run. How each peer verifies:

  SymPy      diff; substitute tn = 1 - t1 - ... - t(n-1); together; expand the
             numerator; zero is VERIFIED
  SymEngine  S kept as an unknown function S(a1, ..., an) (SymEngine cannot
             bring a sum over a common denominator); diff; dS/da1 replaced
             by the derivative of S's definition; substitute; expand to 0
  Maxima     ratfac: true; ratsimp of the substituted difference (the
             `ratfac` setting the issue names)
  Giac       normal of the substituted difference

A peer that does not finish within --timeout seconds is shown as "> T s".
`--check` runs only the three questions at n = 3 and 10 for every system
present and fails unless each answers as it must: a peer script that
"verifies" the false claim is not measuring verification.

Usage:
  python3 bench/peers.py [--rounds R] [--timeout T] [N ...]   (default 10 100 300 1000)
  python3 bench/peers.py --check
Peers: pip install sympy symengine; apt-get install maxima xcas (for giac).
Missing peers are skipped and named.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "backprove")
KINDS = ["true", "false", "no-assume"]
EXPECTED = {"true": "VERIFIED", "false": "REFUSED", "no-assume": "REFUSED"}


# ---- the claim, written for each system --------------------------------------------------


def backprove_file(n, kind):
    lines = [f"let S = {' + '.join(f'exp(a{i})' for i in range(1, n + 1))}"]
    lines += [f"let y{i} = exp(a{i}) / S" for i in range(1, n + 1)]
    lines.append(f"let L = -({' + '.join(f't{i}*log(y{i})' for i in range(1, n + 1))})")
    if kind != "no-assume":
        lines.append(f"assume {' + '.join(f't{i}' for i in range(1, n + 1))} = 1")
    sign = "+" if kind == "false" else "-"
    lines.append(f"prove d(L, a1) = y1 {sign} t1")
    return "\n".join(lines) + "\n"


PYTHON_PEER = r"""
import sys
n, kind, lib = int(sys.argv[1]), sys.argv[2], sys.argv[3]
if lib == "sympy":
    import sympy as m
else:
    import symengine as m
a = m.symbols(" ".join(f"a{i}" for i in range(1, n + 1)))
t = m.symbols(" ".join(f"t{i}" for i in range(1, n + 1)))
total = sum(m.exp(x) for x in a)
# SymEngine cannot put a sum over a common denominator, so S stays an
# unknown function of the inputs and its derivative, computed from its
# definition, replaces dS/da1 after differentiating.
S = total if lib == "sympy" else m.Function("S")(*a)
y = [m.exp(x) / S for x in a]
L = -sum(ti * m.log(yi) for ti, yi in zip(t, y))
g = m.diff(L, a[0])
if lib != "sympy":
    g = g.subs(m.Derivative(S, a[0]), m.diff(total, a[0]))
d = g - (y[0] + t[0] if kind == "false" else y[0] - t[0])
if kind != "no-assume":
    d = d.subs(t[-1], 1 - sum(t[:-1]))
if lib == "sympy":
    num, _ = m.fraction(m.together(d))
    zero = m.expand(num) == 0
else:
    zero = m.expand(d) == 0
print("VERIFIED" if zero else "REFUSED")
"""


def maxima_script(n, kind):
    s = " + ".join(f"exp(a{i})" for i in range(1, n + 1))
    loss = " + ".join(f"t{i}*log(exp(a{i})/S)" for i in range(1, n + 1))
    rhs = "exp(a1)/S + t1" if kind == "false" else "exp(a1)/S - t1"
    d = f"diff(L, a1) - ({rhs})"
    if kind != "no-assume":
        rest = " - ".join(f"t{i}" for i in range(1, n))
        d = f"subst(t{n} = 1 - {rest}, {d})"
    return (f"display2d: false$ ratfac: true$ S: {s}$ L: -({loss})$ r: ratsimp({d})$ "
            # Maxima echoes its input: the answer is spelled out only when printed.
            f'if r = 0 then print(concat("VERI", "FIED")) else print(concat("REF", "USED"))$')


def giac_script(n, kind):
    s = "+".join(f"exp(a{i})" for i in range(1, n + 1))
    loss = "+".join(f"t{i}*ln(exp(a{i})/S)" for i in range(1, n + 1))
    rhs = "exp(a1)/S+t1" if kind == "false" else "exp(a1)/S-t1"
    d = f"diff(L,a1)-({rhs})"
    if kind != "no-assume":
        rest = "-".join(f"t{i}" for i in range(1, n))
        d = f"subst({d}, t{n}=1-{rest})"
    return (f"S:={s};\nL:=-({loss});\nr:=normal({d});\n"
            f'print(if r==0 then "VERI"+"FIED" else "REF"+"USED" fi);\n')


# ---- running one system -------------------------------------------------------------------


def run(cmd, timeout, stdin=None):
    """(answer, seconds) for one whole-process run; answer None on a timeout."""
    start = time.perf_counter()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, input=stdin)
    except subprocess.TimeoutExpired:
        return None, timeout
    elapsed = time.perf_counter() - start
    return out, elapsed


def ask(system, n, kind, timeout, workdir):
    """What `system` answers (VERIFIED / REFUSED / None for a timeout) and its wall time."""
    if system == "backprove":
        path = os.path.join(workdir, f"bp-{n}-{kind}.txt")
        with open(path, "w") as f:
            f.write(backprove_file(n, kind))
        out, secs = run([BINARY, "prove", path], timeout)
        if out is None:
            return None, secs
        if out.returncode not in (0, 1, 3):
            raise RuntimeError(f"backprove failed: {out.stderr}")
        return ("VERIFIED" if out.returncode == 0 else "REFUSED"), secs
    if system in ("sympy", "symengine"):
        out, secs = run([sys.executable, "-c", PYTHON_PEER, str(n), kind, system], timeout)
    elif system == "maxima":
        out, secs = run(["maxima", "--very-quiet", "--batch-string", maxima_script(n, kind)], timeout)
    elif system == "giac":
        path = os.path.join(workdir, f"giac-{n}-{kind}.cas")
        with open(path, "w") as f:
            f.write(giac_script(n, kind))
        out, secs = run(["giac", path], timeout)
    else:
        raise ValueError(system)
    if out is None:
        return None, secs
    text = out.stdout + out.stderr
    if "VERIFIED" in text:
        return "VERIFIED", secs
    if "REFUSED" in text:
        return "REFUSED", secs
    raise RuntimeError(f"{system} at n={n} ({kind}) answered nothing:\n{text[-2000:]}\n{out.stderr[-2000:]}")


def present():
    systems = ["backprove"]
    for lib in ("sympy", "symengine"):
        try:
            __import__(lib)
            systems.append(lib)
        except ImportError:
            print(f"# {lib} is not installed (pip install {lib}): skipped", file=sys.stderr)
    for prog, system, pkg in (("maxima", "maxima", "maxima"), ("giac", "giac", "xcas")):
        if shutil.which(prog):
            systems.append(system)
        else:
            print(f"# {prog} is not installed (apt-get install {pkg}): skipped", file=sys.stderr)
    return systems


def check(systems, workdir):
    """Every present system answers the three questions as it must at n = 3 and 10."""
    wrong = []
    for n in (3, 10):
        for kind in KINDS:
            for system in systems:
                answer, _ = ask(system, n, kind, 120, workdir)
                ok = answer == EXPECTED[kind]
                print(f"{system:10} n={n:<3} {kind:9} {answer or 'timeout':8} {'ok' if ok else 'WRONG'}")
                if not ok:
                    wrong.append((system, n, kind, answer))
    if wrong:
        print(f"{len(wrong)} wrong answers: {wrong}", file=sys.stderr)
        return 1
    print(f"all {len(systems)} systems answered all {2 * len(KINDS)} questions as they must")
    return 0


def fmt(secs, timeout):
    return f"> {timeout:.0f} s" if secs is None else f"{secs:.3f} s"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10, 100, 300, 1000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--kinds", default="true,false", help="comma-separated: true,false,no-assume")
    parser.add_argument("--binary", help="the backprove to run (default: build target/release/backprove)")
    args = parser.parse_args()
    global BINARY
    if args.binary:
        BINARY = args.binary
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    systems = present()
    with tempfile.TemporaryDirectory() as workdir:
        if args.check:
            return check(systems, workdir)
        peers = [s for s in systems if s != "backprove"]
        header = "| n | claim | backprove | " + " | ".join(peers) + " |"
        print(header)
        print("|" + "---|" * (3 + len(peers)))
        for n in args.sizes:
            for kind in args.kinds.split(","):
                best = {s: None for s in systems}
                dead = set()
                for _ in range(args.rounds):
                    for system in systems:
                        if system in dead:
                            continue
                        answer, secs = ask(system, n, kind, args.timeout, workdir)
                        if answer is None:
                            dead.add(system)
                            best[system] = None
                            continue
                        if answer != EXPECTED[kind]:
                            raise RuntimeError(f"{system} answered {answer} for the {kind} claim at n={n}")
                        best[system] = secs if best[system] is None else min(best[system], secs)
                b = best["backprove"]
                cells = []
                for p in peers:
                    s = best[p]
                    if s is None:
                        cells.append(f"> {args.timeout:.0f} s (> {args.timeout / b:.0f}x)" if b else "-")
                    else:
                        cells.append(f"{s:.3f} s ({s / b:.1f}x)")
                print(f"| {n} | {kind} | {fmt(b, args.timeout)} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

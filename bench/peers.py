#!/usr/bin/env python3
"""backprove side by side with SymPy, SymEngine, Maxima and Giac, on the same claim.

The claim: dL/da1 = y1 - t1 for the unrolled n-class Softmax-with-Loss given
t1 + ... + tn = 1 ("true"); the wrong claim dL/da1 = y1 + t1 ("wrong"); and the
true claim without the assumption ("no assumption"), which is false. Each
system runs as a whole process (start-up, parsing and, for backprove, the
self-check of its certificate included), interleaved: for each n and each
repetition every system runs once in turn, and the best time is kept. Ratios
are the peer's time over backprove's, in the same run.

Each peer genuinely decides: it differentiates, substitutes tn = 1 - (t1 + ...
+ t(n-1)) (except without the assumption), brings the difference to its
canonical rational normal form (SymPy: together + expand the numerator;
SymEngine: as_numer_denom + expand; Maxima: ratsimp with ratfac: true; Giac:
normal) and prints `RESULT verified` when it is zero, `RESULT refuted`
otherwise. `--check` runs every present system on all three claims at small n
and fails unless each verifies the true claim and refutes the other two.

Usage:
  python3 bench/peers.py [N ...]          # the table (default n = 10 100 300 1000)
  python3 bench/peers.py --check [N]      # the scripts' answers (tests/peers.rs runs this)
Options: --repeats R (default 3), --timeout SECS per run (default 60), --binary PATH (a
backprove already built; otherwise `cargo build --release` first), --pairs P (default 21),
--only-pairs (backprove against itself only: the second table, in a few seconds).

After the table, a second one compares backprove with itself: for each n, P
rounds each run the true claim and the wrong one (and, separately, the claim
without the assumption) back to back, the order alternating, and print the
median of the per-round ratios with the quartiles. Rows of the first table are
timed minutes apart, when the machine may run at another speed; these pairs are
seconds apart, so they say whether a false claim is refuted in no more time
than the true claim is proved.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "backprove")  # --binary PATH: another build
CLAIMS = ["true", "wrong", "no assumption"]


def plus(terms):
    return " + ".join(terms)


def backprove_input(n, claim):
    text = subprocess.run([BINARY, "example", "softmax-with-loss", "--classes", str(n)],
                          check=True, capture_output=True, text=True).stdout
    lines = [l for l in text.splitlines() if not l.startswith("prove")]
    if claim == "no assumption":
        lines = [l for l in lines if not l.startswith("assume")]
    rhs = "y1 + t1" if claim == "wrong" else "y1 - t1"
    return "\n".join(lines) + f"\nprove d(L, a1) = {rhs}\n"


SYMPY = r"""
import sys
import sympy as sp
n, claim = int(sys.argv[1]), sys.argv[2]
a = sp.symbols(f"a1:{n + 1}")
t = sp.symbols(f"t1:{n + 1}")
S = sum(sp.exp(x) for x in a)
y = [sp.exp(x) / S for x in a]
L = -sum(ti * sp.log(yi) for ti, yi in zip(t, y))
g = sp.diff(L, a[0])
d = g - (y[0] + t[0] if claim == "wrong" else y[0] - t[0])
if claim != "no assumption":
    d = d.subs(t[-1], 1 - sum(t[:-1]))
num, _ = sp.fraction(sp.together(d))
print("RESULT", "verified" if sp.expand(num) == 0 else "refuted")
"""

SYMENGINE = r"""
import sys
import symengine as se
n, claim = int(sys.argv[1]), sys.argv[2]
a = se.symbols(" ".join(f"a{i}" for i in range(1, n + 1)))
t = se.symbols(" ".join(f"t{i}" for i in range(1, n + 1)))
S = sum(se.exp(x) for x in a)
y = [se.exp(x) / S for x in a]
L = -sum(ti * se.log(yi) for ti, yi in zip(t, y))
g = se.diff(L, a[0])
d = g - (y[0] + t[0] if claim == "wrong" else y[0] - t[0])
if claim != "no assumption":
    d = d.subs({t[-1]: 1 - sum(t[:-1])})
num, _ = d.as_numer_denom()
print("RESULT", "verified" if se.expand(num) == 0 else "refuted")
"""


def maxima_input(n, claim):
    S = plus(f"exp(a{i})" for i in range(1, n + 1))
    L = plus(f"t{i}*log(exp(a{i})/S)" for i in range(1, n + 1))
    rhs = "exp(a1)/S + t1" if claim == "wrong" else "exp(a1)/S - t1"
    assume = "" if claim == "no assumption" else \
        f"d: subst(t{n} = 1 - ({plus(f't{i}' for i in range(1, n))}), d)$\n"
    return (f"ratfac: true$\nS: {S}$\nL: -({L})$\ng: diff(L, a1)$\nd: g - ({rhs})$\n{assume}"
            'r: ratsimp(d)$\nprint(concat("RES", "ULT ", if r = 0 then "verified" else "refuted"))$\n')


def giac_input(n, claim):
    S = plus(f"exp(a{i})" for i in range(1, n + 1))
    L = plus(f"t{i}*ln(exp(a{i})/S)" for i in range(1, n + 1))
    rhs = "exp(a1)/S+t1" if claim == "wrong" else "exp(a1)/S-t1"
    assume = "" if claim == "no assumption" else \
        f"d:=subst(d,t{n}=1-({plus(f't{i}' for i in range(1, n))})):;\n"
    return (f"S:=({S}):;\nL:=-({L}):;\ng:=diff(L,a1):;\nd:=g-({rhs}):;\n{assume}r:=normal(d):;\n"
            'if (r==0) then print("RES"+"ULT verified"); else print("RES"+"ULT refuted"); fi;\n')


def has_module(name):
    return subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True).returncode == 0


def systems():
    """(name, present, command maker) for every system; a maker writes inputs to `tmp` and returns argv."""
    def backprove(n, claim, tmp):
        path = os.path.join(tmp, "problem.txt")
        with open(path, "w") as f:
            f.write(backprove_input(n, claim))
        return [BINARY, "prove", path]

    def python(script):
        def make(n, claim, tmp):
            return [sys.executable, "-c", script, str(n), claim]
        return make

    def maxima(n, claim, tmp):
        path = os.path.join(tmp, "claim.mac")
        with open(path, "w") as f:
            f.write(maxima_input(n, claim))
        return ["maxima", "--very-quiet", "-r", f'batchload("{path}")$ quit()$']

    def giac(n, claim, tmp):
        path = os.path.join(tmp, "claim.giac")
        with open(path, "w") as f:
            f.write(giac_input(n, claim))
        return ["giac", path]

    return [
        ("backprove", os.path.exists(BINARY), backprove),
        ("SymPy", has_module("sympy"), python(SYMPY)),
        ("SymEngine", has_module("symengine"), python(SYMENGINE)),
        ("Maxima", shutil.which("maxima") is not None, maxima),
        ("Giac", shutil.which("giac") is not None, giac),
    ]


def run(name, make, n, claim, timeout):
    """(seconds, answer): `verified`, `refuted`, or None after the timeout."""
    with tempfile.TemporaryDirectory() as tmp:
        argv = make(n, claim, tmp)
        start = time.perf_counter()
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, None
        elapsed = time.perf_counter() - start
    if name == "backprove":
        answer = {0: "verified", 1: "refuted"}.get(out.returncode)
    else:
        lines = (out.stdout + "\n" + out.stderr).splitlines()
        answer = next((l.split()[-1] for l in lines if l.startswith("RESULT ")), None)
    if answer is None:
        raise RuntimeError(f"{name} gave no answer on n = {n}, {claim}:\n{out.stdout}\n{out.stderr}")
    return elapsed, answer


def check(n, timeout):
    """Every present system verifies the true claim and refutes the other two."""
    ok = True
    for name, present, make in systems():
        if not present:
            print(f"SKIP {name}: not installed")
            continue
        for claim in CLAIMS:
            _, answer = run(name, make, n, claim, timeout)
            want = "verified" if claim == "true" else "refuted"
            print(f"{'ok' if answer == want else 'WRONG'} {name} n = {n} {claim}: {answer}")
            ok &= answer == want
    return ok


def table(sizes, repeats, timeout):
    present = [s for s in systems() if s[1]]
    for name, p, _ in systems():
        if not p:
            print(f"({name} is not installed: left out)")
    names = [s[0] for s in present]
    print("| n | claim | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for n in sizes:
        for claim in CLAIMS:
            best = {name: None for name in names}
            timed_out = set()
            for _ in range(repeats):
                for name, _, make in present:
                    if name in timed_out:
                        continue
                    elapsed, answer = run(name, make, n, claim, timeout)
                    if elapsed is None:
                        timed_out.add(name)
                        continue
                    want = "verified" if claim == "true" else "refuted"
                    if answer != want:
                        raise RuntimeError(f"{name} answered {answer} on n = {n}, {claim}")
                    best[name] = elapsed if best[name] is None else min(best[name], elapsed)
            base = best.get("backprove")
            cells = []
            for name in names:
                b = best[name]
                if b is None:
                    cells.append(f"> {timeout:.0f} s")
                elif name == "backprove" or not base:
                    cells.append(f"{b:.3f} s")
                else:
                    cells.append(f"{b:.3f} s ({b / base:.0f}x)")
            print(f"| {n} | {claim} | " + " | ".join(cells) + " |", flush=True)


def pairs(sizes, rounds):
    """backprove's wrong and no-assumption claims over its true claim, in interleaved pairs."""
    make = systems()[0][2]
    print()
    print(f"backprove against itself: median of {rounds} interleaved pairs (quartiles)")
    print()
    print("| n | true | wrong / true | no assumption / true |")
    print("|---|---|---|---|")
    for n in sizes:
        cells = []
        trues = []
        for claim in CLAIMS[1:]:
            ratios = []
            for i in range(rounds):
                order = ["true", claim] if i % 2 == 0 else [claim, "true"]
                took = {c: run("backprove", make, n, c, 60)[0] for c in order}
                trues.append(took["true"])
                ratios.append(took[claim] / took["true"])
            ratios.sort()
            q = len(ratios) // 4
            mid = ratios[len(ratios) // 2]
            cells.append(f"{mid:.3f} ({ratios[q]:.3f}-{ratios[-1 - q]:.3f})")
        trues.sort()
        print(f"| {n} | {trues[len(trues) // 2]:.3f} s | " + " | ".join(cells) + " |", flush=True)


def main():
    args = sys.argv[1:]
    opts = {"--repeats": 3, "--timeout": 60.0, "--pairs": 21}
    for key in list(opts):
        if key in args:
            i = args.index(key)
            opts[key] = type(opts[key])(args[i + 1])
            del args[i:i + 2]
    global BINARY
    if "--binary" in args:
        i = args.index("--binary")
        BINARY = args[i + 1]
        del args[i:i + 2]
    else:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    if args and args[0] == "--check":
        n = int(args[1]) if len(args) > 1 else 5
        sys.exit(0 if check(n, opts["--timeout"]) else 1)
    only_pairs = "--only-pairs" in args
    args = [a for a in args if a != "--only-pairs"]
    sizes = [int(a) for a in args] or [10, 100, 300, 1000]
    if not only_pairs:
        table(sizes, opts["--repeats"], opts["--timeout"])
    if opts["--pairs"] > 0:
        pairs(sizes, opts["--pairs"])


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Moves per simplification and unnamed algebra steps of every walk (the README table).

Usage: python3 bench/walk_stats.py [path/to/backprove]   (from the project root, after cargo build --release)
"""
import json, subprocess, sys, statistics
B = sys.argv[1] if len(sys.argv) > 1 else 'target/release/backprove'
def stats(args):
    out = subprocess.run([B]+args+['--format','json'], capture_output=True, text=True).stdout
    t = json.loads(out)
    sims = []
    for n in t['backward']:
        for s in [n['gradient']] + [e['gradient'] for e in n['edges']]:
            if s['raw'] != s['simplified']:
                sims.append(s)
    counts = [len(s['steps']) for s in sims]
    unnamed = 0
    for s in sims:
        for st in s['steps']:
            by = st.get('by', {})
            if by.get('kind') in ('algebra', 'assume') and not by.get('name'):
                unnamed += 1
    return len(sims), (max(counts) if counts else 0), (statistics.median(counts) if counts else 0), unnamed
rows = [("softmax-with-loss --classes 2", ['derive','softmax-with-loss','--classes','2']),
        ("softmax-with-loss --classes 3", ['derive','softmax-with-loss','--classes','3']),
        ("softmax-with-loss --classes 5", ['derive','softmax-with-loss','--classes','5'])]
names = subprocess.run([B,'example','--list'],capture_output=True,text=True).stdout.split('\n')
import os, tempfile
d = tempfile.mkdtemp()
for line in names:
    if not line.strip(): continue
    name = line.split()[0]
    if name == 'softmax-with-loss': continue
    text = subprocess.run([B,'example',name],capture_output=True,text=True).stdout
    p = os.path.join(d, name + '.txt'); open(p,'w').write(text)
    rows.append((name, ['derive', p]))
rows.append(("tests/inputs/true/logistic.txt", ['derive','tests/inputs/true/logistic.txt']))
rows.append(("tests/inputs/true/regression.txt (--wrt w,b)", ['derive','tests/inputs/true/regression.txt','--wrt','w,b']))
for name, args in rows:
    try:
        n, mx, med, un = stats(args)
        print(f"| `{name}` | {n} | {mx}, {med:g} | {un} |")
    except Exception as e:
        print(f"| `{name}` | error {e} |")

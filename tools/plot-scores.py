#!/usr/bin/env python3
"""Plot an anomalyscore JSON-lines log over time, ground truth shaded.

usage: plot-scores.py SCORES.jsonl LABELS.csv|- OUT.png [TITLE]

LABELS.csv has lines "frame,label,kind" (label 1 = anomalous), as written by
ad-scene-tool or by the evaluation command; "-" plots without ground truth.
Rendering is done by gnuplot (package gnuplot-nox).
"""
import json
import os
import subprocess
import sys
import tempfile


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    log, labels, out = sys.argv[1:4]
    title = sys.argv[4] if len(sys.argv) > 4 else os.path.basename(log)
    frames = []
    with open(log) as f:
        for line in f:
            o = json.loads(line)
            if "event" in o or "score" not in o:
                continue
            frames.append((o["frame"], o["score"], 1 if o.get("anomalous") else 0,
                           o.get("threshold", 1.0)))
    if not frames:
        sys.exit("no frame records in %s" % log)
    truth = {}
    if labels != "-":
        with open(labels) as f:
            for line in f:
                p = line.strip().split(",")
                if len(p) >= 2 and p[0].isdigit():
                    truth[int(p[0])] = int(p[1])
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "s.dat")
        with open(data, "w") as f:
            for fr, s, a, th in frames:
                f.write("%d %g %d %g %d\n" % (fr, s, a, th, truth.get(fr, 0)))
        top = max(2.0, max(s for _, s, _, _ in frames) * 1.05)
        script = f"""
set terminal pngcairo size 1200,400 font ',10'
set output '{out}'
set title '{title}'
set xlabel 'frame'
set ylabel 'normalised score (1 = threshold)'
set yrange [0:{top}]
set key top left
set style fill transparent solid 0.25 noborder
plot '{data}' using 1:($5*{top}) with boxes lc rgb '#e07070' title 'ground truth anomaly', \\
     '' using 1:($3*{top}*0.04) with boxes lc rgb '#303030' title 'detected', \\
     '' using 1:2 with lines lw 1.5 lc rgb '#1f4fbf' title 'score', \\
     '' using 1:4 with lines dt 2 lc rgb '#000000' title 'threshold'
"""
        subprocess.run(["gnuplot"], input=script.encode(), check=True)
    print(out)


if __name__ == "__main__":
    main()

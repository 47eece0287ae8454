#!/bin/sh
# tools/make-pictures.sh - the pictures in docs/img from a demo run:
#   docs/img/overlay-1.png .. overlay-3.png  overlay frames at anomalies
#   docs/img/scores.png                      the score plot
#   sh tools/make-pictures.sh [OUT]
# OUT (default out/) holds the outputs of pipelines/demo.sh (run
# `sh tools/run.sh demo` first).  The frames shown are, for the three
# ground-truth anomalies with the highest scores, the frame where the score
# peaks.  Needs gst-launch-1.0 with qtdemux and avdec_h264, and python3.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-${OUT:-$TOP/out}}
IMG=$TOP/docs/img
W=320
H=240
for f in overlay.mp4 scores.jsonl truth.csv scores.png; do
  if [ ! -s "$OUT/$f" ]; then
    echo "make-pictures.sh: no $OUT/$f; run sh tools/run.sh demo first" >&2
    exit 1
  fi
done
if ! gst-inspect-1.0 avdec_h264 >/dev/null 2>&1; then
  echo "make-pictures.sh: needs avdec_h264 (apt-get install gstreamer1.0-libav)" >&2
  exit 1
fi
mkdir -p "$IMG"
rm -f "$IMG"/overlay-*.png

# Picks the frames, then reads the decoded video from stdin (frame i is
# the i-th [H, W, 3] RGB block, as the log's frame numbers) and writes the
# picked ones as PNG.
PICK=$(cat <<'PY'
import json, struct, sys, zlib
scores, truth, w, h, img = sys.argv[1:6]
w, h = int(w), int(h)
score = {}
for line in open(scores):
    o = json.loads(line)
    if "score" in o and "event" not in o:
        score[o["frame"]] = o["score"]
# ground-truth anomalies: runs of frames labelled 1 ("frame,label,kind")
events, prev = [], 0
for line in open(truth):
    p = line.strip().split(",")
    if not p[0].isdigit():
        continue
    f, label, kind = int(p[0]), int(p[1]), p[2]
    if label and not prev:
        events.append((kind, []))
    if label:
        events[-1][1].append(f)
    prev = label
peaks = []
for kind, frames in events:
    scored = [f for f in frames if f in score]
    if scored:
        f = max(scored, key=lambda f: score[f])
        peaks.append((score[f], f, kind))
picked = sorted(sorted(peaks, reverse=True)[:3], key=lambda p: p[1])
if not picked:
    sys.exit("make-pictures.sh: no scored anomaly")

def png(path, rgb):
    def chunk(tag, data):
        c = tag + data
        return struct.pack(">I", len(data)) + c + struct.pack(">I", zlib.crc32(c))
    rows = b"".join(b"\0" + rgb[y * w * 3:(y + 1) * w * 3] for y in range(h))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(rows, 9)))
        f.write(chunk(b"IEND", b""))

want = {f: (i + 1, kind) for i, (s, f, kind) in enumerate(picked)}
size = w * h * 3
i = 0
while want:
    rgb = sys.stdin.buffer.read(size)
    if len(rgb) < size:
        sys.exit("make-pictures.sh: the video ends before frame %d" % min(want))
    if i in want:
        n, kind = want.pop(i)
        png("%s/overlay-%d.png" % (img, n), rgb)
        print("%s/overlay-%d.png: frame %d (%s, score %.2f)" %
              (img, n, i, kind, score[i]))
    i += 1
PY
)
gst-launch-1.0 -q filesrc location="$OUT/overlay.mp4" ! qtdemux ! \
    avdec_h264 ! videoconvert ! videoscale ! \
    video/x-raw,format=RGB,width=$W,height=$H ! fdsink fd=1 2>/dev/null |
  python3 -c "$PICK" "$OUT/scores.jsonl" "$OUT/truth.csv" $W $H "$IMG"
cp "$OUT/scores.png" "$IMG/scores.png"
echo "$IMG/scores.png"

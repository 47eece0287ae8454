#!/bin/sh
# tests/check-pipeline.sh SCRIPT - runs one pipelines/*.sh script in quick
# mode and checks the outputs it promises: files exist and are not empty,
# JSON-lines logs hold enough valid frame lines, MP4 files decode to 4:2:0
# video (what players accept), PNG files are PNG.
# Run by meson (suite 'pipelines', pipelines/meson.build), which sets
# ANOMALY_BUILD_DIR, OUT and the GStreamer plugin paths.
set -eu
SCRIPT=$1
NAME=$(basename "$SCRIPT" .sh)
export ANOMALY_QUICK=1
: "${OUT:?}" "${ANOMALY_BUILD_DIR:?}"
mkdir -p "$OUT"
FAILED=0

fail () { echo "FAIL: $NAME: $*" >&2; FAILED=1; }

nonempty () {
  for f in "$@"; do [ -s "$f" ] || fail "$f missing or empty"; done
}

# jsonl FILE MIN: every line a JSON object, at least MIN frame lines.
jsonl () {
  nonempty "$1"
  [ -s "$1" ] || return 0
  n=$(python3 - "$1" <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    if "score" in o and "event" not in o:
        n += 1
print(n)
PY
  ) || { fail "$1: not JSON lines"; return 0; }
  [ "$n" -ge "$2" ] || fail "$1: $n frame lines, expected at least $2"
}

# mp4 FILE: demuxes and decodes to I420 to the end (a 4:4:4 stream, which
# most players refuse, fails to negotiate).
mp4 () {
  nonempty "$1"
  [ -s "$1" ] || return 0
  gst-launch-1.0 -q filesrc location="$1" ! qtdemux ! avdec_h264 ! \
    video/x-raw,format=I420 ! fakesink >/dev/null 2>&1 ||
    fail "$1: does not decode to 4:2:0 video"
}

png () {
  for f in "$@"; do
    nonempty "$f"
    [ "$(head -c 4 "$f" | tail -c 3)" = PNG ] || fail "$f: not a PNG file"
  done
}

# What each script promises, removed before the run so that nothing stale
# passes the checks.
case $NAME in
  demo) PROMISED="scene.model overlay.mp4 scores.jsonl truth.csv scores.png" ;;
  train-file) PROMISED="normal.mkv file.model" ;;
  detect-file) PROMISED="test.mkv file-overlay.mp4 file-scores.jsonl" ;;
  map-output) PROMISED="maps map-scores.jsonl" ;;
  multi-stream) PROMISED="multi-0.jsonl multi-1.jsonl multi-2.jsonl multi-3.jsonl" ;;
  network-udp) PROMISED="udp-scores.jsonl" ;;
  live-learn) PROMISED="live.model live-scores.jsonl live-messages.txt" ;;
  inspect-images) PROMISED="parts.model inspected inspect-scores.jsonl" ;;
  *) echo "check-pipeline.sh: no checks for $NAME; add them" >&2; exit 1 ;;
esac
for f in $PROMISED; do rm -rf "${OUT:?}/$f"; done

# A port of this run's own (several checkouts may test at once).
export PORT=$((20000 + $$ % 20000))
sh "$SCRIPT" || { echo "FAIL: $NAME exited with $?" >&2; exit 1; }

cd "$OUT"
case $NAME in
  demo)
    nonempty scene.model truth.csv
    mp4 overlay.mp4
    jsonl scores.jsonl 250            # 300 frames
    png scores.png ;;
  train-file)
    nonempty normal.mkv file.model ;;
  detect-file)
    mp4 file-overlay.mp4
    jsonl file-scores.jsonl 120 ;;     # 150 frames
  map-output)
    [ "$(ls maps | wc -l)" -eq 50 ] || fail "maps: $(ls maps | wc -l) files, expected 50"
    png maps/00000.png maps/00049.png
    jsonl map-scores.jsonl 40 ;;
  multi-stream)
    for i in 0 1 2 3; do
      jsonl multi-$i.jsonl 80          # 100 frames each
      grep -q "\"stream\":\"cam$i\"" multi-$i.jsonl ||
        fail "multi-$i.jsonl: no lines of stream cam$i"
    done ;;
  network-udp)
    jsonl udp-scores.jsonl 75 ;;       # 150 frames sent, UDP may drop some
  live-learn)
    nonempty live.model
    grep -q anomaly-learned live-messages.txt ||
      fail "no anomaly-learned message"
    jsonl live-scores.jsonl 100 ;;     # the 300 test frames at least
  inspect-images)
    nonempty parts.model
    [ "$(ls inspected | wc -l)" -eq 40 ] ||
      fail "inspected: $(ls inspected | wc -l) files, expected 40"
    png inspected/00000.png inspected/00039.png
    jsonl inspect-scores.jsonl 40 ;;   # one line per image
esac
[ "$FAILED" = 0 ] && echo "$NAME: outputs checked"
exit "$FAILED"

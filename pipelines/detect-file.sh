#!/bin/sh
# Detect on a file: heatmap overlay MP4 plus a JSON-lines log.
#   sh pipelines/detect-file.sh [TEST_VIDEO] [MODEL]
# Without arguments, a generated test clip with anomalies and the model of
# train-file.sh are used.
set -eu
. "$(dirname "$0")/env.sh"
INPUT=${1:-$OUT/test.mkv}
MODEL=${2:-$OUT/file.model}
[ -f "$MODEL" ] || sh "$(dirname "$0")/train-file.sh"
if [ $# -lt 1 ]; then
  N=$([ -n "$QUICK" ] && echo 150 || echo 900)
  gst-launch-1.0 -q anomalyscenesrc clip=test num-buffers="$N" ! \
    video/x-raw,width=320,height=240 ! videoconvert ! \
    x264enc speed-preset=ultrafast ! matroskamux ! filesink location="$INPUT"
fi
gst-launch-1.0 -q filesrc location="$INPUT" ! decodebin ! videoconvert ! \
  anomalydetect model="$MODEL" log="$OUT/file-scores.jsonl" ! videoconvert ! \
  x264enc speed-preset=veryfast ! mp4mux ! filesink location="$OUT/file-overlay.mp4"
echo "overlay: $OUT/file-overlay.mp4"
echo "log:     $OUT/file-scores.jsonl"

#!/bin/sh
# Detect on a file: heatmap overlay MP4 plus a JSON-lines log.
#   sh pipelines/detect-file.sh [TEST_VIDEO [MODEL]]
# Without a video (or with ""), a generated test clip with anomalies is
# recorded to $OUT/test.mkv first; without a model, train-file.sh makes one.
# Outputs: $OUT/file-overlay.mp4, $OUT/file-scores.jsonl.
set -eu
. "$(dirname "$0")/env.sh"
INPUT=${1:-}
MODEL=${2:-$OUT/file.model}
need anomalydetect x264enc mp4mux
[ -f "$MODEL" ] || sh "$(dirname "$0")/train-file.sh" "" "$MODEL"
if [ -z "$INPUT" ]; then
  need anomalyscenesrc avdec_h264
  INPUT=$OUT/test.mkv
  N=$([ -n "$QUICK" ] && echo 150 || echo 900)
  gst-launch-1.0 -q anomalyscenesrc clip=test num-buffers="$N" ! \
    $SCENE_CAPS ! $H264 speed-preset=ultrafast ! matroskamux ! \
    filesink location="$INPUT"
fi
rm -f "$OUT/file-scores.jsonl"
gst-launch-1.0 -q filesrc location="$INPUT" ! decodebin ! videoconvert ! \
  anomalydetect model="$MODEL" log="$OUT/file-scores.jsonl" ! \
  $H264 speed-preset=veryfast ! mp4mux ! \
  filesink location="$OUT/file-overlay.mp4"
echo "overlay: $OUT/file-overlay.mp4"
echo "log:     $OUT/file-scores.jsonl"

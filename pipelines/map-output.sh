#!/bin/sh
# Map-only output for downstream tools: the normalised anomaly map as 16-bit
# gray images at the video's resolution (16384 = threshold), one PNG per
# frame, plus the JSON log.
#   sh pipelines/map-output.sh [MODEL]
# Without a model, train-file.sh makes one.
# Outputs: $OUT/maps/%05d.png, $OUT/map-scores.jsonl.
set -eu
. "$(dirname "$0")/env.sh"
MODEL=${1:-$OUT/file.model}
need anomalydetect anomalyscenesrc pngenc multifilesink
[ -f "$MODEL" ] || sh "$(dirname "$0")/train-file.sh" "" "$MODEL"
N=$([ -n "$QUICK" ] && echo 50 || echo 300)
rm -rf "$OUT/maps" "$OUT/map-scores.jsonl"
mkdir -p "$OUT/maps"
gst-launch-1.0 -q anomalyscenesrc clip=test num-buffers="$N" ! \
  $SCENE_CAPS ! videoconvert ! \
  anomalydetect model="$MODEL" overlay-mode=map log="$OUT/map-scores.jsonl" ! \
  videoconvert ! pngenc ! multifilesink location="$OUT/maps/%05d.png"
echo "maps: $OUT/maps/ ($(ls "$OUT/maps" | wc -l) files)"
echo "log:  $OUT/map-scores.jsonl"

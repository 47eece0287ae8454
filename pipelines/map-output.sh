#!/bin/sh
# Map-only output for downstream tools: the normalised anomaly map as 16-bit
# gray images at the video's resolution (16384 = threshold), one PNG per
# frame, plus the JSON log.
#   sh pipelines/map-output.sh [MODEL]
set -eu
. "$(dirname "$0")/env.sh"
MODEL=${1:-$OUT/file.model}
[ -f "$MODEL" ] || sh "$(dirname "$0")/train-file.sh"
N=$([ -n "$QUICK" ] && echo 50 || echo 300)
mkdir -p "$OUT/maps"
gst-launch-1.0 -q anomalyscenesrc clip=test num-buffers="$N" ! \
  video/x-raw,width=320,height=240 ! videoconvert ! \
  anomalydetect model="$MODEL" overlay-mode=map log="$OUT/map-scores.jsonl" ! \
  videoconvert ! pngenc ! multifilesink location="$OUT/maps/%05d.png"
echo "maps: $OUT/maps/ ($(ls "$OUT/maps" | wc -l) files)"

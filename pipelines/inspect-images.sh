#!/bin/sh
# Inspection of still images: learn from a folder of good parts, then mark
# the defects on new images (one unrelated image per part, no motion).
#   sh pipelines/inspect-images.sh [GOOD_DIR [TEST_DIR [MODEL]]]
# The folders hold PNG files named 00000.png, 00001.png, ... (multifilesrc
# reads them in order).  Without folders (or with ""), images of the
# generated industrial scene stand in: good surfaces, then surfaces with
# scratches, spots, cracks and missing areas.
# Outputs: MODEL (default $OUT/parts.model), $OUT/inspected/%05d.png (each
# image with its defects outlined), $OUT/inspect-scores.jsonl.
set -eu
. "$(dirname "$0")/env.sh"
GOOD=${1:-}
TEST=${2:-}
MODEL=${3:-$OUT/parts.model}
need anomalydetect pngdec pngenc multifilesrc multifilesink
# The stills preset of docs/tuning.md: reconstruct each image on its own
# (no prediction from a previous frame, no temporal shift, no motion
# signals), memory on every skip connection.
STILLS="preset=stills"
N=$([ -n "$QUICK" ] && echo 40 || echo 200)
if [ -z "$GOOD" ] || [ -z "$TEST" ]; then
  need anomalyscenesrc
  GOOD=$OUT/parts-good
  TEST=$OUT/parts-test
  rm -rf "$GOOD" "$TEST"
  mkdir -p "$GOOD" "$TEST"
  gst-launch-1.0 -q anomalyscenesrc scene=industrial clip=train \
    num-buffers="$N" ! $SCENE_CAPS ! videoconvert ! pngenc ! \
    multifilesink location="$GOOD/%05d.png"
  gst-launch-1.0 -q anomalyscenesrc scene=industrial clip=test \
    num-buffers="$N" ! $SCENE_CAPS ! videoconvert ! pngenc ! \
    multifilesink location="$TEST/%05d.png"
fi
# images as a stream: any frame rate will do, each image is scored alone
IMAGES="caps=image/png,framerate=10/1"
rm -f "$MODEL"
gst-launch-1.0 -q multifilesrc location="$GOOD/%05d.png" $IMAGES ! pngdec ! \
  videoconvert ! anomalydetect mode=train model="$MODEL" config="$STILLS" \
  train-seconds="$TRAIN_SECONDS" ! fakesink
rm -rf "$OUT/inspected" "$OUT/inspect-scores.jsonl"
mkdir -p "$OUT/inspected"
# min-frames=1, smoothing=0: every image is decided on its own
gst-launch-1.0 -q multifilesrc location="$TEST/%05d.png" $IMAGES ! pngdec ! \
  videoconvert ! anomalydetect model="$MODEL" min-frames=1 smoothing=0 \
  log="$OUT/inspect-scores.jsonl" ! videoconvert ! pngenc ! \
  multifilesink location="$OUT/inspected/%05d.png"
echo "model:  $MODEL"
echo "images: $OUT/inspected/ ($(ls "$OUT/inspected" | wc -l) files)"
echo "log:    $OUT/inspect-scores.jsonl"

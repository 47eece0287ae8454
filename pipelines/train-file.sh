#!/bin/sh
# Train on a recorded file of normal activity.
#   sh pipelines/train-file.sh [NORMAL_VIDEO [MODEL]]
# Without a video (or with ""), a normal clip of the generated scene is
# recorded to $OUT/normal.mkv first and stands in for the user's file.
# Output: MODEL (default $OUT/file.model).
set -eu
. "$(dirname "$0")/env.sh"
INPUT=${1:-}
MODEL=${2:-$OUT/file.model}
need anomalydetect
if [ -z "$INPUT" ]; then
  need anomalyscenesrc x264enc avdec_h264
  INPUT=$OUT/normal.mkv
  N=$([ -n "$QUICK" ] && echo 200 || echo 1500)
  gst-launch-1.0 -q anomalyscenesrc clip=train num-buffers="$N" ! \
    $SCENE_CAPS ! $H264 speed-preset=ultrafast ! matroskamux ! \
    filesink location="$INPUT"
fi
rm -f "$MODEL"
gst-launch-1.0 -q filesrc location="$INPUT" ! decodebin ! videoconvert ! \
  anomalydetect mode=train model="$MODEL" train-seconds="$TRAIN_SECONDS" ! \
  fakesink
echo "model: $MODEL"

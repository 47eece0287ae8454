#!/bin/sh
# Train on a recorded file of normal activity.
#   sh pipelines/train-file.sh [NORMAL_VIDEO] [MODEL]
# Without arguments a normal clip of the generated scene is recorded first
# and stands in for the user's file.
set -eu
. "$(dirname "$0")/env.sh"
INPUT=${1:-$OUT/normal.mkv}
MODEL=${2:-$OUT/file.model}
if [ $# -lt 1 ]; then
  N=$([ -n "$QUICK" ] && echo 200 || echo 1500)
  gst-launch-1.0 -q anomalyscenesrc clip=train num-buffers="$N" ! \
    video/x-raw,width=320,height=240 ! videoconvert ! \
    x264enc speed-preset=ultrafast ! matroskamux ! filesink location="$INPUT"
fi
gst-launch-1.0 -q filesrc location="$INPUT" ! decodebin ! videoconvert ! \
  anomalydetect mode=train model="$MODEL" train-seconds="$TRAIN_SECONDS" ! \
  fakesink
echo "model: $MODEL"

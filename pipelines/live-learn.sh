#!/bin/sh
# Live camera: learn from the first frames in the background while video
# flows, switch to detection on its own, keep running.
#   sh pipelines/live-learn.sh [DEVICE]
# With a V4L2 device (e.g. /dev/video0) it uses the camera and shows the
# result; without one, a live generated scene stands in and the run stops
# after a fixed number of frames.
set -eu
. "$(dirname "$0")/env.sh"
LEARN=$([ -n "$QUICK" ] && echo 100 || echo 300)
if [ -n "${1:-}" ] && [ -e "$1" ]; then
  gst-launch-1.0 v4l2src device="$1" ! videoconvert ! \
    anomalydetect learn-frames="$LEARN" train-seconds="$TRAIN_SECONDS" \
      model="$OUT/live.model" ! videoconvert ! autovideosink
else
  N=$([ -n "$QUICK" ] && echo 400 || echo 1500)
  rm -f "$OUT/live.model"
  # A live source runs in real time (25 fps), so learning happens while
  # frames keep flowing; the sink stays synchronised to the clock.
  gst-launch-1.0 -m anomalyscenesrc is-live=true clip=test num-buffers="$N" ! \
    videoconvert ! \
    anomalydetect learn-frames="$LEARN" train-seconds="$TRAIN_SECONDS" \
      model="$OUT/live.model" log="$OUT/live-scores.jsonl" ! \
    fakesink sync=true 2>&1 | grep -E 'anomaly-learned|anomaly-start' | head -5
  [ -f "$OUT/live.model" ] && echo "learned and saved: $OUT/live.model"
fi

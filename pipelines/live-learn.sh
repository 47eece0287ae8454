#!/bin/sh
# Live camera: learn from the first frames in the background while video
# flows, switch to detection on its own, keep running.
#   sh pipelines/live-learn.sh [DEVICE]
# With a V4L2 device (e.g. /dev/video0) it uses the camera and shows the
# result until stopped (Ctrl-C).  Without one, a live generated scene stands
# in: normal activity first, then the test clip with anomalies, in real
# time (25 fps), and the run stops on its own.
# Outputs: $OUT/live.model, $OUT/live-scores.jsonl (scored frames, after
# learning) and, for the generated scene, $OUT/live-messages.txt (the
# learning and event messages).
set -eu
. "$(dirname "$0")/env.sh"
need anomalydetect
LEARN=$([ -n "$QUICK" ] && echo 100 || echo 300)
rm -f "$OUT/live.model" "$OUT/live-scores.jsonl"
if [ -n "${1:-}" ] && [ -e "$1" ]; then
  gst-launch-1.0 v4l2src device="$1" ! videoconvert ! \
    anomalydetect learn-frames="$LEARN" train-seconds="$TRAIN_SECONDS" \
      model="$OUT/live.model" log="$OUT/live-scores.jsonl" ! \
    videoconvert ! autovideosink
  exit 0
fi

need anomalyscenesrc concat
# Training runs while frames keep flowing (unscored); the normal part lasts
# the learning frames, the training budget and a margin, the test part
# follows.  Training is shortened here so that detection starts within the
# 60 s normal clip.
[ -n "$QUICK" ] || TRAIN_SECONDS=${LIVE_TRAIN_SECONDS:-40}
NORMAL=$((LEARN + 25 * TRAIN_SECONDS + 50))
NTEST=$([ -n "$QUICK" ] && echo 300 || echo 900)
echo "live: learning from $LEARN frames, training $TRAIN_SECONDS s," \
  "then detecting ($(( (NORMAL + NTEST) / 25 )) s in all)"
gst-launch-1.0 -m concat name=camera ! videoconvert ! \
    anomalydetect learn-frames="$LEARN" train-seconds="$TRAIN_SECONDS" \
      post-messages=false model="$OUT/live.model" \
      log="$OUT/live-scores.jsonl" ! \
    fakesink sync=true \
  anomalyscenesrc is-live=true clip=train num-buffers="$NORMAL" ! \
    $SCENE_CAPS ! camera. \
  anomalyscenesrc is-live=true clip=test num-buffers="$NTEST" ! \
    $SCENE_CAPS ! camera. \
  > "$OUT/live-messages.txt"
sed -n 's/.*\(anomaly-learned, frames=[^,]*, seconds=[^,]*\),.*/\1/p' \
  "$OUT/live-messages.txt"
echo "model: $OUT/live.model"
echo "log:   $OUT/live-scores.jsonl ($(wc -l < "$OUT/live-scores.jsonl") lines," \
  "$(grep -c '"anomaly-start"' "$OUT/live-scores.jsonl" || true) events)"

#!/bin/sh
# pipelines/demo.sh - the main job on the built-in generated scene:
#   1. learn what normal looks like from a generated normal clip,
#   2. detect on a test clip with injected anomalies,
#   3. write an overlay video, a JSON-lines event log and a score plot.
# Outputs in $OUT (default out/): scene.model, overlay.mp4, scores.jsonl,
# truth.csv (ground truth per frame) and scores.png.
set -eu
. "$(dirname "$0")/env.sh"
need anomalydetect anomalyscenesrc x264enc mp4mux
MODEL=$OUT/scene.model
# Frames of each clip (the clips have 1500 and 1050).
NTRAIN=$([ -n "$QUICK" ] && echo 400 || echo 1500)
NTEST=$([ -n "$QUICK" ] && echo 300 || echo 1050)

echo "== 1/3 training on the generated normal clip ($TRAIN_SECONDS s budget)"
rm -f "$MODEL"
gst-launch-1.0 -q anomalyscenesrc scene=surveillance clip=train seed=1 \
    num-buffers="$NTRAIN" ! $SCENE_CAPS ! videoconvert ! \
  anomalydetect mode=train model="$MODEL" train-seconds="$TRAIN_SECONDS" ! \
  fakesink

echo "== 2/3 detecting on the test clip"
rm -f "$OUT/scores.jsonl"
gst-launch-1.0 -q anomalyscenesrc scene=surveillance clip=test seed=1 \
    num-buffers="$NTEST" ! $SCENE_CAPS ! videoconvert ! \
  anomalydetect model="$MODEL" log="$OUT/scores.jsonl" ! \
  $H264 speed-preset=veryfast ! mp4mux ! filesink location="$OUT/overlay.mp4"

echo "== 3/3 plotting scores against the ground truth"
# The scene tool writes frames, masks and labels; only the labels are kept.
TRUTH=$(mktemp -d)
"$TOOLS_DIR/ad-scene-tool" --scene surveillance --clip test --seed 1 \
  --size 32x32 --out "$TRUTH" >/dev/null
mv "$TRUTH/labels.csv" "$OUT/truth.csv"
rm -rf "$TRUTH"
python3 "$TOP/tools/plot-scores.py" "$OUT/scores.jsonl" "$OUT/truth.csv" \
  "$OUT/scores.png" "surveillance test clip (seed 1): score per frame" \
  >/dev/null

echo
echo "model:        $MODEL"
echo "overlay:      $OUT/overlay.mp4"
echo "event log:    $OUT/scores.jsonl ($(grep -c '"anomaly-start"' "$OUT/scores.jsonl" || true) events)"
echo "score plot:   $OUT/scores.png"

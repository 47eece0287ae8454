#!/bin/sh
# pipelines/demo.sh - the main job on the built-in generated scene:
#   1. learn what normal looks like from a generated normal clip,
#   2. detect on a test clip with injected anomalies,
#   3. write an overlay video, a JSON-lines event log and a score plot.
set -eu
. "$(dirname "$0")/env.sh"
MODEL=$OUT/scene.model

echo "== 1/3 training on the generated normal clip ($TRAIN_SECONDS s budget)"
gst-launch-1.0 -q anomalyscenesrc scene=surveillance clip=train seed=1 ! \
  video/x-raw,width=320,height=240 ! videoconvert ! \
  anomalydetect mode=train model="$MODEL" train-seconds="$TRAIN_SECONDS" ! \
  fakesink

echo "== 2/3 detecting on the test clip"
rm -f "$OUT/scores.jsonl"
gst-launch-1.0 -q anomalyscenesrc scene=surveillance clip=test seed=1 ! \
  video/x-raw,width=320,height=240 ! videoconvert ! \
  anomalydetect model="$MODEL" log="$OUT/scores.jsonl" ! \
  videoconvert ! x264enc speed-preset=veryfast ! mp4mux ! \
  filesink location="$OUT/overlay.mp4"

echo "== 3/3 plotting scores against the ground truth"
"$TOP/build/tools/ad-scene-tool" --scene surveillance --clip test --seed 1 \
  --size 32x24 --out "$OUT/truth" >/dev/null
python3 "$TOP/tools/plot-scores.py" "$OUT/scores.jsonl" \
  "$OUT/truth/labels.csv" "$OUT/scores.png"

echo
echo "model:        $MODEL"
echo "overlay:      $OUT/overlay.mp4"
echo "event log:    $OUT/scores.jsonl ($(grep -c '"event"' "$OUT/scores.jsonl" || true) events)"
echo "score plot:   $OUT/scores.png"

#!/bin/sh
# Several streams in one process sharing one loaded model: each branch has
# its own temporal state and its own log; the model is loaded once.
#   sh pipelines/multi-stream.sh [MODEL [STREAMS]]
# Without a model, train-file.sh makes one.  STREAMS defaults to 4; the
# streams play the test, holdout and nuisance clips of the generated scene in
# turn (one layout, the one the model learned, with different activity).
# Outputs: $OUT/multi-0.jsonl ... $OUT/multi-<STREAMS-1>.jsonl.
set -eu
. "$(dirname "$0")/env.sh"
MODEL=${1:-$OUT/file.model}
STREAMS=${2:-4}
need anomalydetect anomalyscenesrc
[ -f "$MODEL" ] || sh "$(dirname "$0")/train-file.sh" "" "$MODEL"
N=$([ -n "$QUICK" ] && echo 100 || echo 900)
rm -f "$OUT"/multi-*.jsonl
# One pipeline with a branch per stream, built as gst-launch-1.0's argument
# list (one argument per element or property, so paths may hold spaces).
set --
i=0
while [ "$i" -lt "$STREAMS" ]; do
  case $((i % 3)) in 0) CLIP=test ;; 1) CLIP=holdout ;; *) CLIP=nuisance ;; esac
  set -- "$@" anomalyscenesrc clip=$CLIP num-buffers="$N" ! \
    $SCENE_CAPS ! videoconvert ! anomalydetect model="$MODEL" \
    stream-id=cam$i log="$OUT/multi-$i.jsonl" ! fakesink
  i=$((i + 1))
done
gst-launch-1.0 -q "$@"
for f in "$OUT"/multi-*.jsonl; do echo "$f: $(wc -l < "$f") lines"; done

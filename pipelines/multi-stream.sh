#!/bin/sh
# Several streams in one process sharing one loaded model: each branch has
# its own temporal state and its own log; the model is loaded once.
#   sh pipelines/multi-stream.sh [MODEL] [STREAMS]
set -eu
. "$(dirname "$0")/env.sh"
MODEL=${1:-$OUT/file.model}
STREAMS=${2:-4}
[ -f "$MODEL" ] || sh "$(dirname "$0")/train-file.sh"
N=$([ -n "$QUICK" ] && echo 100 || echo 900)
P=""
i=0
while [ $i -lt "$STREAMS" ]; do
  P="$P anomalyscenesrc clip=test seed=1 num-buffers=$N ! videoconvert ! \
    anomalydetect model=$MODEL stream-id=cam$i log=$OUT/multi-$i.jsonl ! fakesink"
  i=$((i + 1))
done
gst-launch-1.0 -q $P
for f in "$OUT"/multi-*.jsonl; do echo "$f: $(wc -l < "$f") lines"; done

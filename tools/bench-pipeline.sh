#!/bin/sh
# tools/bench-pipeline.sh - frames/s of the whole anomalydetect bin (overlay
# included) on 768x576 video, decoding excluded: the same pre-rendered raw
# frames go through "queue ! fakesink" and through
# "queue ! anomalydetect ! fakesink"; the bin's cost is the difference.
# Medians of 3 runs each.  Usage: sh tools/bench-pipeline.sh [FRAMES [WxH]]
# (default 600 frames at 768x576, the speed target's size; 1920x1080 shows
# what a full-HD camera costs).  ANOMALY_BUILD_DIR selects the build
# (default build); ANOMALY_MODEL_SIZE=WxH the model's size (default the
# element's, 160x120; e.g. 320x240, what the far-camera warning asks
# for).
set -eu
cd "$(dirname "$0")/.."
BUILD=${ANOMALY_BUILD_DIR:-$PWD/build}
export GST_PLUGIN_PATH=$BUILD/plugin
N=${1:-600}
SIZE=${2:-768x576}
W=${SIZE%x*}
H=${SIZE#*x}
case "$W$H" in
  *[!0-9]*|"") echo "size: expected WxH, such as 1920x1080, not $SIZE" >&2; exit 2 ;;
esac
MODEL_PROPS=
if [ -n "${ANOMALY_MODEL_SIZE:-}" ]; then
  MW=${ANOMALY_MODEL_SIZE%x*}
  MH=${ANOMALY_MODEL_SIZE#*x}
  case "$MW$MH" in
    *[!0-9]*|"") echo "ANOMALY_MODEL_SIZE: expected WxH, not $ANOMALY_MODEL_SIZE" >&2; exit 2 ;;
  esac
  MODEL_PROPS="width=$MW height=$MH"
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# a model (speed does not depend on how well it was trained)
gst-launch-1.0 -q anomalyscenesrc clip=train num-buffers=60 ! videoconvert ! \
  anomalydetect mode=train epochs=1 $MODEL_PROPS model="$TMP/m.model" ! \
  fakesink \
  2>"$TMP/train.log" || { cat "$TMP/train.log" >&2; exit 1; }
# raw I420 frames in a file, so no rendering or decoding is timed
gst-launch-1.0 -q anomalyscenesrc clip=test num-buffers="$N" ! \
  video/x-raw,width=$W,height=$H ! videoconvert ! video/x-raw,format=I420 ! \
  filesink location="$TMP/frames.yuv"
SRC="filesrc location=$TMP/frames.yuv blocksize=$((W * H * 3 / 2)) ! rawvideoparse format=i420 width=$W height=$H framerate=25/1 ! queue"

run () {
  t0=$(date +%s.%N)
  gst-launch-1.0 -q $SRC ! $1 ! fakesink sync=false
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
med3 () { printf '%s\n%s\n%s\n' "$1" "$2" "$3" | sort -g | sed -n 2p; }

b1=$(run identity); b2=$(run identity); b3=$(run identity)
d1=$(run "anomalydetect model=$TMP/m.model")
d2=$(run "anomalydetect model=$TMP/m.model")
d3=$(run "anomalydetect model=$TMP/m.model")
base=$(med3 "$b1" "$b2" "$b3")
full=$(med3 "$d1" "$d2" "$d3")
fps=$(echo "$N / ($full - $base)" | bc -l)
printf 'frames: %d at %dx%d I420, model %s\n' "$N" "$W" "$H" \
  "${ANOMALY_MODEL_SIZE:-160x120}"
printf 'source only:            %.2f s (median of 3)\n' "$base"
printf 'source + anomalydetect: %.2f s (median of 3)\n' "$full"
printf 'anomalydetect bin:      %.1f frames/s  (target >= 40)\n' "$fps"
printf 'RESULT pipeline_fps=%.1f\n' "$fps"

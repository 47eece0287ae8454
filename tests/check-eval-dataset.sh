#!/bin/sh
# tests/check-eval-dataset.sh AD_EVAL AD_SCENE_TOOL - ad-eval --dataset on a
# small folder in the Ped2 / Avenue layout, written here from the
# generated surveillance scene: two training clips (PNG), two test clips
# (PNG), one with per-frame labels and one with PNG masks.  Checks that the
# table has a row for the detector with a frame AUROC and, from the masks,
# a pixel AP; that both training clips reach the trainer as segments of
# their own (DISCONT at the second); and that a test clip without ground
# truth is refused by name.  Run by meson (tools/meson.build), which sets
# the GStreamer plugin paths.
set -eu
AD_EVAL=$1
SCENE_TOOL=$2
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
FAILED=0
fail () { echo "FAIL: $*" >&2; FAILED=1; }

# png CLIP N DIR: the first N frames of a clip of the scene, 160x120
png () {
  mkdir -p "$3"
  gst-launch-1.0 -q anomalyscenesrc scene=surveillance clip="$1" \
    num-buffers="$2" ! video/x-raw,width=160,height=120 ! videoconvert ! \
    pngenc ! multifilesink location="$3/%05d.png"
}
png train 60 "$D/training/frames/01"
png holdout 60 "$D/training/frames/02"
png test 120 "$D/testing/frames/01"
png test 80 "$D/testing/frames/02"

# labels of clip 01: the test clip's ground truth (its default length, so
# that the events fall where anomalyscenesrc renders them)
"$SCENE_TOOL" --scene surveillance --clip test --size 160x120 \
  --out "$D/truth" > /dev/null
mkdir -p "$D/testing/labels"
awk -F, 'NR > 1 && $1 < 120 { print $2 }' "$D/truth/labels.csv" \
  > "$D/testing/labels/01.txt"
n1=$(grep -c 1 "$D/testing/labels/01.txt" || true)
[ "$n1" -gt 0 ] || fail "clip 01 has no anomalous frame to measure"

# masks of clip 02 (as Ped2's Test0NN_gt; RGB, as BMP masks decode): 40
# black frames, then 40 with a 40x40 square marked anomalous
mkdir -p "$D/testing/gt/02_gt"
gst-launch-1.0 -q videotestsrc pattern=black num-buffers=40 ! \
  video/x-raw,format=RGB,width=160,height=120 ! pngenc ! \
  multifilesink location="$D/testing/gt/02_gt/%03d.png"
gst-launch-1.0 -q videotestsrc pattern=white num-buffers=40 ! \
  video/x-raw,width=40,height=40 ! \
  videobox fill=black top=-40 bottom=-40 left=-60 right=-60 ! \
  videoconvert ! video/x-raw,format=RGB ! pngenc ! \
  multifilesink location="$D/testing/gt/02_gt/1%02d.png"

out=$(GST_DEBUG=anomaly:4 "$AD_EVAL" --dataset "$D" -t 5 --no-mog2 \
  2> "$D/err.log") || { cat "$D/err.log" >&2; fail "ad-eval exited $?"; }
echo "$out"
grep -q "training on 120 frames of 2 clips" "$D/err.log" ||
  fail "no 'training on 120 frames of 2 clips'"
grep -q "training footage: segment 2 starts at frame 60" "$D/err.log" ||
  fail "the second training clip did not start a segment"
row=$(echo "$out" | grep "| anomalydetect |" || true)
[ -n "$row" ] || fail "no anomalydetect row"
# | name | method | config | causal | per-clip | pixel AUROC | pixel AP |
auroc=$(echo "$row" | awk -F'|' '{ gsub(/ /, "", $5); print $5 }')
ap=$(echo "$row" | awk -F'|' '{ gsub(/ /, "", $8); print $8 }')
echo "$auroc" | grep -Eq '^[01]\.[0-9]{3}$' || fail "frame AUROC '$auroc'"
echo "$ap" | grep -Eq '^[01]\.[0-9]{3}$' || fail "pixel AP '$ap'"

# a test clip without ground truth: refused, naming it
mv "$D/testing/labels/01.txt" "$D/01.txt"
if "$AD_EVAL" --dataset "$D" -t 2 --no-mog2 > /dev/null 2> "$D/err.log"; then
  fail "a clip without ground truth was accepted"
fi
grep -q "no ground truth for test clip 01" "$D/err.log" ||
  { cat "$D/err.log" >&2; fail "the error does not name clip 01"; }
exit $FAILED

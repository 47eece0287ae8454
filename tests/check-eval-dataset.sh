#!/bin/sh
# tests/check-eval-dataset.sh AD_EVAL SRC BUILD - ad-eval --dataset on a
# small folder in the Ped2 / Avenue layout, written from the generated
# surveillance scene by tools/scene-dataset.sh: two training clips, two
# test clips, one with per-frame labels and one with PNG masks.  Checks
# that the table has a row for the detector with a frame AUROC and, from
# the masks, a pixel AP, and with --parts a second table with its score's
# six parts, each alone and the score without it; that both training
# clips reach the trainer as stretches of their own (DISCONT at the
# second); that --fps 10 reaches
# the element through the caps (it trains with flow_window=1); that the
# model is RGB by default and gray with --gray; that with --no-caps-rate
# the element takes the rate from the timestamps; that --epochs trains the
# same model file in two runs and refuses a negative count; and that a
# test clip
# without ground truth, --fps or --no-caps-rate without --dataset or
# --frame-step, --pace or --gray-test with it, or --pace outside 1..8,
# is refused; that
# scene-dataset.sh MASKS=1 writes a mask per test frame; and that ZOOM=2
# writes frames and masks of the window's size, no labels, and refuses a
# window outside the render or ZOOM without MASKS=1.
# Run by meson (tools/meson.build), which sets the GStreamer plugin paths.
set -eu
AD_EVAL=$1
SRC=$2
BUILD=$3
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
FAILED=0
fail () { echo "FAIL: $*" >&2; FAILED=1; }

# two training clips of 60 frames (the first and the last of the scene's
# training clip), two test clips of 120 (frames 0-239 of its test clip)
MASKS=1 ANOMALY_BUILD_DIR=$BUILD sh "$SRC/tools/scene-dataset.sh" "$D" \
  surveillance 2 60 2 120 160x120
# MASKS=1: a PNG mask per test frame, some of clip 00's marked (255)
nm=$(ls "$D/testing/gt/00" | grep -c '\.png$' || true)
[ "$nm" -eq 120 ] || fail "MASKS=1 wrote $nm masks for clip 00, not 120"
# blank masks all compress to one size; marked ones differ
sizes=$(for f in "$D"/testing/gt/00/*.png; do stat -c %s "$f"; done |
  sort -u | wc -l)
[ "$sizes" -gt 1 ] || fail "MASKS=1: clip 00's masks are all alike (blank)"
# clip 01's ground truth is made below, as Ped2 names it (01_gt)
rm -rf "$D/testing/gt/01"
n1=$(grep -c 1 "$D/testing/labels/00.txt" || true)
[ "$n1" -gt 0 ] || fail "clip 00 has no anomalous frame to measure"
rm "$D/testing/labels/01.txt"

# masks of clip 01 instead of labels (as Ped2's Test0NN_gt; RGB, as BMP
# masks decode): 80 black frames, then 40 with a 40x40 square marked
# anomalous
mkdir -p "$D/testing/gt/01_gt"
gst-launch-1.0 -q videotestsrc pattern=black num-buffers=80 ! \
  video/x-raw,format=RGB,width=160,height=120 ! pngenc ! \
  multifilesink location="$D/testing/gt/01_gt/0%02d.png"
gst-launch-1.0 -q videotestsrc pattern=white num-buffers=40 ! \
  video/x-raw,width=40,height=40 ! \
  videobox fill=black top=-40 bottom=-40 left=-60 right=-60 ! \
  videoconvert ! video/x-raw,format=RGB ! pngenc ! \
  multifilesink location="$D/testing/gt/01_gt/1%02d.png"

out=$(GST_DEBUG=anomaly:4 "$AD_EVAL" --dataset "$D" --fps 10 -t 5 \
  --no-mog2 --parts --csv "$D/t.csv" 2> "$D/err.log") ||
  { cat "$D/err.log" >&2; fail "ad-eval exited $?"; }
echo "$out"
grep -q "10.0 frames a second: flow_window=1" "$D/err.log" ||
  fail "the element did not see 10 frames a second"
echo "$out" | grep -q "dataset $D at 10 fps" ||
  fail "no 'at 10 fps' in the header"
grep -q "training on 120 frames of 2 clips" "$D/err.log" ||
  fail "no 'training on 120 frames of 2 clips'"
grep -q "training footage: segment 2 starts at frame 60" "$D/err.log" ||
  fail "the second training clip did not start a segment"
row=$(echo "$out" | grep "| anomalydetect |" || true)
[ -n "$row" ] || fail "no anomalydetect row"
# | name | method | config | causal | per-clip | pixel AUROC | pixel AP |
col () { echo "$row" | awk -F'|' -v k="$1" '{ gsub(/ /, "", $k); print $k }'; }
auroc=$(col 5)
ap=$(col 8)
echo "$auroc" | grep -Eq '^[01]\.[0-9]{3}$' || fail "frame AUROC '$auroc'"
echo "$ap" | grep -Eq '^[01]\.[0-9]{3}$' || fail "pixel AP '$ap'"
grep -q "features from model '.*': 160x120 RGB" "$D/err.log" ||
  fail "the default model is not RGB"
# --parts: a second table, the six parts of the detector's score, each
# alone and the score without it, as AUROCs
echo "$out" | grep -q "| scene | config | learned | motion | pattern | still | wander | feature |" ||
  fail "--parts: no table of the parts"
prow=$(echo "$out" | grep "^| $(basename "$D") | - | [01]\." || true)
[ -n "$prow" ] || fail "--parts: no row for the dataset"
np=$(echo "$prow" | grep -Eo '[01]\.[0-9]{3} / [01]\.[0-9]{3}' | wc -l)
[ "$np" -eq 6 ] || fail "--parts: $np parts in '$prow', not 6"
# and in the CSV, two columns a part, filled on the detector's row only
head -1 "$D/t.csv" | grep -q ',learned_alone,learned_without,.*,feature_without$' ||
  fail "--parts --csv: no part columns in '$(head -1 "$D/t.csv")'"
det=$(grep ',anomalydetect,' "$D/t.csv" || true)
echo "$det" | grep -Eq '(,[01]\.[0-9]{3}){12}$' ||
  fail "--parts --csv: the detector's row '$det' lacks its 12 part figures"
grep ',frame diff (whole),' "$D/t.csv" | grep -q ',,,,,,,,,,,,$' ||
  fail "--parts --csv: a baseline's part columns are not empty"

# --gray trains a gray model, and detection reads it from the file; with
# --no-caps-rate (framerate=0/1, no durations) the element takes the rate
# from the timestamps
out=$(GST_DEBUG=anomaly:4 "$AD_EVAL" --dataset "$D" --gray -t 2 --no-mog2 \
  --fps 10 --no-caps-rate 2> "$D/err.log") ||
  { cat "$D/err.log" >&2; fail "ad-eval --gray exited"; }
echo "$out" | grep -q "model 160x120 gray" || fail "no 'gray' in the header"
grep -q "features from model '.*': 160x120 gray" "$D/err.log" ||
  fail "--gray did not give a gray model"
grep -q "timestamps give 10.00 a second" "$D/err.log" ||
  fail "--no-caps-rate: the rate did not come from the timestamps"
grep -q "10.0 frames a second: flow_window=1" "$D/err.log" ||
  fail "--no-caps-rate: the rules did not apply"

# --epochs: a fixed number of passes trains the same model, byte for
# byte, each run (what a paired comparison of a scoring setting needs)
for k in 1 2; do
  "$AD_EVAL" --dataset "$D" --epochs 1 --no-mog2 --workdir "$D/ep$k" \
    > /dev/null 2> "$D/err.log" ||
    { cat "$D/err.log" >&2; fail "ad-eval --epochs exited"; }
done
mf=$(basename "$D")-0.model
[ -s "$D/ep1/$mf" ] && cmp -s "$D/ep1/$mf" "$D/ep2/$mf" ||
  fail "--epochs 1: two runs did not write the same model"
if "$AD_EVAL" --dataset "$D" --epochs -1 > /dev/null 2> "$D/err.log"; then
  fail "--epochs -1 was accepted"
fi
grep -q "epochs takes 0..10000" "$D/err.log" || fail "no reason for --epochs"

# a test clip without ground truth: refused, naming it
rm -r "$D/testing/labels/00.txt" "$D/testing/gt/00"
if "$AD_EVAL" --dataset "$D" -t 2 --no-mog2 > /dev/null 2> "$D/err.log"; then
  fail "a clip without ground truth was accepted"
fi
grep -q "no ground truth for test clip 00" "$D/err.log" ||
  { cat "$D/err.log" >&2; fail "the error does not name clip 00"; }
# --fps is for image files; a scene's rate is --frame-step
if "$AD_EVAL" --fps 10 --quick > /dev/null 2> "$D/err.log"; then
  fail "--fps without --dataset was accepted"
fi
grep -q "applies to --dataset" "$D/err.log" || fail "no reason for --fps"
if "$AD_EVAL" --no-caps-rate --quick > /dev/null 2> "$D/err.log"; then
  fail "--no-caps-rate without --dataset was accepted"
fi
grep -q "no-caps-rate applies to --dataset" "$D/err.log" ||
  fail "no reason for --no-caps-rate"
if "$AD_EVAL" --dataset "$D" --gray-test > /dev/null 2> "$D/err.log"; then
  fail "--gray-test with --dataset was accepted"
fi
grep -q "gray-test applies to scenes" "$D/err.log" ||
  fail "no reason for --gray-test"
if "$AD_EVAL" --dataset "$D" --frame-step 3 > /dev/null 2> "$D/err.log"; then
  fail "--frame-step with --dataset was accepted"
fi
grep -q "applies to scenes" "$D/err.log" || fail "no reason for --frame-step"
# --pace: scenes only, 1..8
if "$AD_EVAL" --dataset "$D" --pace 2 > /dev/null 2> "$D/err.log"; then
  fail "--pace with --dataset was accepted"
fi
grep -q "pace takes 1..8, for scenes" "$D/err.log" || fail "no reason for --pace"
if "$AD_EVAL" --pace 9 --quick > /dev/null 2> "$D/err.log"; then
  fail "--pace 9 was accepted"
fi
grep -q "pace takes 1..8" "$D/err.log" || fail "no reason for --pace 9"

# ZOOM=2: the scene twice as close, the 160x120 window of a 320x240 render
Z=$D/zoom
MASKS=1 ZOOM=2 ZOOM_LEFT=40 ZOOM_TOP=30 ANOMALY_BUILD_DIR=$BUILD \
  sh "$SRC/tools/scene-dataset.sh" "$Z" surveillance 1 10 1 20 160x120
nm=$(ls "$Z/testing/gt/00" | grep -c '\.png$' || true)
[ "$nm" -eq 20 ] || fail "ZOOM=2 wrote $nm masks, not 20"
[ ! -e "$Z/testing/labels/00.txt" ] || fail "ZOOM=2 wrote labels"
# a PNG's width: the big-endian 32 bits at byte 16 (its IHDR)
for f in "$Z/training/frames/00/00000.png" "$Z/testing/gt/00/00000.png"; do
  w=$(od -An -tu1 -j16 -N4 "$f" |
    awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
  [ "$w" = 160 ] || fail "ZOOM=2: $f is $w px wide, not 160"
done
if MASKS=1 ZOOM=2 ZOOM_LEFT=200 ANOMALY_BUILD_DIR=$BUILD \
    sh "$SRC/tools/scene-dataset.sh" "$D/z2" surveillance 1 10 1 20 \
    160x120 2> "$D/err.log"; then
  fail "a window outside the render was accepted"
fi
grep -q "must lie inside the 320x240 render" "$D/err.log" ||
  fail "no reason for the window outside the render"
if ZOOM=2 ANOMALY_BUILD_DIR=$BUILD sh "$SRC/tools/scene-dataset.sh" \
    "$D/z3" surveillance 1 10 1 20 160x120 2> "$D/err.log"; then
  fail "ZOOM without MASKS=1 was accepted"
fi
grep -q "ZOOM needs MASKS=1" "$D/err.log" || fail "no reason for MASKS=1"
exit $FAILED

#!/bin/sh
# tools/scene-dataset.sh OUT [SCENE] [TRAIN_CLIPS] [TRAIN_LEN] [TEST_CLIPS]
#                        [TEST_LEN] [SIZE]
#
# Writes a generated scene as a folder in the UCSD Ped2 / CUHK Avenue layout
# that `ad-eval --dataset OUT` reads (docs/evaluation.md):
#   OUT/training/frames/NN/%05d.png  TRAIN_CLIPS clips of TRAIN_LEN frames
#                                    of the scene's training clip, spread
#                                    evenly over it (gaps between them)
#   OUT/testing/frames/NN/%05d.png   the test clip cut into TEST_CLIPS
#                                    clips of TEST_LEN frames
#   OUT/testing/labels/NN.txt        one 0/1 per frame
#   OUT/testing/gt/NN/%05d.png       with MASKS=1 also the pixel masks
#                                    (0 / 255), as Ped2's Test0NN_gt, which
#                                    ad-eval prefers to the labels
# Defaults: surveillance, 8 x 120 training frames, 4 x 225 test frames,
# 320x240.  FORMAT=jpg writes JPEG files instead of PNG (quality
# $JPEG_QUALITY, default 75: compression artefacts as many datasets
# have).  GRAY=1 writes 8-bit gray files (as UCSD Ped2 has).  STEP=N
# keeps every N-th frame of the scene (a camera at 25/N frames a second;
# give ad-eval --fps to match).  PACE=K renders K frames for each of the
# scene's own: everything moves 1/K as far a frame at the same frame rate
# (2: the generated people at a real walker's speed for their size).
# ZOOM=K (with MASKS=1) films the scene
# from K times closer: rendered at K x SIZE, a SIZE window of it is kept
# (people K times larger, a Kth of the layout in view), from the pixel
# ZOOM_LEFT, ZOOM_TOP of the larger render (default: its centre); the
# masks are cut the same way and no labels are written (an event outside
# the window would be labelled; ad-eval takes the frames' truth from the
# masks).  Needs gst-launch-1.0
# with the plugin on GST_PLUGIN_PATH and ad-scene-tool (for the labels)
# in $ANOMALY_BUILD_DIR/tools (default build).
set -eu
OUT=${1:?usage: scene-dataset.sh OUT [SCENE] [TRAIN_CLIPS] [TRAIN_LEN] [TEST_CLIPS] [TEST_LEN] [SIZE]}
SCENE=${2:-surveillance}
NTR=${3:-8}
LTR=${4:-120}
NTE=${5:-4}
LTE=${6:-225}
SIZE=${7:-320x240}
W=${SIZE%x*}
H=${SIZE#*x}
FORMAT=${FORMAT:-png}
STEP=${STEP:-1}
PACE=${PACE:-1}
ZOOM=${ZOOM:-1}
RW=$((W * ZOOM))
RH=$((H * ZOOM))
ZL=${ZOOM_LEFT:-$(((RW - W) / 2))}
ZT=${ZOOM_TOP:-$(((RH - H) / 2))}
[ "$ZOOM" -ge 1 ] && [ "$ZL" -ge 0 ] && [ "$ZT" -ge 0 ] &&
  [ $((ZL + W)) -le "$RW" ] && [ $((ZT + H)) -le "$RH" ] || {
  echo "scene-dataset.sh: ZOOM=$ZOOM ZOOM_LEFT=$ZL ZOOM_TOP=$ZT: the" \
    "${W}x$H window must lie inside the ${RW}x$RH render" >&2; exit 2; }
[ "$ZOOM" -eq 1 ] || [ "${MASKS:-0}" = 1 ] || {
  echo "scene-dataset.sh: ZOOM needs MASKS=1 (the frames' truth comes" \
    "from the cut masks)" >&2; exit 2; }
# the window of the larger render (nothing at ZOOM=1)
CROP=identity
[ "$ZOOM" -gt 1 ] && CROP="videocrop left=$ZL top=$ZT right=$((RW - W - ZL)) bottom=$((RH - H - ZT))"
OUTCAPS=video/x-raw
[ "${GRAY:-0}" = 1 ] && OUTCAPS="video/x-raw,format=GRAY8"
case $FORMAT in
  png) ENC=pngenc ;;
  jpg) ENC="jpegenc quality=${JPEG_QUALITY:-75}" ;;
  *) echo "scene-dataset.sh: FORMAT must be png or jpg" >&2; exit 2 ;;
esac
TOOL=${ANOMALY_BUILD_DIR:-build}/tools/ad-scene-tool
[ -x "$TOOL" ] || { echo "scene-dataset.sh: no $TOOL (build first)" >&2; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# render CLIP DIR: the whole clip as PNG files
render () {
  mkdir -p "$2"
  gst-launch-1.0 -q anomalyscenesrc scene="$SCENE" clip="$1" \
    frame-step="$STEP" pace="$PACE" ! \
    "video/x-raw,width=$RW,height=$RH" ! $CROP ! videoconvert ! \
    "$OUTCAPS" ! $ENC ! \
    multifilesink location="$2/%05d.$FORMAT"
}

# cut SRC DST FIRST N: frames FIRST.. FIRST+N-1 of SRC into DST, renumbered
cut () {
  mkdir -p "$2"
  i=0
  while [ "$i" -lt "$4" ]; do
    src=$(printf '%s/%05d.%s' "$1" $(($3 + i)) "$FORMAT")
    [ -f "$src" ] || { echo "scene-dataset.sh: $src: clip too short" >&2; exit 1; }
    cp "$src" "$(printf '%s/%05d.%s' "$2" "$i" "$FORMAT")"
    i=$((i + 1))
  done
}

render train "$TMP/train"
total=$(ls "$TMP/train" | wc -l)
step=$(( NTR > 1 ? (total - LTR) / (NTR - 1) : 0 ))
[ "$step" -ge "$LTR" ] || [ "$NTR" -eq 1 ] ||
  echo "scene-dataset.sh: training clips overlap ($total frames)" >&2
c=0
while [ "$c" -lt "$NTR" ]; do
  cut "$TMP/train" "$(printf '%s/training/frames/%02d' "$OUT" "$c")" \
    $((c * step)) "$LTR"
  c=$((c + 1))
done

render test "$TMP/test"
"$TOOL" --scene "$SCENE" --clip test --size "${RW}x$RH" --pace "$PACE" \
  --out "$TMP/truth" > /dev/null
[ "$ZOOM" -gt 1 ] || mkdir -p "$OUT/testing/labels"
c=0
while [ "$c" -lt "$NTE" ]; do
  first=$((c * LTE))
  cut "$TMP/test" "$(printf '%s/testing/frames/%02d' "$OUT" "$c")" \
    "$first" "$LTE"
  # test frame i is the scene's frame i x STEP
  [ "$ZOOM" -gt 1 ] ||
    awk -F, -v a="$first" -v b=$((first + LTE)) -v s="$STEP" \
      'NR > 1 && $1 % s == 0 && $1 / s >= a && $1 / s < b { print $2 }' \
      "$TMP/truth/labels.csv" \
      > "$(printf '%s/testing/labels/%02d.txt' "$OUT" "$c")"
  if [ "${MASKS:-0}" = 1 ]; then
    # test frame i's mask is the scene frame i x STEP's (PGM, decoded by
    # gdk-pixbuf) as PNG
    rm -rf "$TMP/m"
    mkdir -p "$TMP/m"
    i=0
    while [ "$i" -lt "$LTE" ]; do
      cp "$(printf '%s/truth/masks/%05d.pgm' "$TMP" $(((first + i) * STEP)))" \
        "$(printf '%s/m/%05d.pgm' "$TMP" "$i")"
      i=$((i + 1))
    done
    gt=$(printf '%s/testing/gt/%02d' "$OUT" "$c")
    mkdir -p "$gt"
    gst-launch-1.0 -q imagesequencesrc location="$TMP/m/%05d.pgm" \
      framerate=25/1 ! gdkpixbufdec ! $CROP ! videoconvert ! \
      video/x-raw,format=GRAY8 ! pngenc ! multifilesink location="$gt/%05d.png"
  fi
  c=$((c + 1))
done
rate=""
[ "$STEP" -gt 1 ] && rate=", one scene frame in $STEP"
[ "$PACE" -gt 1 ] && rate="$rate, at pace $PACE"
echo "scene-dataset.sh: $OUT: $NTR training clips of $LTR frames," \
  "$NTE test clips of $LTE$rate"

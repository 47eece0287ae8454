#!/bin/sh
# tests/check-eval-drop.sh AD_EVAL - ad-eval --drop: a tenth of the scored
# clips' frames lost before anomalydetect.  Checks that the run completes
# with a table, says in its header and on stderr how many frames it lost
# (some, not all) and that only the clips' first frames went unscored,
# that anomalyscore saw the gaps as lost frames (not as new clips), that
# two runs lose the same frames, and that --drop out of range or with
# --dataset is a usage error (exit 2).
# Run by meson (tools/meson.build), which sets the GStreamer plugin paths.
set -eu
AD_EVAL=$1
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
FAILED=0
fail () { echo "FAIL: $*" >&2; FAILED=1; }

run () {
  GST_DEBUG=anomaly:5 "$AD_EVAL" --quick --max-frames 120 --no-mog2 \
    --drop 0.1 --workdir "$D/w$1" 2> "$D/err$1.log"
}
out=$(run 1) || { cat "$D/err1.log" >&2; fail "ad-eval exited $?"; }
echo "$out"
echo "$out" | grep -q "0.1 of the scored frames lost" ||
  fail "no 'of the scored frames lost' in the header"
echo "$out" | grep -q "^| surveillance | anomalydetect |" ||
  fail "no anomalydetect row"
line=$(grep "frames lost (--drop 0.1)" "$D/err1.log" || true)
echo "$line"
lost=$(echo "$line" | sed -n 's/.*: \([0-9]*\) of \([0-9]*\) frames lost.*/\1/p')
total=$(echo "$line" | sed -n 's/.*: \([0-9]*\) of \([0-9]*\) frames lost.*/\2/p')
# 240 frames at 0.1: the binomial's 99.99 % range is about 6..44
[ -n "$lost" ] && [ "$lost" -ge 6 ] && [ "$lost" -le 44 ] &&
  [ "$total" -eq 240 ] || fail "lost '$lost' of '$total' frames"
# only each clip's first frame goes unscored: the first after a gap has
# no prediction either (anomalyrecon restarts), but anomalyscore scores
# it without the learned part
unscored=$(echo "$line" | sed -n 's/.*, \([0-9]*\) more not scored.*/\1/p')
[ "$unscored" = 2 ] || fail "'$unscored' frames not scored, 2 expected"
gaps=$(grep -c ": frames lost" "$D/err1.log" || true)
[ "$gaps" -ge 3 ] || fail "anomalyscore saw $gaps gaps as lost frames"
out2=$(run 2) || fail "second run exited $?"
line2=$(grep "frames lost (--drop 0.1)" "$D/err2.log" || true)
[ "$line" = "$line2" ] || fail "two runs lost different frames: $line2"

for bad in "--drop 0.6" "--drop=-0.1" "--drop 0.1 --dataset $D"; do
  # shellcheck disable=SC2086
  if "$AD_EVAL" $bad > /dev/null 2>&1; then
    fail "'$bad' was accepted"
  elif [ $? -ne 2 ]; then
    fail "'$bad' did not exit 2"
  fi
done
exit $FAILED

#!/bin/sh
# tests/docs/test-doc-checker.sh - tools/check-doc-pipelines.sh must find
# every problem planted in bad-examples.md (and nothing in its fine part),
# so that the docs-pipelines test can fail.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
out=$(sh "$TOP/tools/check-doc-pipelines.sh" "$HERE/bad-examples.md" 2>&1)
rc=$?
echo "$out"
fail=0
expect () {
  if ! printf '%s\n' "$out" | grep -qF -- "$1"; then
    echo "MISSING: $1"
    fail=1
  fi
}
[ "$rc" -eq 1 ] || { echo "exit status $rc, expected 1"; fail=1; }
expect 'bad-examples.md:8: anomalydetect has no property "modle"'
expect 'bad-examples.md:9: anomalyoverlay.mode=heatmap: not one of blend|map'
expect 'bad-examples.md:10: anomalyscore.threshold=1000: outside 0.01 - 100'
expect 'bad-examples.md:11: anomalyscore.min-frames=2.5: not an integer'
expect 'bad-examples.md:12: anomalydetect.outline=maybe: not a boolean'
expect 'bad-examples.md:13: no element "anomalydetec" in the anomaly plugin'
# anomalymqttsink is built only with libmosquitto
if gst-inspect-1.0 anomalymqttsink >/dev/null 2>&1; then
  expect 'bad-examples.md:14: anomalymqttsink.connected is read-only'
  n=15
else
  n=14
fi
expect 'bad-examples.md:15: anomalyextract has no property "motion"'
expect 'bad-examples.md:18: anomalyoverlay.alpha=two: not a number'
expect 'bad-examples.md:21: anomalydetect.sensitivity=20: outside 0.1 - 10'
expect 'bad-examples.md:24: anomalydetect.config: unknown setting "mem_plce"'
expect 'bad-examples.md:25: anomalyrecon.config: widths_3=300 is outside 4 - 256'
expect 'bad-examples.md:28: anomalydetect.config: fuse=two is not a number'
expect 'bad-examples.md:31: anomalyscore has no property "min-regio"'
expect 'bad-examples.md:32: anomalydetect has no child "anomalyscore0"'
expect " $n problems"
[ "$fail" -eq 0 ] && echo "test-doc-checker: all $n planted problems found, none else"
exit "$fail"

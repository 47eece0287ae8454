#!/bin/sh
# tools/bench.sh - the benchmark command.  In one run: the core's speed
# against this machine's sgemm and against the same network in PyTorch
# (same weights, same thread count), memory per stream, and the whole
# plugin pipeline at 768x576.  Prints figures and the ratios the project's
# targets are stated in.
#
#   sh tools/bench.sh [SECONDS_PER_FIGURE]
#
# Environment: ANOMALY_BUILD_DIR (default build), THREADS (default 2; sets
# AD_THREADS, OPENBLAS_NUM_THREADS and PyTorch's thread count), FRAMES
# (streamed frames for the memory check, default 2000), PIPELINE=0 to skip
# the pipeline part.
set -eu
cd "$(dirname "$0")/.."
TOP=$(pwd)
SECS=${1:-5}
THREADS=${THREADS:-2}
FRAMES=${FRAMES:-2000}
BUILD=${ANOMALY_BUILD_DIR:-$TOP/build}
export AD_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS
B=$BUILD/tools/ad-bench
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

[ -x "$B" ] || { echo "bench.sh: $B not built" >&2; exit 1; }
echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(uname -m), $(nproc) CPUs: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# run_c NAME ARGS...: ad-bench into $TMP/NAME.txt, failing loudly
run_c () {
  name=$1
  shift
  if ! "$B" "$@" > "$TMP/$name.txt" 2>&1; then
    cat "$TMP/$name.txt"
    echo "bench.sh: ad-bench $* failed" >&2
    exit 1
  fi
}
echo "== core (C, $THREADS threads)"
run_c c --seconds "$SECS" --frames "$FRAMES"
cat "$TMP/c.txt"
echo "== core forward on 1 thread (parallel speed-up)"
(export AD_THREADS=1 OPENBLAS_NUM_THREADS=1
 run_c c1 --seconds "$SECS" --forward-only) || exit 1
grep -E '^(sgemm|forward|RESULT)' "$TMP/c1.txt"
run_c export --export "$TMP/export"

# Debian's python3-torch lives in /usr/bin/python3; another python3 may
# come first on PATH.
PY=
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import torch' 2>/dev/null; then
    PY=$p
    break
  fi
done

if [ -n "$PY" ]; then
  echo "== the same network in PyTorch $("$PY" -c 'import torch; print(torch.__version__)'), $THREADS threads"
  "$PY" tools/bench_torch.py "$TMP/export" --seconds "$SECS" \
    --threads "$THREADS" > "$TMP/t.txt" || { cat "$TMP/t.txt"; exit 1; }
  cat "$TMP/t.txt"
  "$PY" - "$TMP/c.txt" "$TMP/c1.txt" "$TMP/t.txt" <<'PY'
import sys
def res(p):
    for line in open(p):
        if line.startswith("RESULT"):
            return {k: float(v) for k, v in (x.split("=") for x in line.split()[1:])}
c, c1, t = res(sys.argv[1]), res(sys.argv[2]), res(sys.argv[3])
def verdict(v, target):
    return "met" if v >= target else "NOT met"
f = c["forward_frac_sgemm"]
r = c["forward_fps"] / t["torch_forward_fps"]
tr = c["train_fps"] / t["torch_train_fps"]
print("== ratios (this run)")
print("forward GFLOP/s / sgemm GFLOP/s (nominal FLOPs): %.2f  target >= 0.50: %s"
      % (f, verdict(f, 0.5)))
print("  same with executed FLOPs:                       %.2f"
      % c["forward_frac_sgemm_executed"])
print("  1 thread: %.2f of 1-thread sgemm; 2-thread speed-up %.2fx"
      % (c1["forward_frac_sgemm"], c["forward_fps"] / c1["forward_fps"]))
print("forward fps C / PyTorch, batch 1:                %.2f  target >= 1.5:  %s"
      % (r, verdict(r, 1.5)))
print("training fps C / PyTorch:                        %.2f  target >= 1.0:  %s"
      % (tr, verdict(tr, 1.0)))
print("memory growth over %d streamed frames:        %+d kB  target 0:  %s"
      % (c["rss_frames"], c["rss_growth_kb"],
         "met" if c["rss_growth_kb"] <= 0 else "NOT met"))
print("forward parity C vs PyTorch, max |diff|:         %.2g (outputs up to %.2g)"
      % (t["parity_maxdiff"], t["parity_scale"]))
PY
else
  echo "== PyTorch not installed (apt-get install python3-torch): no comparison"
fi

if [ "${PIPELINE:-1}" != 0 ] && [ -f "$BUILD/plugin/libgstanomaly.so" ]; then
  echo "== plugin pipeline, 768x576, anomalydetect bin with overlay, decoding excluded"
  sh tools/bench-pipeline.sh
fi
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

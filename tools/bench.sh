#!/bin/sh
# tools/bench.sh - the benchmark command: core speed against this machine's
# sgemm and against the same network in PyTorch (same thread count), plus
# the whole plugin pipeline at 768x576.  Prints figures and ratios measured
# in one run.  Usage: sh tools/bench.sh [SECONDS_PER_FIGURE]
set -eu
cd "$(dirname "$0")/.."
SECS=${1:-5}
export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-2}
B=build/tools/ad-bench
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo "== core (C, OpenBLAS, $OPENBLAS_NUM_THREADS threads)"
$B --seconds "$SECS" | tee "$TMP/c.txt"
$B --export "$TMP/export" >/dev/null

if python3 -c 'import torch' 2>/dev/null; then
  echo "== the same network in PyTorch ($(python3 -c 'import torch; print(torch.__version__)'), 2 threads)"
  python3 tools/bench_torch.py "$TMP/export" --seconds "$SECS" --threads 2 | tee "$TMP/t.txt"
  python3 - "$TMP/c.txt" "$TMP/t.txt" <<'PY'
import sys
def res(p):
    for line in open(p):
        if line.startswith("RESULT"):
            return {k: float(v) for k, v in (x.split("=") for x in line.split()[1:])}
c, t = res(sys.argv[1]), res(sys.argv[2])
print("== ratios (one run)")
print("forward GFLOP/s / sgemm GFLOP/s:   %.2f   (target >= 0.50)" % c["forward_frac_sgemm"])
print("forward fps C / PyTorch, batch 1:  %.2f   (target >= 1.5)" % (c["forward_fps"] / t["torch_forward_fps"]))
print("training fps C / PyTorch:          %.2f   (target >= 1.0)" % (c["train_fps"] / t["torch_train_fps"]))
print("forward parity max |diff|:         %.2g  (outputs up to %.2g)" % (t["parity_maxdiff"], t["parity_scale"]))
PY
else
  echo "== PyTorch not installed (apt-get install python3-torch): no comparison"
fi

if [ -f build/plugin/libgstanomaly.so ]; then
  echo "== plugin pipeline, 768x576, whole anomalydetect bin with overlay, decoding excluded"
  sh tools/bench-pipeline.sh
fi

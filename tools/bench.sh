#!/bin/sh
# tools/bench.sh - the benchmark command.  In one run: the core's speed
# against this machine's sgemm and against the same network in PyTorch
# (same weights, same thread count), memory per stream, and the whole
# plugin pipeline at 768x576.  Prints figures and the ratios the project's
# targets are stated in.
#
#   sh tools/bench.sh [SECONDS_PER_FIGURE]
#
# The C and PyTorch figures are taken in alternating rounds (C forward,
# PyTorch forward, C training, PyTorch training; ROUNDS times) and the
# ratios are the medians of the rounds' ratios, so that load from other
# processes hits both sides alike.  The figures only mean something on an
# otherwise idle machine: the load average is printed before and after.
#
# Environment: ANOMALY_BUILD_DIR (default build), THREADS (default 2; sets
# AD_THREADS, OPENBLAS_NUM_THREADS and PyTorch's thread count), ROUNDS
# (default 3), FRAMES (streamed frames of the memory check, default 2000),
# PIPELINE=0 to skip the pipeline part.
set -eu
cd "$(dirname "$0")/.."
TOP=$(pwd)
SECS=${1:-5}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
FRAMES=${FRAMES:-2000}
BUILD=${ANOMALY_BUILD_DIR:-$TOP/build}
export AD_THREADS=$THREADS OPENBLAS_NUM_THREADS=$THREADS
B=$BUILD/tools/ad-bench
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

[ -x "$B" ] || { echo "bench.sh: $B not built" >&2; exit 1; }

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

echo "== $(date -u +%Y-%m-%dT%H:%MZ), $(uname -m), $(nproc) CPUs: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== core (C, $THREADS threads): configuration, speed, memory over $FRAMES frames"
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
  echo "== C and PyTorch $("$PY" -c 'import torch; print(torch.__version__)'), $THREADS threads, alternating, $ROUNDS rounds"
  run_t () {
    if ! "$PY" tools/bench_torch.py "$TMP/export" --seconds "$SECS" \
        --threads "$THREADS" --only "$2" > "$TMP/$1.txt" 2>&1; then
      cat "$TMP/$1.txt"
      echo "bench.sh: bench_torch.py failed" >&2
      exit 1
    fi
  }
  r=1
  while [ "$r" -le "$ROUNDS" ]; do
    run_c cf$r --seconds "$SECS" --forward-only
    run_t tf$r forward
    run_c ct$r --seconds "$SECS" --train-only
    run_t tt$r train
    r=$((r + 1))
  done
  "$PY" - "$TMP" "$ROUNDS" <<'PY'
import statistics, sys
tmp, rounds = sys.argv[1], int(sys.argv[2])
def res(name):
    for line in open("%s/%s.txt" % (tmp, name)):
        if line.startswith("RESULT"):
            return {k: float(v) for k, v in (x.split("=") for x in line.split()[1:])}
    raise SystemExit("bench.sh: no RESULT line in %s" % name)
c, c1 = res("c"), res("c1")
rows = []
for r in range(1, rounds + 1):
    cf, tf, ct, tt = res("cf%d" % r), res("tf%d" % r), res("ct%d" % r), res("tt%d" % r)
    rows.append(dict(sgemm=cf["sgemm_gflops"], cfps=cf["forward_fps"],
                     frac=cf["forward_frac_sgemm"], tfps=tf["torch_forward_fps"],
                     ctr=ct["train_fps"], ttr=tt["torch_train_fps"],
                     parity=tf["parity_maxdiff"], scale=tf["parity_scale"]))
    x = rows[-1]
    print("round %d: sgemm %6.1f GFLOP/s | forward C %6.1f fps (%.2f of sgemm), "
          "PyTorch %5.1f fps | training C %5.1f fps, PyTorch %5.1f fps"
          % (r, x["sgemm"], x["cfps"], x["frac"], x["tfps"], x["ctr"], x["ttr"]))
med = lambda f: statistics.median(f(x) for x in rows)
f = med(lambda x: x["frac"])
fr = med(lambda x: x["cfps"] / x["tfps"])
tr = med(lambda x: x["ctr"] / x["ttr"])
ok = lambda v, t: "met" if v >= t else "NOT met"
print("== ratios (medians of %d rounds)" % rounds)
print("forward GFLOP/s / sgemm GFLOP/s (nominal FLOPs): %.2f  target >= 0.50: %s" % (f, ok(f, 0.5)))
print("  same with executed FLOPs:                       %.2f"
      % (f * c["gflop_executed"] / c["gflop_per_frame"]))
print("  1 thread: %.2f of 1-thread sgemm; %d-thread speed-up %.2fx"
      % (c1["forward_frac_sgemm"], c["threads"], med(lambda x: x["cfps"]) / c1["forward_fps"]))
print("forward fps C / PyTorch, batch 1:                %.2f  target >= 1.5:  %s" % (fr, ok(fr, 1.5)))
print("training fps C / PyTorch:                        %.2f  target >= 1.0:  %s" % (tr, ok(tr, 1.0)))
print("memory growth over %d streamed frames:        %+d kB  target 0:  %s"
      % (c["rss_frames"], c["rss_growth_kb"], "met" if c["rss_growth_kb"] <= 0 else "NOT met"))
print("forward parity C vs PyTorch, max |diff|:         %.2g (outputs up to %.2g)"
      % (max(x["parity"] for x in rows), rows[0]["scale"]))
PY
else
  echo "== PyTorch not installed (apt-get install python3-torch): no comparison"
fi

if [ "${PIPELINE:-1}" != 0 ] && [ -f "$BUILD/plugin/libgstanomaly.so" ]; then
  echo "== plugin pipeline, 768x576, anomalydetect bin with overlay, decoding excluded"
  sh tools/bench-pipeline.sh
fi
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

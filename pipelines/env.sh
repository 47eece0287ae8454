# pipelines/env.sh - sourced by every pipeline script: use the plugin from
# the build tree unless ANOMALY_PLUGIN_DIR points elsewhere (or the plugin is
# installed with `meson install`, in which case nothing needs setting).
TOP=$(cd "$(dirname "$0")/.." && pwd)
PLUGIN_DIR=${ANOMALY_PLUGIN_DIR:-$TOP/build/plugin}
if [ -d "$PLUGIN_DIR" ]; then
  export GST_PLUGIN_PATH="$PLUGIN_DIR${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
fi
OUT=${OUT:-$TOP/out}
mkdir -p "$OUT"
# Seconds of training; the demo default keeps the whole job under 5 minutes
# on 2 cores.  Longer training detects better.
TRAIN_SECONDS=${TRAIN_SECONDS:-90}
# In CI the scripts run shortened (fewer frames, seconds of training).
if [ -n "${CI:-}" ] || [ -n "${ANOMALY_QUICK:-}" ]; then
  TRAIN_SECONDS=${QUICK_TRAIN_SECONDS:-10}
  QUICK=1
else
  QUICK=
fi

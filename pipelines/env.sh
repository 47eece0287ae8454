# pipelines/env.sh - sourced by every pipeline script.
#
# Settings (environment variables, all optional):
#   ANOMALY_BUILD_DIR   meson build directory to use (default: $TOP/build);
#                       its plugin/ goes on GST_PLUGIN_PATH and its tools/
#                       (ad-scene-tool) are run from there
#   ANOMALY_PLUGIN_DIR  plugin directory, if not $ANOMALY_BUILD_DIR/plugin
#                       (when neither exists, an installed plugin is used)
#   OUT                 output directory (default: $TOP/out)
#   TRAIN_SECONDS       training budget in seconds (default: 90)
#   ANOMALY_QUICK or CI shortened runs (fewer frames, QUICK_TRAIN_SECONDS=10)
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=${ANOMALY_BUILD_DIR:-$TOP/build}
[ -d "$BUILD_DIR" ] && BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
PLUGIN_DIR=${ANOMALY_PLUGIN_DIR:-$BUILD_DIR/plugin}
if [ -d "$PLUGIN_DIR" ]; then
  export GST_PLUGIN_PATH="$PLUGIN_DIR${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
  # GStreamer reads GST_PLUGIN_PATH_1_0 instead when that is set
  [ -z "${GST_PLUGIN_PATH_1_0:-}" ] ||
    export GST_PLUGIN_PATH_1_0="$PLUGIN_DIR:$GST_PLUGIN_PATH_1_0"
fi
TOOLS_DIR=$BUILD_DIR/tools
OUT=${OUT:-$TOP/out}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
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
# Child scripts (detect-file.sh running train-file.sh) see the same settings.
export ANOMALY_BUILD_DIR="$BUILD_DIR" OUT TRAIN_SECONDS
[ -n "$QUICK" ] && export ANOMALY_QUICK=1

# Pieces of pipelines used by several scripts (unquoted, gst-launch-1.0
# joins its arguments):
# the generated scene at 320x240, in place of a camera or a file
SCENE_CAPS="video/x-raw,width=320,height=240"
# H.264 that any player decodes: 4:2:0 (after videoconvert from RGB, x264enc
# would otherwise pick 4:4:4); append x264enc options after it
H264="videoconvert ! video/x-raw,format=I420 ! x264enc"

# need ELEMENT... - stop with a hint when a GStreamer element is missing.
need () {
  for e in "$@"; do
    gst-inspect-1.0 "$e" >/dev/null 2>&1 && continue
    echo "$(basename "$0"): GStreamer element '$e' not found" >&2
    case $e in
      anomaly*) echo "  build the plugin (meson setup build && ninja -C build)," \
                     "set ANOMALY_BUILD_DIR, or meson install" >&2 ;;
      x264enc) echo "  apt-get install gstreamer1.0-plugins-ugly" >&2 ;;
      avdec_*) echo "  apt-get install gstreamer1.0-libav" >&2 ;;
      *) echo "  apt-get install gstreamer1.0-plugins-base gstreamer1.0-plugins-good" >&2 ;;
    esac
    exit 1
  done
}

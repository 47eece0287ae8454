#!/bin/sh
# tools/run.sh - one entry point for a fresh Debian 12 machine (as root) or
# a machine that already has the packages.
#
#   sh tools/run.sh demo    install, build, run the main job on the built-in
#                           generated scene (train, detect, overlay video,
#                           event log, score plot)
#   sh tools/run.sh test    install, build, run the whole test suite (and the
#                           core tests again under ASan+UBSan)
#   sh tools/run.sh bench   install, build, run the benchmarks
#   sh tools/run.sh build   install and build only
set -eu
cd "$(dirname "$0")/.."
TOP=$(pwd)
JOB=${1:-demo}

# Debian 12 packages, one purpose each: build, GStreamer and the elements
# the pipelines use (x264enc is in -ugly), the plugin's libraries, the plot.
PKGS="meson ninja-build pkg-config gcc libc6-dev python3
libopenblas-dev
libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly
libjson-glib-dev libpango1.0-dev libcairo2-dev
libmosquitto-dev
gnuplot-nox"
# Everything but the demo also needs: the MQTT broker of the MQTT tests,
# clang for the fuzzer, H.264 decoding (avdec_h264) for the pipeline
# scripts that read H.264 and their tests, OpenCV's MOG2 baseline (ad-eval).
[ "$JOB" = demo ] || PKGS="$PKGS
mosquitto
clang libclang-rt-14-dev
gstreamer1.0-libav
gstreamer1.0-opencv"
[ "$JOB" = bench ] && PKGS="$PKGS python3-torch bc"

install_packages () {
  missing=""
  for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
      missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "run.sh: missing packages:$missing" >&2
    echo "run.sh: run as root, or: sudo apt-get install$missing" >&2
    exit 1
  fi
  echo "run.sh: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends $missing
}

build () {
  # again when configured already: tools installed since (clang) are found
  if [ -f build/build.ninja ]; then
    meson setup --reconfigure build >/dev/null
  else
    meson setup build
  fi
  meson compile -C build
}

# meson prints "Ok: N" / "Fail: N" lines; keep a running total.
PASSED=0
FAILED=0
run_meson_tests () {
  log=$(mktemp)
  set +e
  meson test "$@" --print-errorlogs 2>&1 | tee "$log"
  rc=$?
  set -e
  ok=$(awk '/^Ok:/ {print $2}' "$log" | tail -n 1)
  fail=$(awk '/^(Fail|Unexpected Pass|Timeout):/ {s += $2} END {print s+0}' "$log")
  rm -f "$log"
  PASSED=$((PASSED + ${ok:-0}))
  FAILED=$((FAILED + ${fail:-0}))
  [ "$rc" = 0 ] || [ "$fail" != 0 ] || FAILED=$((FAILED + 1))
}

install_packages
case "$JOB" in
  build)
    build
    ;;
  demo)
    build
    sh pipelines/demo.sh
    ;;
  test)
    build
    export OPENBLAS_NUM_THREADS=2
    run_meson_tests -C build
    # The core again under AddressSanitizer and UndefinedBehaviorSanitizer.
    [ -f build-asan/build.ninja ] ||
      meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
        -Dplugin=disabled -Dfuzz=disabled --buildtype=debugoptimized
    meson compile -C build-asan
    export ASAN_OPTIONS=detect_leaks=1
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    export LSAN_OPTIONS=suppressions="$TOP/tests/lsan.supp"
    run_meson_tests -C build-asan --suite core
    echo "all suites: $PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ]
    ;;
  bench)
    build
    sh tools/bench.sh
    ;;
  *)
    echo "usage: sh tools/run.sh demo|test|bench|build" >&2
    exit 2
    ;;
esac

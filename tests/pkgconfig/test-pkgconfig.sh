#!/bin/sh
# tests/pkgconfig/test-pkgconfig.sh CC SRC PCDIR LIBDIR - builds SRC with
# only `pkg-config --cflags --libs gstreamer-anomaly-1.0` (the .pc file in
# PCDIR, meson's uninstalled copy of the installed one) and runs it with the
# meta library from LIBDIR.
set -eu
CC=$1 SRC=$2 PCDIR=$3 LIBDIR=$4
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM
FLAGS=$(PKG_CONFIG_PATH="$PCDIR" pkg-config --cflags --libs gstreamer-anomaly-1.0)
echo "pkg-config: $FLAGS"
# shellcheck disable=SC2086 # the flags are words
$CC -std=c11 -o "$TMP/meta-app" "$SRC" $FLAGS
LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$TMP/meta-app"

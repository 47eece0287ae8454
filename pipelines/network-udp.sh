#!/bin/sh
# A network source: H.264 over RTP/UDP on loopback, detection on the
# receiving side.  A sender in the background stands in for a network
# camera; the receiver is the detector.  Point the receiver at a camera's
# stream instead (for RTSP: rtspsrc location=rtsp://... ! rtph264depay !
# avdec_h264 ! videoconvert ! anomalydetect ...).
#   sh pipelines/network-udp.sh [MODEL]
# Without a model, train-file.sh makes one.  PORT (default 5600) is the UDP
# port on 127.0.0.1.  Output: $OUT/udp-scores.jsonl.
set -eu
. "$(dirname "$0")/env.sh"
MODEL=${1:-$OUT/file.model}
PORT=${PORT:-5600}
need anomalydetect anomalyscenesrc x264enc avdec_h264 rtph264pay udpsrc
[ -f "$MODEL" ] || sh "$(dirname "$0")/train-file.sh" "" "$MODEL"
N=$([ -n "$QUICK" ] && echo 150 || echo 900)
rm -f "$OUT/udp-scores.jsonl"

# Receiver.  RTP has no end of stream: the receiver is stopped with SIGINT
# once the sender is done, and gst-launch-1.0 -e turns that into EOS so the
# log is complete.  timeout(1) stops it all the same if anything hangs;
# --foreground makes it pass a signal on to gst-launch-1.0 once (without
# it, timeout also signals its process group, and a second SIGINT arriving
# after the first was handled kills gst-launch-1.0 with status 130).
timeout --foreground -s INT -k 10 $((N / 25 + 60)) \
  gst-launch-1.0 -e -q udpsrc address=127.0.0.1 port="$PORT" \
    caps="application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=96" ! \
  rtpjitterbuffer ! rtph264depay ! avdec_h264 ! videoconvert ! \
  anomalydetect model="$MODEL" log="$OUT/udp-scores.jsonl" ! fakesink &
RX=$!
sleep 1
if ! kill -0 "$RX" 2>/dev/null; then
  echo "network-udp.sh: the receiver did not start (port $PORT in use? set PORT)" >&2
  exit 1
fi

# Sender: a live generated scene, H.264 with the parameter sets repeated
# every second so that a receiver may join at any time.
gst-launch-1.0 -q anomalyscenesrc is-live=true clip=test num-buffers="$N" ! \
  $SCENE_CAPS ! $H264 tune=zerolatency speed-preset=ultrafast key-int-max=25 ! \
  rtph264pay config-interval=1 pt=96 ! udpsink host=127.0.0.1 port="$PORT"
sleep 1                 # the last packets through the jitter buffer
kill -INT "$RX"
wait "$RX"
echo "log: $OUT/udp-scores.jsonl ($(wc -l < "$OUT/udp-scores.jsonl") lines)"

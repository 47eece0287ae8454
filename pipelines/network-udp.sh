#!/bin/sh
# A network source: H.264 over RTP/UDP on loopback, detection on the
# receiving side.  Point the receiver at a camera's stream instead (for
# RTSP: rtspsrc location=rtsp://... ! rtph264depay ! h264parse ! avdec_h264).
#   sh pipelines/network-udp.sh [MODEL]
set -eu
. "$(dirname "$0")/env.sh"
MODEL=${1:-$OUT/file.model}
[ -f "$MODEL" ] || sh "$(dirname "$0")/train-file.sh"
PORT=${PORT:-5600}
N=$([ -n "$QUICK" ] && echo 150 || echo 900)
gst-launch-1.0 -q udpsrc port="$PORT" timeout=5000000000 \
    caps="application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=96" ! \
  rtpjitterbuffer ! rtph264depay ! h264parse ! decodebin ! videoconvert ! \
  anomalydetect model="$MODEL" log="$OUT/udp-scores.jsonl" ! fakesink &
RX=$!
sleep 1
gst-launch-1.0 -q anomalyscenesrc is-live=true clip=test num-buffers="$N" ! \
  video/x-raw,width=320,height=240 ! videoconvert ! \
  x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! \
  rtph264pay config-interval=1 pt=96 ! udpsink host=127.0.0.1 port="$PORT"
wait $RX || true       # the receiver stops on its 5 s timeout after the stream
echo "log: $OUT/udp-scores.jsonl ($(wc -l < "$OUT/udp-scores.jsonl") lines)"

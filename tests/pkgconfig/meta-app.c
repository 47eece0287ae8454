/* GStreamer anomaly detection plugin
 * meta-app.c - an application of the installed meta API, built by
 * test-pkgconfig.sh with nothing but
 * `pkg-config --cflags --libs gstreamer-anomaly-1.0`: the header pulls in
 * GStreamer and GStreamer video, so the .pc file must require them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gstanomalymeta.h>

int
main (int argc, char **argv)
{
  GstBuffer *buf;
  GstAnomalyMeta *meta;
  GstVideoInfo info;
  int ok;

  gst_init (&argc, &argv);
  /* a symbol of gstreamer-video-1.0, as an application reading the meta's
   * regions in video pixels uses */
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, 64, 48);
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  meta = gst_buffer_add_anomaly_meta (buf, 16, 8);
  ok = meta != NULL && gst_buffer_get_anomaly_meta (buf) == meta &&
      meta->width == 16 && meta->height == 8 && !meta->scored;
  gst_buffer_unref (buf);
  g_print ("meta-app: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}

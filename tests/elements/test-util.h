/* GStreamer anomaly detection plugin
 * test-util.h - helpers shared by the element tests: temporary directories,
 * tiny model files, bus messages, pipelines run to EOS.
 *
 * Header only (static functions), included by each test that needs it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __TEST_UTIL_H__
#define __TEST_UTIL_H__

#include <string.h>

#include <gst/check/gstcheck.h>
#include <glib/gstdio.h>

#include "gstanomalymodel.h"

/* A model small enough to train in well under a second. */
#define TEST_TINY_CONFIG "widths=4,8,8,8,mem_items=8,clip_len=2,batch_clips=2"

/* A new empty temporary directory; tmpl as for g_dir_make_tmp. */
static inline gchar *
test_tmpdir_new (const gchar * tmpl)
{
  gchar *dir = g_dir_make_tmp (tmpl, NULL);

  fail_unless (dir != NULL);
  return dir;
}

/* Removes the files in dir, dir itself, and frees *dir. */
static inline void
test_tmpdir_remove (gchar ** dir)
{
  GDir *d = g_dir_open (*dir, 0, NULL);
  const gchar *name;

  while (d && (name = g_dir_read_name (d))) {
    gchar *p = g_build_filename (*dir, name, NULL);

    g_unlink (p);
    g_free (p);
  }
  if (d)
    g_dir_close (d);
  g_rmdir (*dir);
  g_clear_pointer (dir, g_free);
}

/* Saves an untrained tiny w x h gray model (the core's defaults otherwise:
 * predict task) that learned at train_fps frames a second (0: unknown) as
 * dir/name; returns the path. */
static inline gchar *
test_make_model_file_fps (const gchar * dir, const gchar * name, gint w,
    gint h, gfloat train_fps)
{
  gchar *path = g_build_filename (dir, name, NULL);
  ad_config cfg;
  ad_model *m = NULL;
  ad_error err = { {0} };

  ad_config_default (&cfg);
  cfg.width = w;
  cfg.height = h;
  cfg.widths[0] = 4;
  cfg.widths[1] = 8;
  cfg.widths[2] = 8;
  cfg.widths[3] = 8;
  cfg.train_fps = train_fps;
  fail_unless_equals_int (ad_model_new (&cfg, &m, &err), AD_OK);
  fail_unless (ad_model_save (m, path, &err) == AD_OK, "%s", err.msg);
  ad_model_free (m);
  return path;
}

static inline gchar *
test_make_model_file (const gchar * dir, const gchar * name, gint w, gint h)
{
  return test_make_model_file_fps (dir, name, w, h, 0.0f);
}

/* Queued messages hold references to the elements: drop them too. */
static inline void
test_drop_bus (GstBus * bus)
{
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

/* Pops the first message of `type` (GST_MESSAGE_ERROR or
 * GST_MESSAGE_WARNING) on the bus and returns its user message. */
static inline gchar *
test_pop_report (GstBus * bus, GstMessageType type)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, type);
  GError *error = NULL;
  gchar *text;

  fail_unless (msg != NULL, "no %s message posted",
      gst_message_type_get_name (type));
  if (type == GST_MESSAGE_WARNING)
    gst_message_parse_warning (msg, &error, NULL);
  else
    gst_message_parse_error (msg, &error, NULL);
  text = g_strdup (error->message);
  g_error_free (error);
  gst_message_unref (msg);
  return text;
}

/* Pops the first error on the bus and returns its user message. */
static inline gchar *
test_pop_error (GstBus * bus)
{
  return test_pop_report (bus, GST_MESSAGE_ERROR);
}

/* Counts element messages named `name` on the bus (popping them all); with
 * `last`, keeps a copy of the last one there (freeing any previous one). */
static inline guint
test_count_messages (GstBus * bus, const gchar * name, GstStructure ** last)
{
  GstMessage *msg;
  guint n = 0;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *s = gst_message_get_structure (msg);

    if (gst_structure_has_name (s, name)) {
      n++;
      if (last) {
        if (*last)
          gst_structure_free (*last);
        *last = gst_structure_copy (s);
      }
    }
    gst_message_unref (msg);
  }
  return n;
}

/* Pops the next element message with the given name, or NULL. */
static inline GstMessage *
test_pop_named (GstBus * bus, const gchar * name)
{
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    if (gst_message_has_name (msg, name))
      return msg;
    gst_message_unref (msg);
  }
  return NULL;
}

/* GstStructure has no float getter. */
static inline gboolean
test_get_float (const GstStructure * s, const gchar * name, gfloat * v)
{
  const GValue *val = gst_structure_get_value (s, name);

  if (!val || !G_VALUE_HOLDS_FLOAT (val))
    return FALSE;
  *v = g_value_get_float (val);
  return TRUE;
}

/* Plays `pipeline` until EOS (failing on an error or after timeout_s) and
 * sets it back to NULL.  Returns copies of the structures of the element
 * messages posted meanwhile, in order (free with g_ptr_array_unref). */
static inline GPtrArray *
test_run_to_eos (GstElement * pipeline, gdouble timeout_s)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GPtrArray *msgs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  gint64 end = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  gboolean eos = FALSE;

  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE, "pipeline does not start");
  while (!eos) {
    gint64 left = end - g_get_monotonic_time ();
    GstMessage *msg;

    fail_unless (left > 0, "no EOS within %.0f s", timeout_s);
    msg = gst_bus_timed_pop_filtered (bus, left * GST_USECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);
    if (!msg)
      continue;
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *error = NULL;
      gchar *dbg = NULL;

      gst_message_parse_error (msg, &error, &dbg);
      fail ("error from %s: %s (%s)", GST_OBJECT_NAME (msg->src),
          error->message, dbg ? dbg : "");
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      eos = TRUE;
    } else {
      g_ptr_array_add (msgs,
          gst_structure_copy (gst_message_get_structure (msg)));
    }
    gst_message_unref (msg);
  }
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_bus_set_flushing (bus, TRUE);
  gst_bus_set_flushing (bus, FALSE);
  gst_object_unref (bus);
  return msgs;
}

/* Number of structures named `name` in an array from test_run_to_eos. */
static inline guint
test_count_named (GPtrArray * msgs, const gchar * name)
{
  guint n = 0;

  for (guint i = 0; i < msgs->len; i++)
    if (gst_structure_has_name (g_ptr_array_index (msgs, i), name))
      n++;
  return n;
}

#endif /* __TEST_UTIL_H__ */

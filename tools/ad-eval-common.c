/* ad-eval-common.c - ground truth, baselines, pipeline runner and metrics
 * of the evaluation tool (see ad-eval.c and docs/evaluation.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <math.h>
#include <string.h>

#include "ad-eval.h"
#include "ad-internal.h"
#include "gstanomalymeta.h"

static const gchar *method_names[N_METHODS] = {
  "anomalydetect", "frame diff (whole)", "frame diff (cell max)", "MOG2"
};

/* ------------------------------------------------------------------------ */
/* Ground truth and per-method results over all evaluated frames.           */

void
truth_alloc (Truth * t, gint64 n, gint n_clips, gint mw, gint mh,
    gint64 pixel_frames)
{
  gint64 hw = (gint64) mw * mh;

  t->n = n;
  t->label = g_new0 (guint8, n);
  t->kind = g_new0 (gint16, n);
  t->n_clips = n_clips;
  t->clip_start = g_new0 (gint64, n_clips + 1);
  t->clip_pixels = g_new0 (gboolean, n_clips);
  t->mw = mw;
  t->mh = mh;
  t->step = (gint) MAX (1, (pixel_frames * hw + MAX_PIX_SAMPLES - 1) /
      MAX_PIX_SAMPLES);
  t->ns = (gint) (hw / t->step);
  t->pix = g_new0 (guint8, n * t->ns);
  t->got = g_new0 (guint8, n);
}

void
truth_free (Truth * t)
{
  g_free (t->label);
  g_free (t->kind);
  g_free (t->clip_start);
  g_free (t->clip_pixels);
  g_free (t->pix);
  g_free (t->got);
  memset (t, 0, sizeof *t);
}

void
method_alloc (Method * m, const Truth * t)
{
  memset (m, 0, sizeof *m);
  m->available = TRUE;
  m->score = g_new (gfloat, t->n);
  for (gint64 i = 0; i < t->n; i++)
    m->score[i] = NAN;
  m->flag = g_new0 (guint8, t->n);
  m->pix = g_new0 (gfloat, t->n * t->ns);
  m->parts = g_new0 (gfloat, t->n * AD_SCORE_PARTS);
}

void
method_free (Method * m)
{
  g_free (m->score);
  g_free (m->flag);
  g_free (m->pix);
  g_free (m->parts);
  memset (m, 0, sizeof *m);
}

/* Sample position k of frame f (deterministic, shifts with the frame). */
static inline gint
sample_pos (const Truth * t, gint64 f, gint k)
{
  return k * t->step + (gint) (f % t->step);
}

static void
take_samples (const Truth * t, gint64 f, const gfloat * map, gfloat * dst)
{
  for (gint k = 0; k < t->ns; k++)
    dst[f * t->ns + k] = map ? map[sample_pos (t, f, k)] : 0.0f;
}

/* Fraction of src pixels with value > thr in each dst cell (area mapping).
 * src: 8-bit, pixel_stride bytes apart, rows row_stride apart. */
void
area_fraction (const guint8 * src, gint sw, gint sh, gint row_stride,
    gint pixel_stride, guint8 thr, gint dw, gint dh, gfloat * dst)
{
  for (gint y = 0; y < dh; y++) {
    gint y0 = (gint) ((gint64) y * sh / dh);
    gint y1 = MAX (y0 + 1, (gint) ((gint64) (y + 1) * sh / dh));
    for (gint x = 0; x < dw; x++) {
      gint x0 = (gint) ((gint64) x * sw / dw);
      gint x1 = MAX (x0 + 1, (gint) ((gint64) (x + 1) * sw / dw));
      gint on = 0;
      for (gint yy = y0; yy < y1; yy++)
        for (gint xx = x0; xx < x1; xx++)
          on += src[(gsize) yy * row_stride + (gsize) xx * pixel_stride] > thr;
      dst[y * dw + x] = (gfloat) on / (gfloat) ((y1 - y0) * (x1 - x0));
    }
  }
}

/* Sets label, kind and pixel labels of frame f from a mask at any size. */
void
truth_set_mask (Truth * t, gint64 f, const guint8 * mask, gint w, gint h,
    gint stride, gint kind, gfloat * tmp)
{
  gboolean any = FALSE;

  area_fraction (mask, w, h, stride, 1, 0, t->mw, t->mh, tmp);
  for (gint k = 0; k < t->ns; k++)
    t->pix[f * t->ns + k] = tmp[sample_pos (t, f, k)] > 0.5f;
  for (gint y = 0; y < h && !any; y++)
    for (gint x = 0; x < w && !any; x++)
      any = mask[(gsize) y * stride + x] != 0;
  t->label[f] = kind > 0 || any;
  t->kind[f] = (gint16) (kind > 0 ? kind : t->label[f]);
}

/* ------------------------------------------------------------------------ */
/* Frame-differencing baselines on model-resolution feature frames.         */

static void
diff_init (Diff * d, gint c, gint h, gint w, gint cell)
{
  memset (d, 0, sizeof *d);
  d->c = c;
  d->h = h;
  d->w = w;
  d->cell = cell;
  d->gh = (h + cell - 1) / cell;
  d->gw = (w + cell - 1) / cell;
  d->prev = g_new0 (gfloat, (gsize) c * h * w);
  d->cells = g_new0 (gfloat, (gsize) d->gh * d->gw);
  d->map_d = g_new0 (gfloat, (gsize) h * w);
  d->map_c = g_new0 (gfloat, (gsize) h * w);
}

void
diff_clear (Diff * d)
{
  g_free (d->prev);
  g_free (d->cells);
  g_free (d->map_d);
  g_free (d->map_c);
  memset (d, 0, sizeof *d);
}

/* feat: [c,h,w] image channels.  Fills map_d (per-pixel |x_t - x_t-1|),
 * map_c (its cell value) and the two frame scores. */
static gboolean
diff_frame (Diff * d, const gfloat * feat, gfloat * whole, gfloat * cellmax,
    GError ** err)
{
  gsize hw = (gsize) d->h * d->w;
  gdouble sum = 0.0;
  gfloat mx = 0.0f;

  if (!d->have_prev) {
    memset (d->map_d, 0, hw * sizeof (gfloat));
    memset (d->map_c, 0, hw * sizeof (gfloat));
    *whole = *cellmax = 0.0f;
  } else {
    gint n = ad_motion_cells (feat, d->prev, d->c, d->h, d->w, d->cell,
        d->cells);
    if (n != d->gh * d->gw) {
      g_set_error (err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
          "ad_motion_cells returned %d cells, expected %d", n,
          d->gh * d->gw);
      return FALSE;
    }
    for (gsize p = 0; p < hw; p++) {
      gfloat v = 0.0f;
      for (gint ch = 0; ch < d->c; ch++)
        v += fabsf (feat[ch * hw + p] - d->prev[ch * hw + p]);
      d->map_d[p] = v / d->c;
      sum += d->map_d[p];
    }
    for (gint i = 0; i < d->gh * d->gw; i++)
      mx = MAX (mx, d->cells[i]);
    for (gint y = 0; y < d->h; y++)
      for (gint x = 0; x < d->w; x++)
        d->map_c[y * d->w + x] =
            d->cells[(y / d->cell) * d->gw + x / d->cell];
    *whole = (gfloat) (sum / hw);
    *cellmax = mx;
  }
  memcpy (d->prev, feat, (gsize) d->c * hw * sizeof (gfloat));
  d->have_prev = TRUE;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Running a pipeline: optional appsrc feeding files, appsink samples.      */

gdouble eval_fps = FPS;
gint feed_fps = (gint) FPS;
gboolean feed_no_rate = FALSE;
gdouble eval_drop = 0.0;
guint eval_drop_salt = 0;

/* Frame index of a buffer within its clip, from its PTS (frame i of a
 * scene clip has PTS i / eval_fps s); -1 without one. */
static gint64
pts_frame (GstBuffer * buf)
{
  if (!GST_BUFFER_PTS_IS_VALID (buf))
    return -1;
  return (gint64) llround ((gdouble) GST_BUFFER_PTS (buf) * eval_fps /
      GST_SECOND);
}

/* The frame a sample holds: the sample's index, or with --drop (frames
 * missing) the one its PTS says. */
static gint64
sample_frame (GstBuffer * buf, gint64 index)
{
  gint64 f = eval_drop > 0.0 ? pts_frame (buf) : -1;
  return f >= 0 ? f : index;
}

/* --drop: loses a frame when a hash of (salt, its index) falls below
 * eval_drop, the same frames on every run of a clip. */
static GstPadProbeReturn
drop_frames (GstPad * pad, GstPadProbeInfo * info, gpointer user)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  gint64 f = pts_frame (buf);
  (void) pad;
  (void) user;
  if (f < 0)
    return GST_PAD_PROBE_OK;
  guint32 h = (guint32) f * 2654435761u ^ (eval_drop_salt + 0x9E3779B9u);
  h ^= h >> 15;
  h *= 2246822519u;
  h ^= h >> 13;
  return (gdouble) h / 4294967296.0 < eval_drop ? GST_PAD_PROBE_DROP :
      GST_PAD_PROBE_OK;
}

/* Flags DISCONT the decoded frames where feed->discont says a clip starts
 * (image decoders do not pass the flag on from their input); frame i has
 * PTS i / feed_fps s. */
static GstPadProbeReturn
mark_clip_starts (GstPad * pad, GstPadProbeInfo * info, gpointer user)
{
  const Feed *feed = user;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  (void) pad;
  if (!GST_BUFFER_PTS_IS_VALID (buf))
    return GST_PAD_PROBE_OK;
  guint64 i = gst_util_uint64_scale_round (GST_BUFFER_PTS (buf), feed_fps,
      GST_SECOND);
  if (i < (guint64) feed->n && feed->discont[i]) {
    buf = gst_buffer_make_writable (buf);
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
    GST_PAD_PROBE_INFO_DATA (info) = buf;
  }
  return GST_PAD_PROBE_OK;
}

gboolean
run_pipeline (const gchar * desc, const Feed * feed, SampleFn fn,
    gpointer user, gdouble * wall_s, GError ** err)
{
  GstElement *pipe, *sink, *src = NULL;
  GstBus *bus;
  gint64 t0, index = 0;
  gint next = 0;
  gboolean ok = TRUE, done = FALSE;

  pipe = gst_parse_launch (desc, err);
  if (!pipe || (err && *err)) {
    g_prefix_error (err, "cannot build pipeline \"%s\": ", desc);
    if (pipe)
      gst_object_unref (pipe);
    return FALSE;
  }
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  if (sink && !GST_IS_APP_SINK (sink))
    gst_clear_object (&sink);
  if (feed) {
    src = gst_bin_get_by_name (GST_BIN (pipe), "src");
    if (src) {
      GstCaps *caps = gst_caps_from_string (feed->caps);
      gst_caps_set_simple (caps, "framerate", GST_TYPE_FRACTION,
          feed_no_rate ? 0 : feed_fps, 1, NULL);
      g_object_set (src, "caps", caps, "format", GST_FORMAT_TIME,
          "max-bytes", (guint64) 0, NULL);
      gst_caps_unref (caps);
    }
    GstElement *conv = gst_bin_get_by_name (GST_BIN (pipe), "conv");
    if (conv && feed->discont) {
      GstPad *pad = gst_element_get_static_pad (conv, "sink");
      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, mark_clip_starts,
          (gpointer) feed, NULL);
      gst_object_unref (pad);
    }
    if (conv)
      gst_object_unref (conv);
  }
  GstElement *drop = gst_bin_get_by_name (GST_BIN (pipe), "drop");
  if (drop) {
    GstPad *pad = gst_element_get_static_pad (drop, "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, drop_frames, NULL,
        NULL);
    gst_object_unref (pad);
    gst_object_unref (drop);
  }
  bus = gst_element_get_bus (pipe);
  t0 = g_get_monotonic_time ();
  if (gst_element_set_state (pipe, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    g_debug ("state change failed; the bus says why");

  while (ok && !done) {
    GstMessage *msg;

    while (src && next < feed->n &&
        gst_app_src_get_current_level_bytes (GST_APP_SRC (src)) < (8 << 20)) {
      gchar *data;
      gsize len;
      GstBuffer *buf;
      GError *e = NULL;

      if (!g_file_get_contents (feed->files[next], &data, &len, &e)) {
        g_propagate_error (err, e);
        ok = FALSE;
        break;
      }
      buf = gst_buffer_new_wrapped (data, len);
      GST_BUFFER_PTS (buf) = gst_util_uint64_scale (next, GST_SECOND,
          feed_fps);
      GST_BUFFER_DURATION (buf) = feed_no_rate ? GST_CLOCK_TIME_NONE :
          (GstClockTime) (GST_SECOND / feed_fps);
      GST_BUFFER_OFFSET (buf) = next;
      gst_app_src_push_buffer (GST_APP_SRC (src), buf);
      if (++next == feed->n)
        gst_app_src_end_of_stream (GST_APP_SRC (src));
    }
    if (ok && sink) {
      GstSample *s = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
          20 * GST_MSECOND);
      if (s) {
        ok = fn (user, s, index++, err);
        gst_sample_unref (s);
      } else if (gst_app_sink_is_eos (GST_APP_SINK (sink))) {
        done = TRUE;
      }
    }
    msg = gst_bus_timed_pop_filtered (bus, sink ? 0 : 20 * GST_MSECOND,
        GST_MESSAGE_ERROR | GST_MESSAGE_EOS | GST_MESSAGE_WARNING);
    if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      /* what the elements warn of (footage too quiet at its end, people
       * too small for the model) goes to the log */
      GError *e = NULL;
      gst_message_parse_warning (msg, &e, NULL);
      g_printerr ("\nad-eval: warning from %s: %s\n",
          GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), e->message);
      g_error_free (e);
    } else if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR && ok) {
      GError *e = NULL;
      gchar *dbg = NULL;
      gst_message_parse_error (msg, &e, &dbg);
      g_set_error (err, e->domain, e->code, "%s: %s (%s)",
          GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), e->message,
          dbg ? dbg : "no details");
      g_error_free (e);
      g_free (dbg);
      ok = FALSE;
    } else if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS && !sink) {
      done = TRUE;
    }
    if (msg)
      gst_message_unref (msg);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  if (wall_s)
    *wall_s = (g_get_monotonic_time () - t0) / 1e6;
  gst_object_unref (bus);
  if (sink)
    gst_object_unref (sink);
  if (src)
    gst_object_unref (src);
  gst_object_unref (pipe);
  return ok;
}

/* ------------------------------------------------------------------------ */
/* Per-buffer handlers.                                                     */

/* Image channels of a feature frame: the motion channel, when present, is
 * the last of 2 (gray) or 4 (RGB). */
static gint
image_channels (gint n_features)
{
  return n_features == 2 ? 1 : n_features == 4 ? 3 : n_features;
}

static gboolean
baseline_from_meta (Ctx * c, GstAnomalyMeta * meta, gint64 f, GError ** err)
{
  gfloat whole, cellmax;

  if (!meta || !meta->features) {
    g_set_error (err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "frame %" G_GINT64_FORMAT " has no features on its GstAnomalyMeta",
        f);
    return FALSE;
  }
  if (!c->diff.prev)
    diff_init (&c->diff, image_channels (meta->n_features), meta->height,
        meta->width, opt_cell);
  if (!diff_frame (&c->diff, meta->features, &whole, &cellmax, err))
    return FALSE;
  if (c->calib_diff) {
    g_array_append_val (c->calib_diff, whole);
    g_array_append_val (c->calib_cell, cellmax);
  }
  if (f >= 0) {
    c->m[M_DIFF].score[f] = whole;
    c->m[M_CELL].score[f] = cellmax;
    take_samples (c->t, f, c->diff.map_d, c->m[M_DIFF].pix);
    take_samples (c->t, f, c->diff.map_c, c->m[M_CELL].pix);
  }
  return TRUE;
}

/* Training stream: only the baselines' calibration scores. */
gboolean
on_train_sample (gpointer user, GstSample * s, gint64 index, GError ** err)
{
  Ctx *c = user;
  GstBuffer *buf = gst_sample_get_buffer (s);
  GstAnomalyMeta *meta = gst_buffer_get_anomaly_meta (buf);
  if (GST_BUFFER_IS_DISCONT (buf) && index > 0) {
    diff_clear (&c->diff);      /* a new clip: no difference across it */
  }
  return baseline_from_meta (c, meta, -1, err);
}

/* Scoring stream: detector meta, and the frame-difference baselines. */
gboolean
on_score_sample (gpointer user, GstSample * s, gint64 index, GError ** err)
{
  Ctx *c = user;
  GstBuffer *buf = gst_sample_get_buffer (s);
  GstAnomalyMeta *meta = gst_buffer_get_anomaly_meta (buf);

  index = sample_frame (buf, index);
  if (index >= c->limit)
    return TRUE;
  gint64 f = c->base + index;
  if (!meta) {
    g_set_error (err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "buffer %" G_GINT64_FORMAT " reached the appsink without a "
        "GstAnomalyMeta", index);
    return FALSE;
  }
  if (meta->width != c->t->mw || meta->height != c->t->mh) {
    g_set_error (err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "meta resolution %dx%d differs from the expected model resolution "
        "%dx%d (set width=/height= in --config)", meta->width, meta->height,
        c->t->mw, c->t->mh);
    return FALSE;
  }
  c->t->got[f] = meta->scored;
  c->unscored += !meta->scored;
  c->m[M_DET].score[f] = meta->scored ? meta->score : 0.0f;
  c->m[M_DET].flag[f] = meta->scored && meta->anomalous;
  G_STATIC_ASSERT (AD_SCORE_PARTS == GST_ANOMALY_META_N_PARTS);
  for (gint k = 0; k < AD_SCORE_PARTS; k++)
    c->m[M_DET].parts[f * AD_SCORE_PARTS + k] = meta->scored ?
        meta->parts[k] : 0.0f;
  take_samples (c->t, f, meta->scored ? meta->map : NULL, c->m[M_DET].pix);
  c->frames++;
  if (c->baselines)
    return baseline_from_meta (c, meta, f, err);
  return TRUE;
}

/* MOG2 output (test-mode=true, RGBA): 255 = foreground, 127 = shadow. */
gboolean
on_mog2_sample (gpointer user, GstSample * s, gint64 index, GError ** err)
{
  Ctx *c = user;
  GstVideoInfo vi;
  GstVideoFrame vf;
  Truth *t = c->t;
  gfloat *map = g_new (gfloat, (gsize) t->mw * t->mh);
  gdouble sum = 0.0;
  gint64 f;

  index = sample_frame (gst_sample_get_buffer (s), index);
  f = c->base + index;
  if (!gst_video_info_from_caps (&vi, gst_sample_get_caps (s)) ||
      !gst_video_frame_map (&vf, &vi, gst_sample_get_buffer (s),
          GST_MAP_READ)) {
    g_free (map);
    g_set_error (err, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "cannot map the MOG2 output frame");
    return FALSE;
  }
  area_fraction (GST_VIDEO_FRAME_PLANE_DATA (&vf, 0), vi.width, vi.height,
      GST_VIDEO_FRAME_PLANE_STRIDE (&vf, 0), 4, 200, t->mw, t->mh, map);
  gst_video_frame_unmap (&vf);
  for (gint i = 0; i < t->mw * t->mh; i++)
    sum += map[i];
  sum /= (gdouble) t->mw * t->mh;
  if (c->calib_diff) {
    gfloat v = (gfloat) sum;
    if (index >= MOG2_WARMUP)
      g_array_append_val (c->calib_diff, v);
  } else if (index < c->limit) {
    c->m[M_MOG2].score[f] = (gfloat) sum;
    take_samples (t, f, map, c->m[M_MOG2].pix);
  }
  g_free (map);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Decisions for the baselines and the metrics.                             */

gfloat
calib_threshold (GArray * a)
{
  gfloat q, *tmp;

  if (!a || a->len == 0)
    return INFINITY;
  tmp = g_new (gfloat, a->len);
  q = ad_quantile ((const float *) a->data, a->len, CALIB_QUANTILE, tmp);
  g_free (tmp);
  return MAX (q * CALIB_MARGIN, 1e-6f);
}

/* anomalyscore's rule: EMA smoothing, min-frames, hysteresis; per clip. */
void
decide (const Truth * t, Method * m)
{
  for (gint c = 0; c < t->n_clips; c++) {
    gfloat sm = 0.0f;
    gint above = 0;
    gboolean on = FALSE, first = TRUE;
    for (gint64 f = t->clip_start[c]; f < t->clip_start[c + 1]; f++) {
      if (!t->got[f]) {         /* lost (--drop) or not scored */
        m->flag[f] = on;
        continue;
      }
      gfloat s = isnan (m->score[f]) ? 0.0f : m->score[f] / m->thr;
      sm = first ? s : DEC_SMOOTHING * sm + (1.0f - DEC_SMOOTHING) * s;
      first = FALSE;
      if (!on) {
        above = sm >= 1.0f ? above + 1 : 0;
        on = above >= DEC_MIN_FRAMES;
      } else if (sm < DEC_HYSTERESIS) {
        on = FALSE;
        above = 0;
      }
      m->flag[f] = on;
    }
  }
  m->have_flags = TRUE;
}

static gdouble
auroc_range (const Method * m, const Truth * t, gboolean per_clip_norm)
{
  gfloat *s = g_new (gfloat, t->n);
  guint8 *l = g_new (guint8, t->n);
  gint64 n = 0;
  gdouble r;

  for (gint c = 0; c < t->n_clips; c++) {
    gint64 a = t->clip_start[c], b = t->clip_start[c + 1];
    gfloat lo = INFINITY, hi = -INFINITY;
    gboolean pos = FALSE;
    for (gint64 f = a; f < b; f++) {
      gfloat v = isnan (m->score[f]) ? 0.0f : m->score[f];
      if (!t->got[f])
        continue;
      lo = MIN (lo, v);
      hi = MAX (hi, v);
      pos |= t->label[f];
    }
    /* Min-max normalising a clip without anomalies would blow its noise up
     * to full scale; papers normalise only clips that have anomalies. */
    if (per_clip_norm && !pos)
      continue;
    for (gint64 f = a; f < b; f++) {
      gfloat v = isnan (m->score[f]) ? 0.0f : m->score[f];
      if (!t->got[f])
        continue;
      s[n] = per_clip_norm ? (hi > lo ? (v - lo) / (hi - lo) : 0.0f) : v;
      l[n++] = t->label[f];
    }
  }
  r = ad_metric_auroc (s, l, n);
  g_free (s);
  g_free (l);
  return r;
}

static void
pixel_metrics (const Method * m, const Truth * t, gdouble * auc, gdouble * ap)
{
  gint64 n = 0;
  gfloat *s;
  guint8 *l;

  *auc = *ap = NAN;
  if (!m->have_pix)
    return;
  s = g_new (gfloat, t->n * t->ns);
  l = g_new (guint8, t->n * t->ns);
  for (gint c = 0; c < t->n_clips; c++) {
    if (!t->clip_pixels[c])
      continue;
    for (gint64 i = t->clip_start[c] * t->ns; i < t->clip_start[c + 1] *
        t->ns; i++) {
      if (!t->got[i / t->ns])
        continue;
      s[n] = m->pix[i];
      l[n++] = t->pix[i];
    }
  }
  if (n > 0) {
    *auc = ad_metric_auroc (s, l, n);
    *ap = ad_metric_ap (s, l, n);
  }
  g_free (s);
  g_free (l);
}

/* --parts: r->part_auc and r->part_without from the detector's parts
 * (m->parts) and score. */
static void
part_metrics (const Method * m, const Truth * t, Row * r)
{
  Method one = *m;
  one.score = g_new (gfloat, t->n);
  for (gint k = 0; k < AD_SCORE_PARTS; k++) {
    for (gint64 f = 0; f < t->n; f++)
      one.score[f] = m->parts[f * AD_SCORE_PARTS + k];
    r->part_auc[k] = auroc_range (&one, t, FALSE);
    for (gint64 f = 0; f < t->n; f++)
      one.score[f] = (isnan (m->score[f]) ? 0.0f : m->score[f]) -
          m->parts[f * AD_SCORE_PARTS + k];
    r->part_without[k] = auroc_range (&one, t, FALSE);
  }
  r->has_parts = TRUE;
  g_free (one.score);
}

/* A frame not scored (lost to --drop, or a clip's first) keeps the
 * decision of the frame before it: an alarm does not end and start again
 * over a frame nobody saw. */
static void
hold_flags (Method * m, const Truth * t)
{
  for (gint c = 0; c < t->n_clips; c++)
    for (gint64 f = t->clip_start[c] + 1; f < t->clip_start[c + 1]; f++)
      if (!t->got[f])
        m->flag[f] = m->flag[f - 1];
}

/* Events (maximal runs of one anomaly kind) detected, and false alarms
 * (flagged runs that overlap no anomalous frame). */
static void
event_metrics (const Method * m, const Truth * t, gint nuisance_clip, Row * r)
{
  r->ev_det = r->ev_n = 0;
  r->nuis_fa = 0;
  gint64 fa = 0;
  for (gint c = 0; c < t->n_clips; c++) {
    gint64 a = t->clip_start[c], b = t->clip_start[c + 1];
    for (gint64 f = a; f < b;) {
      gint64 e = f;
      gboolean hit = FALSE;
      if (t->kind[f] == 0) {
        f++;
        continue;
      }
      while (e < b && t->kind[e] == t->kind[f])
        hit |= m->flag[e++];
      r->ev_n++;
      r->ev_det += hit;
      f = e;
    }
    for (gint64 f = a; f < b;) {
      gint64 e = f;
      gboolean truth = FALSE;
      if (!m->flag[f]) {
        f++;
        continue;
      }
      while (e < b && m->flag[e])
        truth |= t->label[e++];
      fa += !truth;
      f = e;
    }
    if (c == nuisance_clip)
      for (gint64 f = a; f < b; f++)
        r->nuis_fa += m->flag[f];
  }
  r->fa_h = fa / (t->n / eval_fps / 3600.0);
  r->has_nuis = nuisance_clip >= 0;
}

void
add_rows (const gchar * scene, const gchar * config, const Truth * t,
    Method * m, gboolean baselines, gint nuisance_clip, gdouble train_s,
    gdouble fps)
{
  for (gint k = 0; k < N_METHODS; k++) {
    Row *r;
    if (k != M_DET && !baselines)
      continue;
    r = g_new0 (Row, 1);
    r->scene = g_strdup (scene);
    r->method = g_strdup (method_names[k]);
    r->config = g_strdup (k == M_DET && config && *config ? config : "-");
    r->note = m[k].note;
    r->auc = r->auc_norm = r->pauc = r->pap = NAN;
    r->train_s = k == M_DET ? train_s : NAN;
    r->fps = k == M_DET ? fps : NAN;
    if (m[k].available) {
      r->auc = auroc_range (&m[k], t, FALSE);
      r->auc_norm = auroc_range (&m[k], t, TRUE);
      pixel_metrics (&m[k], t, &r->pauc, &r->pap);
      if (k == M_DET && opt_parts)
        part_metrics (&m[k], t, r);
      r->has_flags = m[k].have_flags;
      if (r->has_flags) {
        hold_flags (&m[k], t);
        event_metrics (&m[k], t, nuisance_clip, r);
      }
    }
    g_ptr_array_add (rows, r);
  }
}

gboolean opt_gray = FALSE;
gboolean opt_parts = FALSE;
static guint models_seen;       /* 1: a gray model, 2: an RGB one */

void
note_model (const gchar * path)
{
  ad_config c;
  ad_error e = { {0} };

  if (ad_model_peek_config (path, &c, &e) != AD_OK)
    return;
  models_seen |= c.color ? 2u : 1u;
  /* what the frame-rate and scale rules chose */
  g_printerr ("ad-eval: the model fits motion with flow_scale=%d "
      "motion_cell=%d flow_bins=%d\n", c.flow_scale, c.motion_cell,
      c.flow_bins);
}

const gchar *
models_desc (void)
{
  switch (models_seen) {
    case 1:
      return "gray";
    case 2:
      return "RGB";
    case 3:
      return "gray and RGB";
    default:
      return opt_gray ? "gray" : "RGB";
  }
}
gchar *opt_ignore = NULL;

gchar *
train_props (const gchar * config)
{
  gchar *ign = opt_ignore ? g_strdup_printf (" ignore-regions=\"%s\"",
      opt_ignore) : g_strdup ("");
  gchar *ep = opt_epochs > 0 ? g_strdup_printf (" epochs=%d", opt_epochs) :
      g_strdup ("");
  gchar *s = g_strdup_printf ("%s%s%s%s%s%s", opt_gray ? " color=false" : "",
      ign, ep, config && *config ? " config=\"" : "", config && *config ?
      config : "", config && *config ? "\"" : "");

  g_free (ep);
  g_free (ign);
  return s;
}

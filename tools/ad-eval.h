/* ad-eval.h - shared parts of the evaluation tool (tools/ad-eval*.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef AD_EVAL_H
#define AD_EVAL_H

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include "ad.h"

#define FPS 25.0
/* Frames a second of the footage scored (scenes: FPS / --frame-step;
 * datasets: --fps), for false alarms per hour. */
extern gdouble eval_fps;
/* --drop: the share of the scored clips' frames lost before the detector
 * (0 = none), and the salt of the hash that picks them (one per clip, so
 * that the detector's and MOG2's runs of a clip lose the same frames).
 * run_pipeline drops them at the sink pad of an element named "drop". */
extern gdouble eval_drop;
extern guint eval_drop_salt;
#define MAX_PIX_SAMPLES 2000000
/* The decision rule of anomalyscore with its defaults, for the baselines. */
#define DEC_SMOOTHING 0.5f
#define DEC_HYSTERESIS 0.8f
#define DEC_MIN_FRAMES 3
/* Baseline thresholds: margin x quantile of their scores on training
 * footage, as the detector's calibration does on held-back clips. */
#define CALIB_QUANTILE 0.999f
#define CALIB_MARGIN 1.1f
#define MOG2_WARMUP 50          /* frames MOG2 needs before its mask means much */

enum
{ M_DET, M_DIFF, M_CELL, M_MOG2, N_METHODS };

/* Ground truth over all evaluated frames (all clips concatenated). */
typedef struct
{
  gint64 n;
  guint8 *label;                /* 1 = anomalous */
  gint16 *kind;                 /* anomaly kind (datasets: = label) */
  gint n_clips;
  gint64 *clip_start;           /* n_clips + 1 */
  gboolean *clip_pixels;        /* pixel truth exists for the clip */
  gint mw, mh;                  /* map (model) resolution */
  gint step, ns;                /* pixel sampling: ns samples per frame */
  guint8 *pix;                  /* n * ns pixel labels */
  guint8 *got;                  /* n: 1 where the detector scored the frame
                                 * (not lost to --drop, and not a clip's
                                 * first, which has neither a prediction
                                 * nor a previous frame); the metrics leave
                                 * the others out */
} Truth;

/* One method's results on the same frames. */
typedef struct
{
  gboolean available;
  const gchar *note;
  gfloat *score;                /* n, NaN where not produced */
  guint8 *flag;                 /* n; decisions */
  gboolean have_flags;
  gfloat *pix;                  /* n * ns */
  gboolean have_pix;
  gfloat thr;                   /* baselines: calibrated raw threshold */
  gfloat *parts;                /* n * AD_SCORE_PARTS: the detector's
                                 * GstAnomalyMeta.parts (0 where not
                                 * scored) */
} Method;

typedef struct
{
  gchar *scene, *method, *config;
  gdouble auc, auc_norm, pauc, pap;
  gint ev_det, ev_n;
  gdouble fa_h;
  gint64 nuis_fa;
  gboolean has_flags, has_nuis;
  gdouble train_s, fps;
  const gchar *note;
  gboolean has_parts;           /* the detector's row: --parts below */
  gdouble part_auc[AD_SCORE_PARTS];     /* causal frame AUROC of each part
                                         * alone */
  gdouble part_without[AD_SCORE_PARTS]; /* of the score less that part */
} Row;

/* Frame-differencing baselines on model-resolution feature frames. */
typedef struct
{
  gint c, h, w, cell, gh, gw;
  gfloat *prev, *cells, *map_d, *map_c;
  gboolean have_prev;
} Diff;

typedef gboolean (*SampleFn) (gpointer user, GstSample * sample, gint64 index,
    GError ** err);

/* Frames a second image files are fed at (--fps: their PTS and the
 * framerate of their caps, from which anomalydetect picks its settings
 * for slow cameras). */
extern gint feed_fps;
/* --no-caps-rate: the files' caps say framerate=0/1 and their buffers
 * carry no duration (timestamps at feed_fps still), as MJPEG over HTTP
 * and many RTSP cameras give. */
extern gboolean feed_no_rate;

/* Image files pushed through an appsrc named "src". */
typedef struct
{
  gchar **files;
  gint n;
  const gchar *caps;              /* without framerate: feed_fps's is added */
  const gchar *decoder;          /* element after the appsrc */
  const guint8 *discont;         /* [n] 1 where a new clip starts (its
                                  * buffer is flagged DISCONT), or NULL */
} Feed;

/* State of the per-buffer handlers. */
typedef struct
{
  Truth *t;
  Method *m;                    /* N_METHODS */
  gint64 base, limit;           /* global index of the clip's first frame */
  Diff diff;
  gboolean baselines;           /* fill M_DIFF and M_CELL */
  GArray *calib_diff, *calib_cell;      /* training-stream scores, or NULL */
  gint64 frames;                /* delivered to the appsink */
  gint64 unscored;              /* of those, without a score */
} Ctx;

/* Settings (ad-eval.c). */
extern gint opt_cell, opt_max_frames;
extern gchar *opt_workdir;
extern gdouble opt_train_s;
extern gint opt_epochs;
extern gboolean mog2_ok;
extern gint model_w, model_h;
extern GPtrArray *rows;

/* ad-eval-common.c */
void truth_alloc (Truth * t, gint64 n, gint n_clips, gint mw, gint mh,
    gint64 pixel_frames);
void truth_free (Truth * t);
void method_alloc (Method * m, const Truth * t);
void method_free (Method * m);
void area_fraction (const guint8 * src, gint sw, gint sh, gint row_stride,
    gint pixel_stride, guint8 thr, gint dw, gint dh, gfloat * dst);
void truth_set_mask (Truth * t, gint64 f, const guint8 * mask, gint w,
    gint h, gint stride, gint kind, gfloat * tmp);
void diff_clear (Diff * d);
gboolean run_pipeline (const gchar * desc, const Feed * feed, SampleFn fn,
    gpointer user, gdouble * wall_s, GError ** err);
gboolean on_train_sample (gpointer user, GstSample * s, gint64 index,
    GError ** err);
gboolean on_score_sample (gpointer user, GstSample * s, gint64 index,
    GError ** err);
gboolean on_mog2_sample (gpointer user, GstSample * s, gint64 index,
    GError ** err);
gfloat calib_threshold (GArray * a);
void decide (const Truth * t, Method * m);
void add_rows (const gchar * scene, const gchar * config, const Truth * t,
    Method * m, gboolean baselines, gint nuisance_clip, gdouble train_s,
    gdouble fps);
/* The training line's extra properties: config="...", with --gray
 * color=false, with --ignore ignore-regions="..." (g_free). */
gchar *train_props (const gchar * config);
extern gboolean opt_gray;
/* --parts: each part of the detector's score alone, and the score without
 * it, in a table of their own. */
extern gboolean opt_parts;
/* Notes the features of the model a run trained (the element picks gray
 * for gray files unless told otherwise); models_desc() says which were
 * seen: "gray", "RGB", "gray and RGB", or the option's when none.  Prints
 * the motion fit's settings the rules chose. */
void note_model (const gchar * path);
const gchar *models_desc (void);
extern gchar *opt_ignore;

/* ad-eval-dataset.c */
gboolean run_dataset (const gchar * root, const gchar * config, gint idx,
    gboolean baselines, GError ** err);

#endif /* AD_EVAL_H */

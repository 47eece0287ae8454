/* ad.h - public API of the anomaly-detection core.
 *
 * Plain C11 on cblas and libm; knows nothing of GStreamer or GLib.
 * Prefix: ad_ (types, functions), AD_ (constants).
 *
 * Data conventions
 *   - A "feature frame" is float [C, H, W] (planar, row-major), C =
 *     ad_config_in_channels(cfg): the image channels (1 gray or 3 RGB, in
 *     [0,1]) followed, when motion_inputs is set, by one channel holding
 *     |x_t - x_{t-1}| averaged over the image channels.
 *   - A "reconstruction" is float [Co, H, W], Co = ad_config_out_channels():
 *     the network's estimate of the current frame's image channels, followed,
 *     when diff_head is set, by its estimate of |x_t - x_{t-1}|.
 *   - Maps are float [H, W] at model resolution.
 *
 * Every function that can fail returns ad_status and, when err is not NULL,
 * writes a human-readable reason into err->msg.  No function exits or aborts.
 */
#ifndef AD_H
#define AD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ad_status {
  AD_OK = 0,
  AD_ERR_ARG,        /* invalid argument or configuration */
  AD_ERR_NOMEM,      /* allocation failed */
  AD_ERR_IO,         /* file could not be opened, read or written */
  AD_ERR_FORMAT,     /* file is truncated, corrupt or not a model */
  AD_ERR_VERSION,    /* file has an unsupported format version */
  AD_ERR_CHECKSUM,   /* file checksum does not match its contents */
  AD_ERR_MISMATCH,   /* data does not match the model's configuration */
  AD_ERR_STATE,      /* call not valid in the current state */
  AD_ERR_CANCELLED,  /* operation cancelled by the caller */
  AD_ERR_UNIMPLEMENTED
} ad_status;

#define AD_ERROR_MAX 256
typedef struct ad_error {
  char msg[AD_ERROR_MAX];
} ad_error;

/* Formats err->msg (if err != NULL) and returns st. */
ad_status ad_fail (ad_error *err, ad_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format (printf, 3, 4)))
#endif
    ;
const char *ad_status_name (ad_status st);

/* ------------------------------------------------------------------------ */
/* Configuration: everything that shapes features, network, training and    */
/* scoring.  All of it is stored in the model file.                         */

typedef enum ad_task {
  AD_TASK_RECON = 0,    /* reconstruct the current frame */
  AD_TASK_PREDICT = 1   /* predict the current frame from the previous ones */
} ad_task;

typedef enum ad_mem_place {
  AD_MEM_NONE = 0,       /* no memory module */
  AD_MEM_BOTTLENECK = 1, /* memory at the bottleneck only */
  AD_MEM_LOW_SKIPS = 2,  /* bottleneck + the 1/4-resolution skip */
  AD_MEM_ALL_SKIPS = 3   /* bottleneck + every skip */
} ad_mem_place;

typedef enum ad_score_source {
  AD_SCORE_FRAME = 0,    /* error of the image channels */
  AD_SCORE_DIFF = 1,     /* error of the difference head */
  AD_SCORE_BOTH = 2      /* mean of both maps */
} ad_score_source;

typedef enum ad_fuse {
  AD_FUSE_LEARNED = 0,   /* learned score only */
  AD_FUSE_MOTION = 1,    /* cell motion score only */
  AD_FUSE_SUM = 2,       /* w*learned/s_l + (1-w)*motion/s_m + wf*flow/s_f */
  AD_FUSE_MAX = 3        /* max of the same parts (flow only when wf > 0) */
} ad_fuse;

#define AD_MAX_SCALES 4
#define AD_SCORE_WINDOW_MAX 15   /* longest temporal window of the frame score */

typedef struct ad_config {
  /* features (what anomalyextract produces) */
  int32_t width, height;      /* model resolution, multiple of 8 */
  int32_t color;              /* 0: gray (1 channel), 1: RGB (3 channels) */
  int32_t motion_inputs;      /* 1: append |x_t - x_{t-1}| as input channel */
  /* network */
  int32_t task;               /* ad_task */
  int32_t diff_head;          /* 1: extra output predicting |x_t - x_{t-1}| */
  int32_t widths[AD_MAX_SCALES]; /* channels at 1, 1/2, 1/4, 1/8 resolution */
  int32_t skips;              /* number of U-Net skips used: 0..3 (1/4,1/2,1) */
  float shift_frac;           /* fraction of channels shifted in time */
  int32_t se_reduction;       /* channel attention squeeze ratio */
  int32_t mem_place;          /* ad_mem_place */
  int32_t mem_items;          /* items per bank at the bottleneck */
  int32_t mem_skip_items;     /* items per bank on skips */
  int32_t mem_grid;           /* partitioned bank: grid x grid cells; 1 = one bank */
  float mem_shrink;           /* hard-shrinkage threshold, in units of 1/M */
  float mem_temp;             /* softmax temperature on cosine similarity */
  /* loss weights */
  float w_entropy, w_compact, w_separate, sep_margin;
  /* training */
  int32_t clip_len;           /* frames per training clip (T) */
  int32_t batch_clips;        /* clips per step */
  float lr;                   /* Adam learning rate (decays to lr/10) */
  uint32_t seed;
  float holdout_frac;         /* share of clips held back for calibration */
  int32_t holdout_blocks;     /* stretches of footage they come from */
  float train_fps;            /* frame rate of the training footage (0:
                               * unknown, stills) */
  float train_height;         /* height of the things that move in the
                               * training footage, model px (0: not
                               * measured) */
  /* scoring */
  float blur_sigma;           /* Gaussian blur of the error map, px */
  float resid_blur;           /* Gaussian blur of the signed residual, px */
  int32_t learned_gain;       /* 1: fit gain and offset of the estimate */
  float topk_frac;            /* frame score = mean of the top fraction */
  int32_t hist_floor;         /* 1: subtract the histogram-estimated floor */
  int32_t score_source;       /* ad_score_source */
  int32_t motion_cell;        /* motion cell size in px at model resolution */
  int32_t motion_sub_mean;    /* 1: subtract each cell's normal mean */
  int32_t fuse;               /* ad_fuse */
  float fuse_weight;          /* w of AD_FUSE_SUM */
  float flow_weight;          /* weight of the motion-pattern novelty */
  int32_t flow_spread;        /* neighbour cells sharing motion patterns,
                               * at most */
  int32_t flow_bins;          /* motion-pattern bins per axis (odd) */
  float flow_range;           /* the bins cover +-flow_range px/frame */
  int32_t flow_spread_vectors;  /* share only until this many vectors */
  float flow_sway;            /* cells whose motion goes back and forth
                               * more than this share lend no patterns
                               * (0: off) */
  float flow_shade;           /* pixels whose light alone changes in more
                               * than this share of the training pairs
                               * leave such changes out of the vectors'
                               * fit (0: off) */
  int32_t flow_recur;         /* a motion pattern is normal only if seen
                               * at two moments this many frames apart
                               * (0: once is enough) */
  int32_t flow_recur_bins;    /* ... the two moments may fall in bins this
                               * many bins apart each way */
  float flow_trim;            /* the rarest bins of a neighbourhood, holding
                               * at most this share of its vectors, do not
                               * count as seen (0: every bin seen counts) */
  int32_t flow_window;        /* patterns of vectors averaged over the
                               * latest N frame pairs */
  int32_t flow_scale;         /* 1: vectors fitted at model resolution,
                               * 2: at half of it (fast motion, low fps) */
  int32_t flow_color;         /* colour models: 1 fit the vectors on the
                               * three channels (default), 0 on their mean */
  float flow_unseen;          /* novelty of motion where none was seen */
  int32_t flow_local;         /* cells near no normal motion borrow no
                               * patterns from further (0: off) */
  float flow_smooth;          /* frame's motion-pattern score: running mean
                               * over about N frames (1: this frame) */
  float flow_release;         /* frames over which those running means
                               * fall (0: flow_smooth) */
  float flow_busy;            /* busy frames: the motion-pattern part less
                               * this x its tail's scale x ln(moving cells /
                               * the calibration's median) */
  float wander_weight;        /* weight of the wandering part: per spread
                               * (wander_norm 1) or per px/frame (0) */
  int32_t wander_norm;        /* 1: wandering divided by its spread on
                               * held-back normal footage */
  int32_t wander_frames;      /* frame pairs the wandering looks back over */
  int32_t flow_track;         /* 1 (default): motion-pattern and wandering
                               * running means per cell, not of the
                               * frame's max */
  int32_t map_track;          /* 1: the map's motion pattern and wandering
                               * no higher than the cell's running mean */
  float flow_sigma;           /* motion-pattern novelty and wandering less
                               * this many standard errors of the vectors */
  int32_t flow_gain;          /* 1: the motion fit takes the picture's
                               * change of brightness as a gain */
  int32_t shake_hold;         /* frames at most that the motion parts hold
                               * their values after the camera jumped */
  int32_t flow_refine;        /* moving cells' vectors fitted again this
                               * many times on the moved pair */
  float static_weight;        /* weight of the stationary change */
  float feat_weight;          /* weight of the bottleneck's distance from
                               * its place's normal state */
  float static_rise;          /* frames over which it builds up */
  float bg_relearn;           /* colour models: seconds over which the
                               * background is learned again when the
                               * stream turns gray (0: never) */
  float static_chroma;        /* colour models: weight of a still pixel's
                               * change of colour beside its change of
                               * brightness (0: brightness only) */
  int32_t static_normal;      /* 1: subtract each cell's normal level of
                               * the stationary change */
  int32_t static_absorb;      /* frames after which a still change joins the
                               * stream's background (0: never) */
  int32_t static_clear;       /* px: a pixel this near a moving one keeps
                               * the stationary difference it had when
                               * last clear of motion (0: off) */
  int32_t static_window;      /* px: a cell's stationary change is the
                               * largest mean over windows of this size
                               * starting in it (0: the cell's mean) */
  float static_people;        /* share of the stationary change kept in a
                               * still piece as tall as the people who
                               * move (train_height; 1: all of it) */
  int32_t static_hold;        /* 1: a pixel that lay still and different
                               * for 2 x static_rise frames keeps that
                               * difference while something moving
                               * covers it */
  int32_t flow_accel;         /* 1: score abnormal changes of motion too */
  int32_t motion_comp;        /* 1: remove camera shake and brightness change */
  int32_t score_window;       /* learned and motion parts: median of the
                               * latest N frames */
  int32_t map_gate;           /* 1: heatmap motion parts on moving pixels only */
  float map_gate_floor;       /* the gate divides by at least this share of
                               * the frame's strongest pixel */
  float map_gate_power;       /* the gate's share raised to this power */
  float map_neighbour;        /* share of a cell's motion-pattern novelty
                               * painted on its moving neighbours */
  float map_shadow;           /* colour models: a shadow pixel's share of the
                               * gate's foreground (1 = no shadow test) */
  float map_dark;             /* gray models: a darker pixel's share of the
                               * gate's foreground (1 = off) */
  int32_t flow_light;         /* 1: brightness change out per cell */
  int32_t static_light;       /* cells each way the light on the
                               * background is taken over (0: one gain
                               * for the picture) */
  float light_engage;         /* the cells' light disagreement from which
                               * the light by place starts (0: always) */
  float map_outside;          /* heatmap share of a pixel away from every
                               * silhouette (1 = off) */
  float map_learned;          /* heatmap weight of the learned part, x fuse */
  float map_frame;            /* heatmap times min (1, frame score) to this
                               * power (calibrated models; 0: off) */
  float map_static;           /* heatmap weight of the stationary change,
                               * x fuse */
  float map_motion;           /* heatmap weight of the plain motion, x fuse */
  float map_wander;           /* map weight of the wandering part */
  int32_t pixel_std;          /* 1: standardise each pixel by normal spread */
  float calib_quantile;       /* normal-data quantile mapped to score 1.0 */
  float calib_margin;         /* threshold = margin * quantile */
} ad_config;

void ad_config_default (ad_config *cfg);
/* Applies "key=value,..." over cfg, in order.  Keys may use '-' for '_';
 * a bare value after an array field continues it ("widths=4,8,8,8" sets
 * widths_0..widths_3); "preset=NAME" applies a named set of settings at
 * that point (video: the defaults; stills: independent still images).
 * Values must be numbers within the field's range.  On error cfg may be
 * partly set and err names the first bad item. */
ad_status ad_config_parse (ad_config *cfg, const char *str, ad_error *err);
/* The settings string of a preset, or NULL for an unknown name. */
const char *ad_config_preset (const char *name);
/* Checks ranges and consistency; fills err with the first problem. */
ad_status ad_config_validate (const ad_config *cfg, ad_error *err);
int ad_config_in_channels (const ad_config *cfg);
int ad_config_image_channels (const ad_config *cfg);
int ad_config_out_channels (const ad_config *cfg);
/* Compares the feature settings (width, height, color, motion_inputs).
 * Returns AD_ERR_MISMATCH with a message naming the first difference. */
ad_status ad_config_features_match (const ad_config *model,
    const ad_config *features, ad_error *err);

/* The frame-rate rules: the settings a model trained on footage at fps
 * frames a second takes (docs/tuning.md, "Frame rate"):
 *   12.5 fps or less     flow_window 1, and for video flow_refine 3
 *   below 25 fps         map_neighbour 0.5 x 25 / fps (at most 1)
 * and for video (clip_len > 1):
 *   below 25 fps         calib_quantile's tail 1 - q times 25 / fps (q at
 *                        least 0.99); flow_smooth times (fps / 25)^(1/4);
 *                        wander_weight times fps / 25 (unless wander_norm)
 *   any rate             static_rise one second of frames, wander_frames
 *                        0.48 s of frame pairs, flow_recur (when above 0)
 *                        two seconds of frames; train_fps = fps
 * A field whose bit (1 << AD_RATE_*) is set in named keeps its value.
 * fps <= 0 (unknown) changes nothing.  applied (n bytes, may be NULL)
 * receives the settings changed as "key=value,...". */
enum {
  /* flow_scale and flow_bins (AD_RATE_SCALE, AD_RATE_BINS) are the scale
   * and speed rules' since no frame rate sets them */
  AD_RATE_WINDOW, AD_RATE_QUANTILE, AD_RATE_RISE, AD_RATE_SMOOTH,
  AD_RATE_SCALE, AD_RATE_BINS, AD_RATE_WANDER, AD_RATE_NEIGHBOUR,
  AD_RATE_RECUR, AD_RATE_WANDER_WEIGHT,
  /* the scale rule's alone: motion_cell, flow_busy, map_learned,
   * map_frame, map_static */
  AD_RATE_CELL, AD_RATE_BUSY, AD_RATE_MAP_LEARNED, AD_RATE_MAP_FRAME,
  AD_RATE_MAP_STATIC,
  /* the frame-rate rules' again */
  AD_RATE_REFINE,
  /* the speed rule's alone: flow_range */
  AD_RATE_RANGE,
  AD_RATE_N_FIELDS
};
extern const char *const ad_config_rate_fields[AD_RATE_N_FIELDS];
void ad_config_apply_rate (ad_config *cfg, double fps, unsigned named,
    char *applied, size_t n);
/* Which of the rules' fields the settings string str (NULL: none) names,
 * itself or through a preset, as the bits for ad_config_apply_rate.  str
 * must parse (ad_config_parse's error otherwise). */
ad_status ad_config_rate_named (const char *str, unsigned *named,
    ad_error *err);

/* ------------------------------------------------------------------------ */
/* Calibration: filled by training from held-back normal footage.            */

#define AD_CALIB_NQ 9
/* Quantile levels of the q[] arrays: 0.5 0.9 0.95 0.99 0.995 0.999 0.9995
 * 0.9999 1.0 */
extern const float ad_calib_levels[AD_CALIB_NQ];

typedef struct ad_calib {
  int32_t valid;              /* 0 until calibrated */
  int32_t n_frames;           /* frames the figures come from */
  float learned_q[AD_CALIB_NQ]; /* raw learned frame score quantiles */
  float motion_q[AD_CALIB_NQ];  /* raw motion frame score quantiles */
  float fused_q[AD_CALIB_NQ];   /* fused raw score quantiles */
  float pixel_q[AD_CALIB_NQ];   /* per-pixel map value quantiles */
  float learned_scale;        /* spread used to divide the learned score */
  float motion_scale;         /* spread used to divide the motion score */
  float threshold;            /* fused raw score that maps to 1.0 */
  float pixel_threshold;      /* map value that maps to 1.0 */
} ad_calib;

/* ------------------------------------------------------------------------ */
/* Model: configuration, weights and calibration.  Read-only while streams  */
/* use it, so one model may serve any number of streams and threads.        */

typedef struct ad_model ad_model;

ad_status ad_model_new (const ad_config *cfg, ad_model **out, ad_error *err);
void ad_model_free (ad_model *m);
const ad_config *ad_model_config (const ad_model *m);
const ad_calib *ad_model_calib (const ad_model *m);
void ad_model_set_calib (ad_model *m, const ad_calib *c);
/* Gives m the settings cfg (same network), keeping every tensor whose name
 * and size cfg leaves alone (the weights, the regions left out); those it
 * resizes (the motion patterns' buffers, by motion_cell or flow_bins)
 * start empty, so learn the motion patterns and calibrate again.  m is
 * unchanged on error. */
ad_status ad_model_relayout (ad_model *m, const ad_config *cfg,
    ad_error *err);
/* Changes scoring-only settings (blur, topk, floor, source, fusion,
 * calib_quantile...); network and feature fields must be unchanged. */
ad_status ad_model_set_scoring (ad_model *m, const ad_config *cfg,
    ad_error *err);
/* Regions of the picture left out of every score and of the heatmap (an
 * on-screen clock, a road beyond the fence): rects [n, 4], each x, y,
 * width, height as fractions of the picture (0..1); n = 0 clears them.
 * Kept in the model (tensor ignore_mask) and saved with it, so set them
 * before calibrating: scorers made afterwards leave them out. */
ad_status ad_model_set_ignore (ad_model *m, const float *rects, int n,
    ad_error *err);
/* Parses "x,y,w,h;x,y,w,h;..." (fractions of the picture, each region
 * inside it and not empty) into rects [max, 4]; *n = the regions read
 * (0 for an empty string). */
ad_status ad_regions_parse (const char *str, float *rects, int max, int *n,
    ad_error *err);
#define AD_REGIONS_MAX 16     /* regions the elements accept */
size_t ad_model_n_params (const ad_model *m);
/* Multiply-accumulates x 2 for one streamed frame. */
double ad_model_flops_per_frame (const ad_model *m);

/* Model files: versioned little-endian binary, atomic write. */
ad_status ad_model_save (const ad_model *m, const char *path, ad_error *err);
ad_status ad_model_load (const char *path, ad_model **out, ad_error *err);
ad_status ad_model_load_mem (const uint8_t *data, size_t size,
    ad_model **out, ad_error *err);
/* Reads only the configuration from a model file (cheap). */
ad_status ad_model_peek_config (const char *path, ad_config *cfg,
    ad_error *err);

/* ------------------------------------------------------------------------ */
/* Features: from 8-bit video planes to feature frames.                     */

typedef struct ad_extractor ad_extractor;

/* Pixel layout of one 8-bit image: ch_offset[i] is the byte offset of
 * channel i (R,G,B or Y) inside a pixel of pixel_stride bytes. */
typedef struct ad_image {
  const uint8_t *data;
  int32_t width, height;
  int32_t row_stride;   /* bytes per row */
  int32_t pixel_stride; /* bytes per pixel */
  int32_t n_channels;   /* 1 (luma) or 3 (RGB) */
  int32_t ch_offset[3];
  /* Planar YUV (I420, NV12; n_channels 1, data the Y plane): with u and v
   * set, an RGB model gets RGB from Y, U and V (BT.601, limited range);
   * a gray model reads Y alone.  The chroma planes are chroma_width x
   * chroma_height, rows chroma_row_stride and pixels chroma_pixel_stride
   * bytes apart (NV12: u and v one byte apart in one plane, stride 2). */
  const uint8_t *u, *v;
  int32_t chroma_width, chroma_height;
  int32_t chroma_row_stride, chroma_pixel_stride;
} ad_image;

ad_status ad_extractor_new (const ad_config *cfg, ad_extractor **out,
    ad_error *err);
void ad_extractor_free (ad_extractor *x);
void ad_extractor_reset (ad_extractor *x);   /* forget the previous frame */
/* feat: float [in_channels, height, width]. Area-average resize; a gray
 * model fed RGB uses luma; an RGB model fed luma replicates it. */
ad_status ad_extractor_process (ad_extractor *x, const ad_image *img,
    float *feat, ad_error *err);

/* ------------------------------------------------------------------------ */
/* Streaming inference: per-stream temporal state, constant memory.         */

typedef struct ad_stream ad_stream;

ad_status ad_stream_new (const ad_model *m, ad_stream **out, ad_error *err);
/* Planes of the estimate ad_stream_process writes: out_channels, plus one
 * when the model has learned the bottleneck's normal state per place
 * (feat_weight, docs/scoring.md "Feature novelty"): per pixel, the
 * distance of the bottleneck features of its place from their normal
 * state, less how far normal footage takes them there. */
int ad_model_recon_channels (const ad_model *m);
void ad_stream_free (ad_stream *s);
void ad_stream_reset (ad_stream *s);   /* discontinuity: drop temporal state */
/* feat: [in_channels,H,W] of frame t.  recon: [ad_model_recon_channels,
 * H,W] receives the network's estimate of frame t (RECON: from frame t;
 * PREDICT: the prediction made at frame t-1) in its first out_channels
 * planes and, when the model has learned its places' normal state (see
 * ad_model_recon_channels), frame t's feature novelty in a last plane.
 * *valid = 0 when no estimate exists yet (first frame after a reset in
 * PREDICT mode). */
ad_status ad_stream_process (ad_stream *s, const float *feat, float *recon,
    int *valid, ad_error *err);

/* ------------------------------------------------------------------------ */
/* Scoring: error maps, frame scores, calibration, fusion.                  */

typedef struct ad_scorer ad_scorer;

/* The parts of a frame score, in the order of ad_score.part. */
#define AD_SCORE_PARTS 6
extern const char *const ad_score_part_names[AD_SCORE_PARTS];

typedef struct ad_score {
  float learned_raw;    /* learned frame score before calibration */
  float motion_raw;     /* cell-max motion score */
  float flow_raw;       /* most novel cell's motion-pattern novelty, as a
                         * running mean over flow_smooth frames */
  float static_raw;     /* largest stationary change against the background */
  float wander_raw;     /* most wandering cell, px/frame, as a running mean
                         * over flow_smooth frames */
  float feat_raw;       /* the bottleneck's largest distance from its
                         * place's normal state, over the held-back
                         * footage's median (0 without a learned normal) */
  float fused_raw;      /* fused raw score */
  float score;          /* normalised: 1.0 = threshold */
  float part[AD_SCORE_PARTS]; /* each part's term in score (1.0 = threshold):
                         * learned, motion, pattern, still, wander, feature, with
                         * this frame's learned and motion values (score
                         * takes their median over score_window frames);
                         * with fuse SUM they add up to score but for that
                         * median, with MAX score is about the largest */
  float floor;          /* histogram-estimated error floor removed */
  int switched;         /* colour models: 1 when the stream turned gray at
                         * this frame (night infrared; its background is
                         * learned again over bg_relearn seconds), -1 when
                         * it came back to colour (the model's background
                         * again), 0 otherwise */
} ad_score;

ad_status ad_scorer_new (const ad_model *m, ad_scorer **out, ad_error *err);
void ad_scorer_free (ad_scorer *sc);
void ad_scorer_reset (ad_scorer *sc);
/* `lost` frames were lost since the last one scored (a gap in a live
 * stream; 0 = not known).  Up to AD_GAP_BRIDGE of them, with vectors
 * fitted at model resolution (flow_scale 1), the motion goes on across
 * the gap: the next pair spans lost + 1 frames and its motion is divided
 * down to one frame's.  More, and motion restarts (it would read the jump
 * as fast motion everywhere) but the evidence built up over time stays:
 * the per-place running means (which hold until the motion patterns have
 * a full window of pairs again), the wandering's vectors, the stationary
 * change and the stream's background. */
#define AD_GAP_BRIDGE 1
void ad_scorer_gap (ad_scorer *sc, int lost);
/* This scorer's static_absorb (frames; 0 = never), overriding the model's
 * for this stream only: a still change that lasts that long joins the
 * stream's background.  Changing it restarts the per-pixel counts. */
ad_status ad_scorer_set_static_absorb (ad_scorer *sc, int frames,
    ad_error *err);
/* Regions this scorer leaves out (rects [n, 4] as ad_model_set_ignore),
 * replacing the model's for this stream only; n = 0: none.  The
 * threshold stays the model's: a region left out only now can lower the
 * scores, never raise them. */
ad_status ad_scorer_set_ignore (ad_scorer *sc, const float *rects, int n,
    ad_error *err);
/* feat [in,H,W], recon [out,H,W] (may be NULL when not valid);
 * map [H,W] receives the normalised per-pixel score (1.0 = pixel threshold,
 * may be NULL).  Uses the model's calibration when valid, raw values else. */
ad_status ad_scorer_process (ad_scorer *sc, const float *feat,
    const float *recon, float *map, ad_score *out, ad_error *err);

/* ------------------------------------------------------------------------ */
/* Training.                                                                */

typedef struct ad_trainer ad_trainer;

typedef struct ad_progress {
  int32_t epoch, epochs;      /* epochs == 0 when training to a time budget */
  int64_t step, steps;        /* steps is an estimate under a time budget */
  float loss;                 /* running mean of the total loss */
  float loss_recon, loss_entropy, loss_compact, loss_separate;
  double elapsed_s, eta_s;
  double frames_per_s;
} ad_progress;

/* Return non-zero to cancel training. */
typedef int (*ad_progress_fn) (void *user, const ad_progress *p);

typedef struct ad_train_opts {
  int32_t epochs;             /* passes over the stored clips (0: use seconds) */
  double seconds;             /* wall-clock budget (0: use epochs) */
  int32_t max_clips;          /* reservoir capacity for training clips */
  ad_progress_fn progress;    /* may be NULL */
  void *user;
  double progress_interval_s; /* minimum time between progress calls */
  uint32_t named;             /* 1 << AD_RATE_* of the settings the user
                               * named: the scale rule keeps them */
} ad_train_opts;

void ad_train_opts_default (ad_train_opts *o);

/* The trainer gathers clips from a stream of feature frames with bounded
 * memory (a reservoir of clips of clip_len+1 consecutive frames).  When it
 * runs, holdout_frac of the stored clips (at least 96 frames, at most a
 * quarter) are held back to calibrate, the rest train: holdout_blocks
 * stretches of at least 96 frames spread over the footage, the last
 * ending with the latest clip. */
ad_status ad_trainer_new (ad_model *m, const ad_train_opts *opts,
    ad_trainer **out, ad_error *err);
void ad_trainer_free (ad_trainer *t);
/* feat [in_channels,H,W]; new_segment = 1 at a discontinuity. */
ad_status ad_trainer_add_frame (ad_trainer *t, const float *feat,
    int new_segment, ad_error *err);
/* Training clips (stored clips minus those that will be held back). */
int64_t ad_trainer_n_clips (const ad_trainer *t);
/* Trains the model in place, then calibrates it on the held-back clips. */
ad_status ad_trainer_run (ad_trainer *t, ad_error *err);
/* After ad_trainer_run: how much moves in the held-back clips against the
 * training clips (ratio of their shares of pixels that change by more than
 * AD_ACTIVE_DIFF between frames), or -1 when there is nothing to compare.
 * The threshold comes from the held-back clips, the end of the footage:
 * well below 1 (an empty scene at the end) it comes out too low. */
double ad_trainer_holdout_activity (const ad_trainer *t);
/* Below this ratio the held-back footage is called quiet. */
#define AD_QUIET_HOLDOUT 0.25
/* After ad_trainer_run: the frames the motion patterns were learned from
 * (the stored clips in time order; 0 before). */
int64_t ad_trainer_motion_frames (const ad_trainer *t);
/* flow_recur wants at least this many times its length in frames of
 * footage: with less, much normal motion is seen at one moment only
 * (docs/benchmarks.md, "Footage that holds odd moments"). */
#define AD_RECUR_FOOTAGE 20
/* The footage rule: with fewer than AD_RECUR_FOOTAGE x flow_recur frames
 * for the motion patterns, cfg->flow_recur becomes 0 (seen once is
 * enough).  Returns the value it had when it changed it, else 0. */
int ad_config_fit_footage (ad_config *cfg, int64_t frames);
/* The scale rule (docs/tuning.md, "Resolution"): when the things that
 * move in the training footage stand tall in the model (height, the
 * area-weighted median of blob heights ad_footage_height measures, at
 * least 25 model pixels, from at least 20 blobs: at 160x120 a camera
 * nearly twice as close as a surveillance view or closer) and move fast
 * (speed, the median ad_footage_height measures, at least 1.2 model
 * pixels a frame: beyond the one-step fit's reach), cfg takes the
 * near preset (flow_scale 2, motion_cell 16, flow_bins 17, flow_busy 0,
 * map_learned 2.4, map_frame 0.75, map_static 2) and, unless wander_norm,
 * wander_weight times 15 / that height (K times closer, K times the
 * px/frame); from 21 px to under 25, or tall but slower, it takes the
 * preset's heatmap settings alone (map_learned, map_frame, map_static);
 * for video (clip_len above 1), unless named (1 << AD_RATE_*) holds
 * AD_RATE_SCALE, AD_RATE_BINS or AD_RATE_CELL; a named flow_busy, wander_weight,
 * map_learned, map_frame or map_static (AD_RATE_BUSY,
 * AD_RATE_WANDER_WEIGHT, AD_RATE_MAP_LEARNED, AD_RATE_MAP_FRAME,
 * AD_RATE_MAP_STATIC) keeps its value.  Returns what it took, AD_SCALE_NEAR
 * or AD_SCALE_MAP, when it changed cfg, else AD_SCALE_NONE. */
enum { AD_SCALE_NONE, AD_SCALE_MAP, AD_SCALE_NEAR };
int ad_config_fit_scale (ad_config *cfg, double height, double speed,
    int64_t blobs, unsigned named);
/* The speed rule (docs/tuning.md, "Resolution", "Speed"): when the things
 * that move in the training footage move slower than 0.6 model pixels a
 * frame (speed, the median ad_footage_height measures, from at least 20
 * blobs; real walkers at a surveillance distance and 25 fps read about
 * 0.4), with the vectors fitted at model resolution (flow_scale 1), cfg
 * takes 65 motion-pattern bins (0.13 px/frame) when it had fewer, for
 * video, unless named holds AD_RATE_SCALE or AD_RATE_BINS; when they move
 * faster than 0.85 px a frame, a flow_range of 5 times their speed (at
 * most 32) when it was narrower, unless named holds AD_RATE_RANGE, and
 * then 35 bins unless named holds AD_RATE_BINS.
 * Returns what it changed: AD_SPEED_BINS | AD_SPEED_RANGE, 0 for
 * nothing. */
enum { AD_SPEED_BINS = 1, AD_SPEED_RANGE = 2 };
int ad_config_fit_speed (ad_config *cfg, double speed, int64_t blobs,
    unsigned named);
/* cfg->train_height = height (the things that move in the training
 * footage, as ad_config_fit_scale takes them) when the footage can tell
 * it: video and at least 20 blobs; returns 1 then (static_people). */
int ad_config_note_height (ad_config *cfg, double height, int64_t blobs);
/* 1 when the things that move in the training footage (height, blobs as
 * ad_config_fit_scale takes them) stand under 10 model pixels tall, from
 * at least 20 blobs, in video: too small for the detector, which a larger
 * model helps (no setting at this size does); size (may be NULL) then
 * gets the model size [width, height] that shows them 15 px tall, at
 * most twice cfg's width and height, multiples of 8. */
int ad_config_scale_far (const ad_config *cfg, double height,
    int64_t blobs, int size[2]);
/* After ad_trainer_run: the things that move in the training footage,
 * their area-weighted median height in model pixels (0 when nothing moved;
 * -1 before), the blobs it came from, and what the scale rule took
 * (applied: AD_SCALE_NEAR, AD_SCALE_MAP or AD_SCALE_NONE; the trainer
 * applies it before training, keeping the fields ad_train_opts.named
 * holds). */
double ad_trainer_object_height (const ad_trainer *t, int64_t *blobs,
    int *applied);
/* After ad_trainer_run: how fast the things that move in the training
 * footage move, px/frame at model resolution (ad_footage_height's speed;
 * 0 when nothing moved, -1 before), and what the speed rule changed of
 * the model's settings (applied, may be NULL: AD_SPEED_BINS |
 * AD_SPEED_RANGE, or 0). */
double ad_trainer_object_speed (const ad_trainer *t, int *applied);
/* After ad_trainer_run: the settings the scale and speed rules changed,
 * as "key=value,..." in the configuration table's order (the near
 * preset's that config did not name, and the wandering's weight; the
 * speed rule's flow_bins and flow_range), or "" when they changed none. */
const char *ad_trainer_scale_settings (const ad_trainer *t);
/* After ad_trainer_run: the flow_recur the footage was too short for (the
 * model then has 0, ad_config_fit_footage), or 0. */
int ad_trainer_recur_dropped (const ad_trainer *t);
/* Change of an 8-bit gray level between frames that counts as moving. */
#define AD_ACTIVE_DIFF 13

/* Calibrates a trained model from held-back normal feature frames:
 * frames float [n, in_channels, H, W], consecutive; seg_start[i] = 1 where a
 * new segment begins (may be NULL). */
ad_status ad_model_calibrate (ad_model *m, const float *frames, int64_t n,
    const uint8_t *seg_start, ad_error *err);

/* Learns the normal motion patterns (per-cell histograms of local motion
 * vectors, see ad-flow-learn.c) from consecutive normal feature frames
 * [n, in_channels, H, W]; seg_start as above.  Training calls it on every
 * stored clip before calibrating. */
ad_status ad_model_learn_motion (ad_model *m, const float *frames, int64_t n,
    const uint8_t *seg_start, ad_error *err);

/* Learns the network's features' normal state per place (ad-feat.c) from
 * normal feature frames [n, in_channels, H, W] run through the network;
 * seg_start as above.  Training calls it on the training clips before
 * calibrating when feat_weight > 0; calibrate again after it. */
ad_status ad_model_learn_features (ad_model *m, const float *frames,
    int64_t n, const uint8_t *seg_start, ad_error *err);

/* ------------------------------------------------------------------------ */
/* Evaluation metrics (ad-metrics.c).                                       */

/* Area under the ROC curve of score against label (1 = anomalous), ties
 * counted half.  Returns NaN when one class is empty.  tmp-free: allocates
 * an index array of n entries (returns NaN if that fails). */
double ad_metric_auroc (const float *score, const uint8_t *label, int64_t n);
/* Average precision (area under the precision-recall curve, step-wise). */
double ad_metric_ap (const float *score, const uint8_t *label, int64_t n);

#ifdef __cplusplus
}
#endif
#endif /* AD_H */

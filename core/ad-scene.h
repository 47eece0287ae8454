/* ad-scene.h - deterministic generated scenes with ground truth, for tests,
 * demos, benchmarks and evaluation.  Plain C11, no GStreamer.
 *
 * Surveillance scene: textured background (ground, paths, grass) with
 * people-like figures walking along the paths at normal speeds and
 * directions.  Test clips add anomalies (running, walking off the paths,
 * wrong-way walking, a vehicle, an object left behind, erratic motion);
 * nuisance clips add only lighting drift, sensor noise and camera jitter.
 * Crowded scene: the same layout with a crowd on the paths (people pass
 * and overlap each other all the time, as on a busy walkway).
 *
 * Industrial scene: still textured surfaces from several families with
 * defects (scratch, spot, crack, missing area), one image per frame.
 */
#ifndef AD_SCENE_H
#define AD_SCENE_H

#include "ad.h"

typedef enum ad_scene_kind {
  AD_SCENE_SURVEILLANCE = 0,
  AD_SCENE_INDUSTRIAL = 1,
  AD_SCENE_SPARSE = 2,       /* surveillance layout with few normal frames */
  AD_SCENE_CROWDED = 3,      /* surveillance layout, 8-16 walkers on screen */
  AD_SCENE_WINDY = 4,        /* surveillance scene, tree canopies sway */
  AD_SCENE_CLOCK = 5         /* surveillance scene, on-screen clock */
} ad_scene_kind;

typedef enum ad_scene_clip {
  AD_CLIP_TRAIN = 0,         /* normal footage only */
  AD_CLIP_HOLDOUT = 1,       /* normal footage, other seed (calibration) */
  AD_CLIP_TEST = 2,          /* normal footage with injected anomalies */
  AD_CLIP_NUISANCE = 3       /* normal footage + lighting, noise, jitter */
} ad_scene_clip;

typedef enum ad_anomaly_kind {
  AD_ANOM_NONE = 0,
  AD_ANOM_RUNNING,
  AD_ANOM_OFF_PATH,
  AD_ANOM_WRONG_WAY,
  AD_ANOM_VEHICLE,
  AD_ANOM_LEFT_OBJECT,
  AD_ANOM_ERRATIC,
  AD_ANOM_CART,
  AD_ANOM_SCRATCH,
  AD_ANOM_SPOT,
  AD_ANOM_CRACK,
  AD_ANOM_MISSING,
  AD_ANOM_COUNT
} ad_anomaly_kind;

const char *ad_anomaly_name (ad_anomaly_kind k);
/* The scene kind named "surveillance", "industrial", "sparse",
 * "crowded", "windy" or "clock" into *kind; 0 for any other name (kind untouched). */
int ad_scene_kind_from_name (const char *name, ad_scene_kind *kind);

typedef struct ad_scene ad_scene;

/* width, height: output size (any, >= 32).  n_frames <= 0 picks the clip's
 * default length.  Same arguments, same pixels. */
ad_status ad_scene_new (ad_scene_kind kind, ad_scene_clip clip, int width,
    int height, int64_t n_frames, uint32_t seed, ad_scene **out,
    ad_error *err);
void ad_scene_free (ad_scene *s);
/* Adds n anomaly events (the test clip's kinds, in a seeded order, one in
 * the middle of each of n equal parts of the clip) to a clip of a video
 * scene: a training clip then holds what real "normal" footage often
 * does, a few odd moments.  Same arguments, same events.  n = 0 does
 * nothing on any scene; n > 0 on the industrial scene is AD_ERR_ARG. */
ad_status ad_scene_add_events (ad_scene *s, int n, ad_error *err);
/* People stop and stand a while, as they do on real footage (waiting,
 * talking, looking at a phone): a share (0..1; 0 = none, the default) of
 * the normal walkers stops midway along its path for 2-8 s of scene time,
 * shuffling a few centimetres meanwhile, then walks on.  Normal
 * behaviour: a caller gives every clip of a scene the same share.  A
 * smaller share stops a subset of the same people; the anomaly events
 * never stop.  Same arguments, same pixels.  The industrial scene has no
 * people (AD_ERR_ARG for share > 0). */
ad_status ad_scene_add_stops (ad_scene *s, float share, ad_error *err);
/* Cloud shadows drift across a video scene's frames (outdoor light that
 * changes by place, not over the whole picture): soft-edged patches where
 * the light drops by `depth` (0 = none, the default; below 1), crossing
 * the picture at 0.6-1.4% of its width a frame.  Same arguments, same
 * pixels.  The industrial scene has none (AD_ERR_ARG for depth > 0). */
ad_status ad_scene_add_clouds (ad_scene *s, float depth, ad_error *err);
/* Trees cast a dappled shade that moves in the wind (sun through leaves,
 * sharp-edged flecks that shift and change shape at 1-2 Hz): in the shade
 * the light drops by `depth` (0 = none, the default, and the trees cast
 * still, soft shadows; below 1).  Wind is normal weather, so a caller
 * gives every clip of a scene the same depth.  Same arguments, same
 * pixels.  The industrial scene has no trees (AD_ERR_ARG for depth > 0). */
ad_status ad_scene_add_leaves (ad_scene *s, float depth, ad_error *err);
/* The camera films k frames for each frame of the scene's own time, a
 * camera at k x 25 frames a second (k = 1, the default): frame i shows
 * the scene at time i / k, so everything moves 1/k as far a frame, and
 * the clip holds k times as many frames (ad_scene_n_frames).  Sensor
 * noise stays per frame.  k in 1..AD_SCENE_PACE_MAX; the industrial
 * scene's stills have no time (AD_ERR_ARG for k > 1). */
#define AD_SCENE_PACE_MAX 8
ad_status ad_scene_set_pace (ad_scene *s, int k, ad_error *err);
/* Frames of the clip: its length in scene time times the pace. */
int64_t ad_scene_n_frames (const ad_scene *s);

/* Renders frame i (0 <= i < n_frames), in any order.
 * rgb: uint8 [height, width, 3]; mask: uint8 [height, width], 255 where
 * anomalous, 0 elsewhere (may be NULL); *kind: anomaly present in the frame
 * (AD_ANOM_NONE when the frame is normal; may be NULL). */
ad_status ad_scene_render (ad_scene *s, int64_t i, uint8_t *rgb,
    uint8_t *mask, ad_anomaly_kind *kind, ad_error *err);

#endif /* AD_SCENE_H */

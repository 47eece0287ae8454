/* ad-config.c - the configuration table: defaults, ranges, validation. */
#include "ad-internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F(name, type, lo, hi, def, scoring, blurb) \
  { #name, type, offsetof (ad_config, name), lo, hi, def, scoring, blurb }
#define FA(name, idx, lo, hi, def, blurb) \
  { #name "_" #idx, AD_FIELD_INT, offsetof (ad_config, name) + \
    (idx) * sizeof (int32_t), lo, hi, def, 0, blurb }

const ad_field ad_config_fields[] = {
  F (width, AD_FIELD_INT, 16, 1024, 160, 0, "Model input width in pixels (multiple of 8)"),
  F (height, AD_FIELD_INT, 16, 1024, 120, 0, "Model input height in pixels (multiple of 8)"),
  F (color, AD_FIELD_INT, 0, 1, 0, 0, "0: gray features, 1: RGB features"),
  F (motion_inputs, AD_FIELD_INT, 0, 1, 0, 0, "Append |x_t - x_t-1| as an input channel"),
  F (task, AD_FIELD_INT, 0, 1, AD_TASK_PREDICT, 0, "0: reconstruct the frame, 1: predict it from the previous frames"),
  F (diff_head, AD_FIELD_INT, 0, 1, 1, 0, "Extra output predicting the frame difference"),
  FA (widths, 0, 4, 256, 16, "Channels at full resolution"),
  FA (widths, 1, 4, 256, 32, "Channels at 1/2 resolution"),
  FA (widths, 2, 4, 256, 64, "Channels at 1/4 resolution"),
  FA (widths, 3, 4, 256, 64, "Channels at 1/8 resolution (bottleneck)"),
  F (skips, AD_FIELD_INT, 0, 3, 3, 0, "Number of U-Net skip connections (from the coarsest)"),
  F (shift_frac, AD_FIELD_FLOAT, 0.0, 0.5, 0.125, 0, "Fraction of channels shifted from the previous frame"),
  F (se_reduction, AD_FIELD_INT, 1, 64, 4, 0, "Channel-attention squeeze ratio"),
  F (mem_place, AD_FIELD_INT, 0, 3, AD_MEM_BOTTLENECK, 0, "Memory: 0 none, 1 bottleneck, 2 + 1/4 skip, 3 + all skips"),
  F (mem_items, AD_FIELD_INT, 2, 512, 32, 0, "Memory items per bank at the bottleneck"),
  F (mem_skip_items, AD_FIELD_INT, 2, 512, 16, 0, "Memory items per bank on skips"),
  F (mem_grid, AD_FIELD_INT, 1, 8, 1, 0, "Partitioned memory: grid x grid banks (1 = one bank)"),
  F (mem_shrink, AD_FIELD_FLOAT, 0.0, 0.99, 0.5, 0, "Hard-shrinkage threshold in units of 1/items"),
  F (mem_temp, AD_FIELD_FLOAT, 0.001, 10.0, 0.05, 0, "Softmax temperature on cosine similarity"),
  F (w_entropy, AD_FIELD_FLOAT, 0.0, 10.0, 0.0002, 0, "Weight of the memory-attention entropy loss"),
  F (w_compact, AD_FIELD_FLOAT, 0.0, 10.0, 0.01, 0, "Weight of the compactness loss"),
  F (w_separate, AD_FIELD_FLOAT, 0.0, 10.0, 0.01, 0, "Weight of the separateness loss"),
  F (sep_margin, AD_FIELD_FLOAT, 0.0, 4.0, 0.5, 0, "Margin of the separateness triplet loss"),
  F (clip_len, AD_FIELD_INT, 1, 32, 4, 0, "Frames per training clip"),
  F (batch_clips, AD_FIELD_INT, 1, 64, 2, 0, "Clips per training step"),
  F (lr, AD_FIELD_FLOAT, 1e-6, 1.0, 1e-3, 0, "Adam learning rate"),
  F (seed, AD_FIELD_INT, 0, 2147483647.0, 1, 0, "Random seed"),
  F (holdout_frac, AD_FIELD_FLOAT, 0.0, 0.5, 0.2, 0, "Share of clips held back for calibration (at least 96 frames, at most a quarter)"),
  F (holdout_blocks, AD_FIELD_INT, 1, 16, 3, 0, "Held-back clips come from this many stretches of footage spread evenly over it, the last ending with the latest (1 = the latest footage only: a quiet or busy last stretch would set the threshold alone)"),
  F (train_fps, AD_FIELD_FLOAT, 0.0, 1000.0, 0.0, 0, "Frame rate of the training footage, frames a second (anomalyrecon sets it from the caps; 0 = unknown or stills): the motion patterns are pixels per frame, so anomalyrecon warns when a stream's rate differs by more than a fifth"),
  F (train_height, AD_FIELD_FLOAT, 0.0, 10000.0, 0.0, 0, "Height of the things that move in the training footage, model pixels (training measures it, from at least 20 of them, and sets it; 0 = not measured): what static_people takes for people standing"),
  F (blur_sigma, AD_FIELD_FLOAT, 0.0, 16.0, 2.0, 1, "Gaussian blur of the error map (px)"),
  F (resid_blur, AD_FIELD_FLOAT, 0.0, 16.0, 0.0, 1, "Gaussian blur of the signed residual before squaring (px): zero-mean texture and noise cancel, a shifted area stays (0 = off)"),
  F (learned_gain, AD_FIELD_INT, 0, 1, 1, 1, "Fit the frame's gain and offset to the estimate before the learned error (global lighting changes leave no error)"),
  F (topk_frac, AD_FIELD_FLOAT, 0.0001, 1.0, 0.01, 1, "Frame score: mean of this top fraction of the map"),
  F (hist_floor, AD_FIELD_INT, 0, 1, 1, 1, "Subtract the histogram-estimated error floor"),
  F (score_source, AD_FIELD_INT, 0, 2, AD_SCORE_BOTH, 1, "Score 0 frame error, 1 difference error, 2 both"),
  F (motion_cell, AD_FIELD_INT, 2, 64, 8, 1, "Motion cell size in pixels at model resolution (16 when the scale rule finds a camera close to the scene, unless config names flow_scale, flow_bins or motion_cell)"),
  F (motion_sub_mean, AD_FIELD_INT, 0, 1, 0, 1, "Subtract each cell's mean motion on normal footage"),
  F (fuse, AD_FIELD_INT, 0, 3, AD_FUSE_SUM, 1, "Fusion: 0 learned, 1 motion, 2 weighted sum, 3 max"),
  F (fuse_weight, AD_FIELD_FLOAT, 0.0, 1.0, 0.5, 1, "Weight of the learned score in the sum"),
  F (flow_weight, AD_FIELD_FLOAT, 0.0, 8.0, 4.0, 1, "Weight of the motion-pattern novelty in the sum, each part divided by its spread on held-back normal footage (the learned and plain-motion parts together weigh 1: their noise on normal frames covers a faint novelty)"),
  F (flow_spread, AD_FIELD_INT, 0, 3, 3, 1, "Neighbour cells (each way) whose normal motion patterns a cell shares, at most (see flow_spread_vectors)"),
  F (flow_bins, AD_FIELD_INT, 5, AD_FLOW_BINS_MAX, 35, 0, "Motion-pattern histogram bins per axis over +-flow_range px/frame (odd; 35 = 0.25 px/frame at the usual +-4.25: a slow walker going the wrong way lands in a bin of its own; the near preset has 17; anomalyrecon sets 35 when it widens flow_range for fast motion, and 65 (0.13 px/frame) when the things that move in the training footage move under 0.6 px a frame with flow_scale=1, unless config names it)"),
  F (flow_range, AD_FIELD_FLOAT, 1.0, 32.0, AD_FLOW_RANGE, 0, "Motion-pattern histogram range, +-px/frame at model resolution (faster motion is clamped to its edge, the bins are 2 x flow_range / flow_bins wide): anomalyrecon widens it to 5 times the speed of the things that move in the training footage when they move over 0.85 px a frame (a larger model or a closer camera: a runner at three times a walker's speed stays inside it), unless config names it; the motion patterns are learned with it"),
  F (flow_spread_vectors, AD_FIELD_INT, 0, 100000000, 1200, 1, "Share motion patterns only as far as needed: the smallest spread (1 up to flow_spread cells each way) whose neighbourhood saw this many vectors on average on normal footage (0 = always flow_spread); plenty of footage keeps patterns local, little borrows from further"),
  F (flow_sway, AD_FIELD_FLOAT, 0.0, 1.0, 0.5, 1, "Places where motion sways in place on normal footage (leaves, their dappled shade or a flag in the wind: more than this share of the path a cell's vectors travel over wander_frames pairs leads back, on average over the footage; people walking through lead on) keep their motion patterns to themselves: their neighbours borrow none of them (see flow_spread), so a person going a way nobody goes next to a swaying tree is still novel there (0 = off: every cell lends)"),
  F (flow_shade, AD_FIELD_FLOAT, 0.0, 1.0, 0.1, 1, "Colour models: pixels where, on the training footage, the light alone changes in more than this share of frame pairs (the flecks of sun in a swaying tree's dappled shade) leave such changes out of the motion vectors' fit, in the motion patterns learned and in the frames scored: the flecks read no motion there, and a walker going the wrong way or pacing in the shade is still novel, since a walker changes the colour (0 = off; gray models have no colour to tell light from things; below 0.1 a busy path, where people dressed like it pass, starts to count)"),
  F (flow_recur, AD_FIELD_INT, 0, 100000, 50, 1, "Motion patterns learned from footage that may hold an odd moment: a vector bin counts as normal in a neighbourhood only if it was seen there at two moments at least this many frames apart (see flow_recur_bins), so one cyclist in the training footage does not make cycling normal; anomalyrecon sets two seconds of frames for the stream's frame rate unless config names it, and training with fewer than 20 times this many frames learns without it (0 in the model); 0 = seen once is enough, docs/tuning.md"),
  F (flow_recur_bins, AD_FIELD_INT, 0, 3, 1, 1, "With flow_recur: the two moments may fall in motion-pattern bins up to this many bins apart each way (1 = 0.25 px/frame at 35 bins: normal walkers at slightly different speeds confirm each other, while a lone cyclist's bins only ever saw the cyclist; 0 = the same bin, which on clean footage of a few walkers calls some of them novel)"),
  F (flow_trim, AD_FIELD_FLOAT, 0.0, 0.5, 0.03, 1, "Motion patterns learned from footage whose vectors scatter (a fit on a real camera's pair misreads a walker by a pixel or two a frame now and then): in each cell's neighbourhood the rarest bins, together holding at most this share of its vectors, do not count as normal, so a runner does not pass for a walker's stray vector; a neighbourhood of few vectors loses none (each bin holds more than the share), docs/tuning.md (0 = every bin seen counts)"),
  F (flow_local, AD_FIELD_INT, 0, 3, 1, 1, "Cells each way within which nothing moved on normal footage makes a cell a place where nobody moves: it borrows no motion patterns from further away, and clear motion in it scores flow_unseen (0 = off)"),
  F (flow_unseen, AD_FIELD_FLOAT, 0.0, 4.25, 1.5, 1, "Motion-pattern novelty (px/frame) of clear motion (at least 1.4 bins) where nobody moves on normal footage (see flow_local), however slow: a person walking where nobody walks (0 = its own speed)"),
  F (flow_smooth, AD_FIELD_FLOAT, 1.0, 64.0, 4.0, 1, "Frame's motion-pattern score: running mean over about N frames (each frame moves it 1/N of the way; 1 = this frame alone): someone wandering shows a little novelty frame after frame and it adds up, a normal walker's odd vector fades; anomalyrecon shortens it for a camera below 25 frames a second unless config names it"),
  F (flow_busy, AD_FIELD_FLOAT, 0.0, 4.0, 2.0, 1, "Busy frames: a frame with more moving cells than the held-back normal footage had (median) has more chances of a normal walker's odd vector, so its motion-pattern part is lowered by this many times the scale of the per-cell tail on that footage, per natural log of the ratio (1 = what the largest of that many cells would gain; 0 = off)"),
  F (flow_release, AD_FIELD_FLOAT, 0.0, 64.0, 2.0, 1, "Motion-pattern and wandering running means fall faster than they rise: each frame in which a cell's value is below its mean moves it 1/N of the way down (at most flow_smooth); 0 = as flow_smooth. The score lets go of an anomaly that has left within a frame or two instead of about flow_smooth"),
  F (flow_window, AD_FIELD_INT, 1, AD_FLOW_WINDOW_MAX, 3, 1, "Motion patterns compare a cell's vector averaged over the latest N frame pairs, and only when it moved in all of them (one pair's vector is noisy; a walker's is steady); anomalyrecon sets 1 for a camera at 12.5 frames a second or less unless config names it"),
  F (flow_scale, AD_FIELD_INT, 1, 2, 1, 1, "Motion vectors fitted at model resolution (1) or at half of it (2: twice the speed within reach, for a camera close to the scene, which anomalyrecon picks by the scale rule; needs an even motion_cell); the motion patterns are learned with it"),
  F (flow_color, AD_FIELD_INT, 0, 1, 1, 1, "Colour models (color=1): fit the motion vectors on the three channels together (colour edges count: a walker whose brightness barely differs from the ground) instead of on their mean; the motion energy stays the channel mean's, where sensor noise averages down; the motion patterns are learned with it (docs/benchmarks.md, Motion in colour)"),
  F (wander_weight, AD_FIELD_FLOAT, 0.0, 8.0, 1.8, 1, "Weight in the sum of the wandering part, per px/frame (per spread with wander_norm=1): motion that goes back and forth in one place (someone pacing, dithering or moving erratically), the path a cell's motion travelled over the latest wander_frames frames less the distance it got, per frame; 0 = off (people passing each other in a cell wander too; on a very busy two-way path try 0.9 or 0, see docs/tuning.md); below 25 frames a second anomalyrecon scales it by the rate / 25 (0.86 at 12 fps), and for a camera close to the scene by 15 / the height in model pixels of what moves (the scale rule), unless config names it or wander_norm is 1"),
  F (wander_norm, AD_FIELD_INT, 0, 1, 0, 1, "1: the wandering part is divided by its spread on held-back normal footage (at least 0.5 px/frame), as the other motion parts are, so wander_weight weighs spreads (footage where people pass each other all day learns a large spread and wanders less; try wander_weight=1.2 with it, three times the 0.4 that ranked as 0.6 per px/frame did); 0: raw px/frame, wander_weight per px/frame (docs/benchmarks.md, Wandering at other frame rates)"),
  F (wander_frames, AD_FIELD_INT, 4, AD_WANDER_MAX, 12, 1, "Frame pairs the wandering part looks back over (12: 0.48 s at 25 frames a second); anomalyrecon sets 0.48 s of the input's frame rate unless config names it"),
  F (flow_track, AD_FIELD_INT, 0, 1, 1, 1, "1: the motion-pattern and wandering parts build up per place: each cell keeps its own running mean over flow_smooth frames (fed by the largest value of its 3x3 neighbourhood, so a slow mover stays in it) and the frame takes the largest; 0: the running mean of the frame's largest cell, which also adds up odd vectors of different walkers in different places (busy footage)"),
  F (flow_sigma, AD_FIELD_FLOAT, 0.0, 8.0, 2.0, 1, "Discount of the motion vectors' own uncertainty: a cell's motion-pattern novelty and wandering less this many standard errors of its vector (from the fit's residual and the cell's texture: sensor noise, two people crossing in one cell, or a displacement too large for the fit, as at a slow camera, make a vector uncertain); 0 = off (files older than 2026-12-07, 19:00)"),
  F (flow_gain, AD_FIELD_INT, 0, 1, 1, 1, "With motion_comp: the earlier frame of each pair is first scaled by the picture's change of brightness (the median ratio of the later frame to it), so a camera's exposure or the daylight drifting reads no motion; 0 = only the picture's mean change of brightness is taken out, which leaves a gain's change on every edge, and on a scene whose light drifts by a few percent a second the motion patterns count most cells as moving and discount the frame as busy (docs/benchmarks.md, Camera effects on the real footage)"),
  F (shake_hold, AD_FIELD_INT, 0, 100, 8, 1, "Frames after the camera jumped (it moved more than 0.5 model px between two frames) in which the motion parts (plain motion, motion patterns, stationary change, wandering) keep their values from the frame before, at most this many in a row: the jump's compensation leaves motion in every cell and no vector to compare, which would let their running means fall and the stationary change start again; a camera that keeps shaking is scored as it is once the frames run out (0 = off)"),
  F (flow_refine, AD_FIELD_INT, 0, 8, 0, 1, "Motion vectors of the moving cells fitted again up to this many times on the pair with the earlier frame moved on by the vector so far, keeping the one that leaves the least difference when it cuts one fit's to 0.7 or less: one fit reads a displacement of more than a pixel or two (a runner at a slow camera, or close to it) as about one, so a runner reads as a walker; the motion patterns are learned with it (0 = one fit; training at 12.5 fps or less sets 3 unless named, docs/tuning.md)"),
  F (static_weight, AD_FIELD_FLOAT, 0.0, 8.0, 2.0, 1, "Weight of the stationary change (what lies still where the learned background differs, e.g. a left object) in the sum"),
  F (feat_weight, AD_FIELD_FLOAT, 0.0, 8.0, 0.5, 1, "Weight of the feature novelty in the sum (with the learned and plain-motion parts, before their temporal median): how far the network's bottleneck features of the most unusual place lie from that place's normal state, learned on the training footage, less how far normal activity takes them there, divided by its spread on held-back normal footage: it sees what is unusual in what moves, not how it moves (a cart at a walker's speed); models made before it have no such normal state and score without it (0 = off)"),
  F (static_rise, AD_FIELD_FLOAT, 1.0, 1000.0, 25.0, 1, "Frames over which the stationary change builds up: each frame it rises 1/N of the way to what lies still now, and falls at once (a passer-by's brief mismatch hardly counts, an object left lying builds up); anomalyrecon sets it to one second of the input's frame rate unless config names it"),
  F (bg_relearn, AD_FIELD_FLOAT, 0.0, 60.0, 2.0, 1, "Colour models: when the camera turns gray (night infrared), the scene's grays are not those of the colour footage the background was learned from, and the whole picture would read as stationary change; the stream's background is then learned again from the next N seconds (the stationary change is muted meanwhile, the other parts score on), and the model's comes back with colour; 0 = keep the model's background"),
  F (static_chroma, AD_FIELD_FLOAT, 0.0, 4.0, 1.0, 1, "Colour models (color=1): weight of a still pixel's change of colour in the stationary change, beside its change of brightness: the distance of its chromaticity (R, G) / (R + G + B) from the learned background's, less the frame's median shift (white balance), times its gray level; an object left lying whose brightness matches the ground (a red bag on a gray path) shows by its colour. 0 = brightness only"),
  F (static_normal, AD_FIELD_INT, 0, 1, 1, 1, "Subtract from each cell's stationary change its level on held-back normal footage (99th percentile): places where something changes and then lies still on normal footage, such as a burned-in clock or a door, stay quiet, and the spread of the part is that of the rest of the picture"),
  F (static_clear, AD_FIELD_INT, 0, 8, 0, 1, "Stationary change: a pixel within this many pixels (at model resolution) of one that moves, or in a silhouette at the picture's edge that holds one, keeps the difference it had when last clear of motion, so the plain inside of a walker's coat, which does not change from frame to frame, is not taken for something lying still, while a bag a passer-by walks past keeps building up (0 = only the moving pixels themselves are left out; 1 helps crowded footage at a walking pace and can cost quieter footage, docs/tuning.md)"),
  F (static_window, AD_FIELD_INT, 0, 64, 4, 1, "Stationary change: each motion cell reads the largest mean difference over the square windows of this many pixels (at model resolution) whose corner lies in the cell, at steps of half a window, rather than the mean over the whole cell, so that an object smaller than a cell (a bag a few pixels across at the model's resolution) is not averaged away with the ground around it (0 = the cell's mean, as models made before it)"),
  F (static_people, AD_FIELD_FLOAT, 0.0, 1.0, 0.0, 1, "Stationary change: the share kept of a still piece (8-connected pixels that differ from the background and do not move) as tall as the people who move in the training footage (0.8 to 2 times train_height): people stop, wait and talk on real footage, and what lies still there is then a person standing, not an object left behind, which is smaller (a bag) or lower (a cart); 1 = every piece counts, as models made before it; no effect without train_height"),
  F (static_hold, AD_FIELD_INT, 0, 1, 1, 1, "Stationary change: a pixel that had lain still and different from the background for two seconds (twice static_rise frames) or more before something moving covered it (a passer-by walking over or past a bag) keeps the difference it had until it is seen again, so a bag left lying does not start building up from nothing each time someone passes; 0 = a pixel that moves reads no change, as models made before it"),
  F (static_absorb, AD_FIELD_INT, 0, 10000000, 0, 1, "Frames a pixel must stay different while still before it joins the stream's background, ending its stationary change (0 = never: a parked car stays a change until retraining)"),
  F (flow_accel, AD_FIELD_INT, 0, 1, 0, 1, "Also score sudden changes of a cell's motion beyond those of normal footage"),
  F (motion_comp, AD_FIELD_INT, 0, 1, 1, 1, "Remove camera shake and brightness change from the motion signals"),
  F (score_window, AD_FIELD_INT, 1, AD_SCORE_WINDOW_MAX, 3, 1, "Frame score: the learned and plain-motion parts as the median of their fused values over the latest N frames (causal; 1 = this frame): their one-frame spikes are noise (the motion pattern has flow_smooth, the stationary change its own rise)"),
  F (map_gate, AD_FIELD_INT, 0, 1, 1, 1, "Heatmap: spread a cell's motion parts over its moving pixels only, not the whole cell"),
  F (map_gate_floor, AD_FIELD_FLOAT, 0.0, 1.0, 0.5, 1, "Heatmap gate: a pixel's share is its foreground over the largest in its cell, but over no less than this share of the frame's largest (a cell holding only a shadow or what something left behind is not painted at full strength; 0 = the cell's own largest)"),
  F (map_shadow, AD_FIELD_FLOAT, 0.0, 1.0, 0.0, 1, "Heatmap gate, colour models (color=1): a pixel darker than the background (0.5-0.95 of it) with the background's chromaticity is a shadow and keeps this share of its foreground (0 = shadows leave the map; 1 = no shadow test)"),
  F (map_dark, AD_FIELD_FLOAT, 0.0, 1.0, 0.5, 1, "Heatmap gate, gray models (color=0): a pixel 0.5-0.95 as bright as the background keeps this share of its foreground (a shadow, or something a little darker than the ground: without colour they look alike; the map then ranks the rest of a moving object above its shadow; 1 = off)"),
  F (map_outside, AD_FIELD_FLOAT, 0.0, 1.0, 0.25, 1, "Heatmap: a pixel more than one pixel from every object's silhouette (its difference to the learned background at or under the frame's noise floor) keeps this share of its value: prediction error and motion left where an object was a frame ago, and the blur's halo, fade; the object keeps its full value (1 = off; no effect without a learned background)"),
  F (flow_light, AD_FIELD_INT, 0, 1, 1, 1, "Motion vectors and motion energy (with motion_comp): the brightness change is taken out per cell and channel, not once for the picture, so light that changes by place (a cloud's shadow drifting over the scene, a patch of sun) reads no motion (0 = one change per channel for the whole picture)"),
  F (static_light, AD_FIELD_INT, 0, 16, 1, 1, "Stationary change and heatmap silhouettes: the light on the learned background is taken by place, as the median brightness ratio of the motion cells within this many cells (each way) of each cell, so that cloud shadows and patches of sun drifting over the scene do not read as change, while an object in fewer than half of those cells is not taken for light (0 = one gain for the whole picture)"),
  F (light_engage, AD_FIELD_FLOAT, 0.0, 1.0, 0.1, 1, "Light by place (static_light, flow_light) only while the light disagrees across the picture: the largest departure of a cell's light (the median over its static_light neighbourhood, 3 x 3 cells with flow_light alone) from the whole picture's, relative to it; up to this none, from twice this all of it, so clear footage is scored with one light for the picture and a cloud's shadow by place (0 = always by place)"),
  F (map_gate_power, AD_FIELD_FLOAT, 0.1, 4.0, 0.6, 1, "Heatmap gate: the share is raised to this power (below 1 paints an object's faint parts nearer its cell's value; 1 = linear)"),
  F (map_neighbour, AD_FIELD_FLOAT, 0.0, 1.0, 0.5, 1, "Heatmap: share of a cell's motion-pattern novelty painted on the moving pixels of its neighbouring cells (an object spans cells, and between two frames it moves on from the one that saw its novel motion); anomalyrecon sets 0.5 x 25 / fps, at most 1, below 25 frames a second unless config names it"),
  F (map_track, AD_FIELD_INT, 0, 1, 1, 1, "Heatmap, with flow_track=1: a cell's motion-pattern novelty and wandering are painted no higher than the cell's running mean (the one the frame score takes), so a normal walker's one-off odd vector fades from the map as from the score; 0: each frame's own value"),
  F (map_learned, AD_FIELD_FLOAT, 0.0, 4.0, 0.3, 1, "Heatmap: weight of the learned error, times its weight in the frame score (fuse 2 and 3; normal movers leave some prediction error, the novelty parts do not; 2.4 with the near preset, which anomalyrecon takes when the things that move stand tall in the training footage (this field from 21 px, the whole preset from 25 px when they also move 1.2 px a frame or more), unless config names it: it fills a near object's large inside)"),
  F (map_frame, AD_FIELD_FLOAT, 0.0, 4.0, 0.0, 1, "Heatmap of a calibrated model times min(1, frame score) to this power: a frame under the threshold paints its heatmap dimmer, the less it scores (0 = off; 0.75 with the near preset, which anomalyrecon takes when the things that move stand tall in the training footage (this field from 21 px, the whole preset from 25 px when they also move 1.2 px a frame or more), unless config names it: a near normal walker leaves a large glow in the map, an anomaly's frame scores)"),
  F (map_static, AD_FIELD_FLOAT, 0.0, 4.0, 1.0, 1, "Heatmap: weight of the stationary change (something left lying), times its weight in the frame score (fuse 2 and 3; 2 with the near preset, which anomalyrecon takes when the things that move stand tall in the training footage (this field from 21 px, the whole preset from 25 px when they also move 1.2 px a frame or more), unless config names it: a near object's many cells are painted by the part's spread, floored for the frame score's sake, and the learned error weighs more there)"),
  F (map_motion, AD_FIELD_FLOAT, 0.0, 4.0, 0.0, 1, "Heatmap: weight of the plain cell motion, times its weight in the frame score (fuse 2 and 3; 0 = the map shows what is novel, not every moving object)"),
  F (map_wander, AD_FIELD_FLOAT, 0.0, 4.0, 0.5, 1, "Heatmap: weight of the wandering part, times its weight in the frame score (fuse 2 and 3; it scores erratic motion, but at a slow camera, whose vectors point every which way, it also paints every walker a little)"),
  F (pixel_std, AD_FIELD_INT, 0, 1, 0, 1, "Standardise each pixel by its normal spread"),
  F (calib_quantile, AD_FIELD_FLOAT, 0.5, 1.0, 0.999, 1, "Normal-data quantile that maps to score 1.0 (per frame at 25 frames a second: anomalyrecon lowers it for a slower video camera unless config names it)"),
  F (calib_margin, AD_FIELD_FLOAT, 0.5, 10.0, 1.1, 1, "Threshold = margin x calibration quantile"),
};
const int ad_config_n_fields =
    (int) (sizeof (ad_config_fields) / sizeof (ad_config_fields[0]));

const float ad_calib_levels[AD_CALIB_NQ] = {
  0.5f, 0.9f, 0.95f, 0.99f, 0.995f, 0.999f, 0.9995f, 0.9999f, 1.0f
};

const ad_field *
ad_config_field (const char *name)
{
  for (int i = 0; i < ad_config_n_fields; i++)
    if (strcmp (ad_config_fields[i].name, name) == 0)
      return &ad_config_fields[i];
  return NULL;
}

double
ad_config_get (const ad_config *cfg, const ad_field *f)
{
  const char *p = (const char *) cfg + f->offset;
  if (f->type == AD_FIELD_INT) {
    int32_t v;
    memcpy (&v, p, sizeof v);
    return f == ad_config_field ("seed") ? (double) (uint32_t) v : v;
  }
  float v;
  memcpy (&v, p, sizeof v);
  return v;
}

void
ad_config_changes (const ad_config *a, const ad_config *b, char *out,
    size_t n)
{
  size_t len = 0;
  if (n > 0)
    out[0] = 0;
  for (int i = 0; i < ad_config_n_fields && len < n; i++) {
    const ad_field *f = &ad_config_fields[i];
    double v = ad_config_get (b, f);
    if (v != ad_config_get (a, f)) {
      int k = snprintf (out + len, n - len, "%s%s=%g", len ? "," : "",
          f->name, v);
      len += k > 0 ? (size_t) k : 0;
    }
  }
}

void
ad_config_set (ad_config *cfg, const ad_field *f, double v)
{
  char *p = (char *) cfg + f->offset;
  if (f->type == AD_FIELD_INT) {
    int32_t i = (int32_t) llround (v);
    memcpy (p, &i, sizeof i);
  } else {
    float x = (float) v;
    memcpy (p, &x, sizeof x);
  }
}

void
ad_config_default (ad_config *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  for (int i = 0; i < ad_config_n_fields; i++)
    ad_config_set (cfg, &ad_config_fields[i], ad_config_fields[i].def);
}

/* Named starting points for a config string ("preset=NAME"). */
static const struct {
  const char *name, *settings;
} presets[] = {
  /* the defaults: next-frame prediction on video */
  { "video", "" },
  /* independent still images (inspection): reconstruct each frame, no
   * temporal shift, no motion signals, memory on every skip (a U-Net
   * without it copies a defect through its skips) */
  { "stills", "task=0,diff_head=0,score_source=0,shift_frac=0,clip_len=1,"
        "batch_clips=8,fuse=0,flow_weight=0,score_window=1,mem_place=3" },
  /* a camera close to the scene (people twice as tall in the picture as
   * on a surveillance view, 25 px or more at model resolution): the
   * motion fitted and its patterns learned at the objects' scale, cells
   * of 16 px at half resolution, half-pixel bins; no busy-frame discount
   * (one near walker or car moves many cells by itself, so the count of
   * moving cells measures the objects' size more than the crowd's); the
   * learned error weighing 8 times as much in the heatmap (it fills a
   * near object's large inside, which the motion parts paint less of);
   * the heatmap of a frame under the threshold dimmed with its score
   * (a near normal walker's glow is large, an anomaly's frame scores);
   * the stationary change weighing twice as much in the heatmap (a near
   * left object's cells, painted by the part's floored spread, would fall
   * behind the learned error's 2.4)
   * (docs/tuning.md, "Resolution"; measured in docs/benchmarks.md, "A
   * camera close to the scene", "The scale follows the footage", "The
   * learned error in a close camera's heatmap") */
  { "near", "flow_scale=2,motion_cell=16,flow_bins=17,flow_busy=0,"
        "map_learned=2.4,map_frame=0.75,map_static=2" },
};

const char *
ad_config_preset (const char *name)
{
  for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
    if (strcmp (presets[i].name, name) == 0)
      return presets[i].settings;
  return NULL;
}

/* Trims spaces at both ends of s in place. */
static char *
trim (char *s)
{
  while (*s == ' ' || *s == '\t')
    s++;
  size_t n = strlen (s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
    s[--n] = '\0';
  return s;
}

static ad_status
parse_items (ad_config *cfg, char *str, int depth, ad_error *err)
{
  char array[64] = "";          /* base name of the last array field */
  int array_idx = 0;
  char *save = NULL;
  for (char *item = strtok_r (str, ",", &save); item;
      item = strtok_r (NULL, ",", &save)) {
    item = trim (item);
    if (*item == '\0')
      continue;
    char name[80];
    const char *val;
    char *eq = strchr (item, '=');
    if (eq) {
      *eq = '\0';
      char *key = trim (item);
      val = trim (eq + 1);
      for (char *c = key; *c; c++)
        *c = *c == '-' ? '_' : *c;
      array[0] = '\0';
      if (strcmp (key, "preset") == 0) {
        const char *p = ad_config_preset (val);
        if (!p) {
          char names[128] = "";
          for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
            snprintf (names + strlen (names), sizeof names - strlen (names),
                "%s%s", i ? ", " : "", presets[i].name);
          return ad_fail (err, AD_ERR_ARG, "unknown preset '%s' (%s)", val,
              names);
        }
        if (depth > 0)
          return ad_fail (err, AD_ERR_ARG, "a preset cannot name a preset");
        char *dup = strdup (p);
        if (!dup)
          return ad_fail (err, AD_ERR_NOMEM, "out of memory");
        ad_status st = parse_items (cfg, dup, depth + 1, err);
        free (dup);
        if (st != AD_OK)
          return st;
        continue;
      }
      snprintf (name, sizeof name, "%s_0", key);
      if (!ad_config_field (key) && ad_config_field (name)
          && strlen (key) < sizeof array) {
        strcpy (array, key);    /* array field: "widths=4,8,8,8" */
        array_idx = 1;
      } else {
        snprintf (name, sizeof name, "%s", key);
      }
    } else if (array[0]) {
      val = item;
      snprintf (name, sizeof name, "%s_%d", array, array_idx++);
    } else {
      return ad_fail (err, AD_ERR_ARG, "'%s' is not key=value", item);
    }
    const ad_field *f = ad_config_field (name);
    if (!f)
      return ad_fail (err, AD_ERR_ARG, "unknown setting '%s'", name);
    char *end;
    double v = strtod (val, &end);
    if (*val == '\0' || *end != '\0' || !isfinite (v))
      return ad_fail (err, AD_ERR_ARG, "%s: '%s' is not a number", name, val);
    if (v < f->min || v > f->max)
      return ad_fail (err, AD_ERR_ARG, "%s=%g is outside %g..%g", name, v,
          f->min, f->max);
    ad_config_set (cfg, f, v);
  }
  return AD_OK;
}

ad_status
ad_config_parse (ad_config *cfg, const char *str, ad_error *err)
{
  if (!cfg)
    return ad_fail (err, AD_ERR_ARG, "no configuration to set");
  char *dup = strdup (str ? str : "");
  if (!dup)
    return ad_fail (err, AD_ERR_NOMEM, "out of memory");
  ad_status st = parse_items (cfg, dup, 0, err);
  free (dup);
  return st;
}

ad_status
ad_regions_parse (const char *str, float *rects, int max, int *n,
    ad_error *err)
{
  *n = 0;
  const char *p = str ? str : "";
  while (*p) {
    float r[4];
    int used = 0;
    while (*p == ' ' || *p == ';')
      p++;
    if (!*p)
      break;
    if (sscanf (p, " %f , %f , %f , %f %n", &r[0], &r[1], &r[2], &r[3],
            &used) != 4 || used == 0)
      return ad_fail (err, AD_ERR_ARG, "region %d: want x,y,w,h (fractions "
          "of the picture) in \"%s\"", *n + 1, str);
    p += used;
    if (*p && *p != ';')
      return ad_fail (err, AD_ERR_ARG, "region %d: want ';' between regions "
          "in \"%s\"", *n + 1, str);
    if (!(r[0] >= 0.0f && r[1] >= 0.0f && r[2] > 0.0f && r[3] > 0.0f &&
            r[0] + r[2] <= 1.0001f && r[1] + r[3] <= 1.0001f))
      return ad_fail (err, AD_ERR_ARG, "region %d (%g,%g,%g,%g): want x, y "
          ">= 0, w, h > 0 and the region inside the picture (x + w, y + h "
          "<= 1)", *n + 1, r[0], r[1], r[2], r[3]);
    if (*n >= max)
      return ad_fail (err, AD_ERR_ARG, "more than %d regions", max);
    memcpy (rects + 4 * *n, r, sizeof r);
    (*n)++;
  }
  return AD_OK;
}

ad_status
ad_fail (ad_error *err, ad_status st, const char *fmt, ...)
{
  if (err) {
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (err->msg, sizeof err->msg, fmt, ap);
    va_end (ap);
  }
  return st;
}

const char *
ad_status_name (ad_status st)
{
  switch (st) {
    case AD_OK: return "ok";
    case AD_ERR_ARG: return "invalid argument";
    case AD_ERR_NOMEM: return "out of memory";
    case AD_ERR_IO: return "i/o error";
    case AD_ERR_FORMAT: return "bad format";
    case AD_ERR_VERSION: return "unsupported version";
    case AD_ERR_CHECKSUM: return "checksum mismatch";
    case AD_ERR_MISMATCH: return "configuration mismatch";
    case AD_ERR_STATE: return "invalid state";
    case AD_ERR_CANCELLED: return "cancelled";
    case AD_ERR_UNIMPLEMENTED: return "not implemented";
  }
  return "unknown status";
}

ad_status
ad_config_validate (const ad_config *cfg, ad_error *err)
{
  if (!cfg)
    return ad_fail (err, AD_ERR_ARG, "no configuration");
  for (int i = 0; i < ad_config_n_fields; i++) {
    const ad_field *f = &ad_config_fields[i];
    double v = ad_config_get (cfg, f);
    if (!isfinite (v) || v < f->min || v > f->max)
      return ad_fail (err, AD_ERR_ARG, "config field '%s' = %g is outside "
          "[%g, %g]", f->name, v, f->min, f->max);
  }
  if (cfg->width % 8 || cfg->height % 8)
    return ad_fail (err, AD_ERR_ARG, "model size %dx%d must be a multiple "
        "of 8", cfg->width, cfg->height);
  if (cfg->mem_grid > cfg->width / 8 || cfg->mem_grid > cfg->height / 8)
    return ad_fail (err, AD_ERR_ARG, "mem_grid %d is larger than the "
        "bottleneck (%dx%d)", cfg->mem_grid, cfg->width / 8,
        cfg->height / 8);
  if (cfg->flow_scale == 2 && cfg->motion_cell % 2)
    return ad_fail (err, AD_ERR_ARG, "flow_scale=2 needs an even "
        "motion_cell (%d)", cfg->motion_cell);
  if (cfg->flow_bins % 2 == 0)
    return ad_fail (err, AD_ERR_ARG, "flow_bins %d must be odd (a bin "
        "centred on zero motion)", cfg->flow_bins);
  if (!cfg->diff_head && cfg->score_source != AD_SCORE_FRAME)
    return ad_fail (err, AD_ERR_ARG, "score_source %d needs diff_head=1",
        cfg->score_source);
  return AD_OK;
}

int
ad_config_image_channels (const ad_config *cfg)
{
  return cfg->color ? 3 : 1;
}

int
ad_config_in_channels (const ad_config *cfg)
{
  return ad_config_image_channels (cfg) + (cfg->motion_inputs ? 1 : 0);
}

int
ad_config_out_channels (const ad_config *cfg)
{
  return ad_config_image_channels (cfg) + (cfg->diff_head ? 1 : 0);
}

ad_status
ad_config_features_match (const ad_config *model, const ad_config *feat,
    ad_error *err)
{
  static const char *names[] = { "width", "height", "color", "motion_inputs" };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const ad_field *f = ad_config_field (names[i]);
    double a = ad_config_get (model, f), b = ad_config_get (feat, f);
    if (a != b)
      return ad_fail (err, AD_ERR_MISMATCH, "features have %s=%g but the "
          "model was trained with %s=%g", f->name, b, f->name, a);
  }
  return AD_OK;
}

/* ------------------------------------------------------------------------ */
/* Frame-rate rules (docs/tuning.md, "Frame rate"; measured in
 * docs/benchmarks.md, "Frame rate")                                        */

/* At or below this rate the motion patterns score single frame pairs
 * (flow_window 1): fast motion crosses a cell in a frame or two.  The
 * vectors of video are fitted again AD_RATE_SLOW_REFINE times
 * (flow_refine): a runner, a cyclist or a car moves several model pixels
 * a frame there, which one fit reads as about one (docs/benchmarks.md,
 * "Refits only where one fit fell short"). */
#define AD_RATE_SLOW_FPS 12.5
#define AD_RATE_SLOW_REFINE 3
/* No rule fits the vectors at half resolution at a slow camera any more
 * (flow_scale 2 at 9 fps or less until 2026-12-06): with the refits,
 * model resolution ranked the frames better on four of five footages at
 * 5-8.3 fps, the real one by 0.10, a gray generated crowd at 6 fps worse
 * by 0.023 (docs/benchmarks.md, "No half resolution at a slow
 * camera"). */
/* The rate calib_quantile, flow_smooth and the wandering's defaults refer
 * to.  Slower, the per-frame tail 1 - q grows by the ratio (the same
 * normal frames an hour above it), but q stays at least
 * AD_RATE_MIN_QUANTILE; the motion pattern's running mean shrinks by the
 * ratio to AD_RATE_SMOOTH_POWER (an event spans fewer frames, while each
 * frame's noise still wants averaging); wander_weight shrinks by the
 * ratio: the wandering is in px/frame, and a frame spans more of the
 * same motion at a slower rate, while the parts it is summed with are
 * divided by their spreads (docs/benchmarks.md, "The wandering's weight
 * follows the frame rate"). */
#define AD_RATE_REF_FPS 25.0
#define AD_RATE_MIN_QUANTILE 0.99
#define AD_RATE_SMOOTH_POWER 0.25
/* Seconds the stationary change takes to build up (static_rise, frames)
 * and the wandering looks back over (wander_frames, frame pairs). */
#define AD_RATE_STILL_SECONDS 1.0
#define AD_RATE_WANDER_SECONDS 0.48
/* Seconds apart two sightings of a motion must be for flow_recur: longer
 * than an odd moment lasts in one place, shorter than the gaps between
 * normal passers-by. */
#define AD_RATE_RECUR_SECONDS 2.0

const char *const ad_config_rate_fields[AD_RATE_N_FIELDS] = {
  "flow_window", "calib_quantile", "static_rise", "flow_smooth",
  "flow_scale", "flow_bins", "wander_frames", "map_neighbour", "flow_recur",
  "wander_weight", "motion_cell", "flow_busy", "map_learned", "map_frame",
  "map_static", "flow_refine", "flow_range"
};

int
ad_config_fit_footage (ad_config *cfg, int64_t frames)
{
  int recur = cfg->flow_recur;
  if (recur <= 0 || frames >= (int64_t) AD_RECUR_FOOTAGE * recur)
    return 0;
  cfg->flow_recur = 0;
  return recur;
}

/* The scale rule (ad-scale.c measures the footage): things that move
 * standing AD_SCALE_NEAR_PX model pixels tall or more (the usual distance
 * reads 13-17 at 160x120, 1.5 times as close 22, twice 28-29) take the
 * near preset, when there are at least AD_SCALE_MIN_BLOBS of them to
 * judge by, and the wandering's weight by AD_SCALE_USUAL_PX / their
 * height; video only.  Model pixels, not a share of the picture: the motion cells, the
 * vectors' reach and bins, the wandering and the network's kernels all
 * count model pixels, so a model of twice the height sees the same
 * people as a camera twice as close.  25, not lower: footage that reads
 * 22 (a real plaza whose near lawn lifts the measure, a generated crowd
 * 1.5 times as close) ranked its frames as well or better at the usual
 * scale, the real footage's pixels too, without the near preset's false
 * alarms (benchmarks.md, "The scale rule from 25 px"). */
#define AD_SCALE_NEAR_PX 25.0
/* ... and move AD_SCALE_NEAR_SPEED model pixels a frame or more (the
 * speed ad_footage_height measures): the preset's motion fit at half
 * resolution, with cells of 16 px and coarser bins, is for motion beyond
 * the one-step fit's reach, and a generated camera twice or three times
 * as close reads 1.42-2.18 (three times as close at a real walker's
 * pace 1.45, where the preset still ranked its frames at 0.875 against
 * 0.755; the share of the height a frame, tried instead, moved that
 * footage off it).  Tall but slow footage keeps the usual motion
 * fit and takes the preset's heatmap alone: a real camera's footage with
 * people 27 px tall moving 0.97 px a frame ranked its frames at 0.772
 * with the preset's motion fit and 0.896 with the usual one
 * (benchmarks.md, "The near preset only for fast motion"). */
#define AD_SCALE_NEAR_SPEED 1.2
/* From this height up to AD_SCALE_NEAR_PX the near preset's heatmap
 * settings alone (map_learned, map_frame, map_static: a walker 1.4-1.7
 * times the usual height has a large inside and a large glow too), the
 * motion's kept: pixel AP +0.018 to +0.093 on four views that read 22,
 * their frame scores unchanged (benchmarks.md, "The near preset's
 * heatmap from 21 px"). */
#define AD_SCALE_MAP_PX 21.0
#define AD_SCALE_MIN_BLOBS 20
/* What the usual distance reads: a camera K times closer reads K times
 * this, and shows every motion K times as many pixels a frame. */
#define AD_SCALE_USUAL_PX 15.0
/* Under this many model pixels the detector sees people poorly: the gray
 * Ped2-like crowd at half the model's resolution (people 8 px tall) fell
 * from 0.919 to 0.844 causal frame AUROC, and smaller motion cells did
 * not give it back (benchmarks.md, "Tried on 2026-12-05 (17:10-18:10)");
 * ad_config_scale_far. */
#define AD_SCALE_FAR_PX 10.0

/* 1 when the footage's measure can judge the scale and speed rules: video
 * (stills have no motion to fit) and at least AD_SCALE_MIN_BLOBS blobs. */
static int
footage_judged (const ad_config *cfg, int64_t blobs)
{
  return cfg->clip_len > 1 && blobs >= AD_SCALE_MIN_BLOBS;
}

int
ad_config_note_height (ad_config *cfg, double height, int64_t blobs)
{
  if (!(footage_judged (cfg, blobs) && height > 0.0))
    return 0;
  cfg->train_height = (float) height;
  return 1;
}

int
ad_config_scale_far (const ad_config *cfg, double height, int64_t blobs,
    int size[2])
{
  if (!(footage_judged (cfg, blobs) && height > 0.0 &&
          height < AD_SCALE_FAR_PX))
    return 0;
  if (size) {
    /* the usual distance's height, at most twice the width and height
     * (four times the time a frame), multiples of 8 */
    double f = fmin (fmax (AD_SCALE_USUAL_PX / height, 1.0), 2.0);
    size[0] = (int) fmin (8.0 * lround (cfg->width * f / 8.0), 1024.0);
    size[1] = (int) fmin (8.0 * lround (cfg->height * f / 8.0), 1024.0);
  }
  return 1;
}

int
ad_config_fit_scale (ad_config *cfg, double height, double speed,
    int64_t blobs, unsigned named)
{
  const unsigned fields = (1u << AD_RATE_SCALE) | (1u << AD_RATE_BINS) |
      (1u << AD_RATE_CELL);
  /* stills (clip_len 1) have no motion to fit */
  if ((named & fields) || !footage_judged (cfg, blobs) ||
      height < AD_SCALE_MAP_PX)
    return AD_SCALE_NONE;
  const int near = height >= AD_SCALE_NEAR_PX &&
      speed >= AD_SCALE_NEAR_SPEED;
  ad_config c = *cfg, p = *cfg;
  if (ad_config_parse (&p, "preset=near", NULL) != AD_OK)
    return AD_SCALE_NONE;
  if (near) {
    c = p;
    /* the wandering is in px/frame, which a closer camera multiplies,
     * while the parts it is summed with are divided by their spreads (as
     * at a slower camera, ad_config_apply_rate) */
    if (!c.wander_norm)
      c.wander_weight = (float) (cfg->wander_weight * AD_SCALE_USUAL_PX /
          height);
  } else {
    /* the preset's heatmap alone */
    c.map_learned = p.map_learned;
    c.map_frame = p.map_frame;
    c.map_static = p.map_static;
  }
  /* the rules' other fields the user named (flow_busy, wander_weight,
   * map_learned, map_frame, map_static) keep their values */
  for (int i = 0; i < AD_RATE_N_FIELDS; i++)
    if ((named >> i) & 1u) {
      const ad_field *f = ad_config_field (ad_config_rate_fields[i]);
      ad_config_set (&c, f, ad_config_get (cfg, f));
    }
  if (ad_config_validate (&c, NULL) != AD_OK ||
      memcmp (&c, cfg, sizeof c) == 0)
    return AD_SCALE_NONE;
  *cfg = c;
  return near ? AD_SCALE_NEAR : AD_SCALE_MAP;
}

/* The speed rule (ad-scale.c measures the footage): things that move
 * slower than AD_SPEED_SLOW_PX model pixels a frame, with the vectors
 * fitted at model resolution, take AD_SPEED_SLOW_BINS motion-pattern bins
 * (0.13 px/frame).  Real walkers at a surveillance distance and 25 fps
 * read about 0.4 at 160x120, the generated scenes 0.74-0.83: at 0.4 a
 * wrong-way or erratic walker lies one or two 0.25-px bins from the
 * normal ones.  The finer bins gave four generated scenes at that speed
 * +0.003 to +0.008 frame AUROC in ad-tune and nothing at the generated
 * speed; through the pipeline +0.005 to +0.014 on four of five, the
 * crowded walkway's folder -0.016 (docs/benchmarks.md, "Finer bins for
 * slow footage").  Video only, from at least AD_SCALE_MIN_BLOBS blobs. */
#define AD_SPEED_SLOW_PX 0.6
#define AD_SPEED_SLOW_BINS 65

/* ... and things that move fast (a larger model, a closer camera) take a
 * motion-pattern range of AD_SPEED_RANGE_PER times their speed, from the
 * usual +-4.25 px/frame (0.85 px/frame) up, over AD_SPEED_FAST_BINS bins
 * (the near preset's 17 included): the vectors, the patterns' distances
 * and their spread on normal footage all grow with the speed in model
 * pixels, while the clamped range held a runner's novelty where it was.
 * The bins then stay about a 3.5th of the speed wide, as the usual 35 at
 * the usual 0.8 px/frame and the finer 65 at 0.4 are (benchmarks.md,
 * "The motion patterns' range follows the speed"). */
#define AD_SPEED_RANGE_PER 5.0
#define AD_SPEED_FAST_BINS 35

int
ad_config_fit_speed (ad_config *cfg, double speed, int64_t blobs,
    unsigned named)
{
  const unsigned fields = (1u << AD_RATE_SCALE) | (1u << AD_RATE_BINS);
  if (!footage_judged (cfg, blobs) || !(speed > 0.0))
    return 0;
  int changed = 0;
  if (!(named & fields) && speed < AD_SPEED_SLOW_PX && cfg->flow_scale == 1
      && cfg->flow_bins < AD_SPEED_SLOW_BINS) {
    cfg->flow_bins = AD_SPEED_SLOW_BINS;
    changed |= AD_SPEED_BINS;
  }
  double range = fmin (AD_SPEED_RANGE_PER * speed, 32.0);
  if (!(named & (1u << AD_RATE_RANGE)) && range > cfg->flow_range) {
    cfg->flow_range = (float) range;
    if (!(named & (1u << AD_RATE_BINS)))
      cfg->flow_bins = AD_SPEED_FAST_BINS;
    changed |= AD_SPEED_RANGE;
  }
  return changed;
}

ad_status
ad_config_rate_named (const char *str, unsigned *named, ad_error *err)
{
  ad_config c;
  ad_config_default (&c);
  *named = 0;
  /* -1 lies outside every rate field's range, so a field still at -1
   * after the parse was not named, neither itself nor by a preset */
  for (int i = 0; i < AD_RATE_N_FIELDS; i++)
    ad_config_set (&c, ad_config_field (ad_config_rate_fields[i]), -1.0);
  ad_status st = str ? ad_config_parse (&c, str, err) : AD_OK;
  if (st != AD_OK)
    return st;
  for (int i = 0; i < AD_RATE_N_FIELDS; i++)
    if (ad_config_get (&c, ad_config_field (ad_config_rate_fields[i])) !=
        -1.0)
      *named |= 1u << i;
  return AD_OK;
}

/* Sets field i of the rate rules to v unless it is named, and notes it. */
static void
rate_set (ad_config *cfg, unsigned named, int i, double v, char *applied,
    size_t n)
{
  const ad_field *f = ad_config_field (ad_config_rate_fields[i]);
  if ((named >> i) & 1u)
    return;
  v = fmin (fmax (v, f->min), f->max);
  ad_config_set (cfg, f, v);
  if (applied && n > 0) {
    size_t len = strlen (applied);
    if (len < n)
      snprintf (applied + len, n - len, "%s%s=%g", len ? "," : "", f->name,
          ad_config_get (cfg, f));
  }
}

void
ad_config_apply_rate (ad_config *cfg, double fps, unsigned named,
    char *applied, size_t n)
{
  if (applied && n > 0)
    applied[0] = 0;
  if (!(fps > 0.0))
    return;
  if (fps <= AD_RATE_SLOW_FPS)
    rate_set (cfg, named, AD_RATE_WINDOW, 1, applied, n);
  if (fps < AD_RATE_REF_FPS)
    rate_set (cfg, named, AD_RATE_NEIGHBOUR, cfg->map_neighbour *
        AD_RATE_REF_FPS / fps, applied, n);
  /* the rest is about time: independent stills (clip_len 1) count images */
  if (cfg->clip_len <= 1)
    return;
  if (fps <= AD_RATE_SLOW_FPS)
    rate_set (cfg, named, AD_RATE_REFINE, AD_RATE_SLOW_REFINE, applied, n);
  if (fps < AD_RATE_REF_FPS) {
    double q = 1.0 - (1.0 - cfg->calib_quantile) * AD_RATE_REF_FPS / fps;
    rate_set (cfg, named, AD_RATE_QUANTILE, fmax (q, AD_RATE_MIN_QUANTILE),
        applied, n);
    rate_set (cfg, named, AD_RATE_SMOOTH, fmax (cfg->flow_smooth *
            pow (fps / AD_RATE_REF_FPS, AD_RATE_SMOOTH_POWER), 1.0),
        applied, n);
    if (!cfg->wander_norm)
      rate_set (cfg, named, AD_RATE_WANDER_WEIGHT, cfg->wander_weight * fps /
          AD_RATE_REF_FPS, applied, n);
  }
  rate_set (cfg, named, AD_RATE_RISE, fps * AD_RATE_STILL_SECONDS, applied,
      n);
  rate_set (cfg, named, AD_RATE_WANDER, round (fps * AD_RATE_WANDER_SECONDS),
      applied, n);
  if (cfg->flow_recur > 0)
    rate_set (cfg, named, AD_RATE_RECUR, round (fps * AD_RATE_RECUR_SECONDS),
        applied, n);
  cfg->train_fps = (float) fps;
}

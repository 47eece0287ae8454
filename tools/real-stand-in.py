#!/usr/bin/python3
"""Real footage with pasted anomalies, in the layout `ad-eval --dataset` reads.

The footage is OpenCV's sample `vtest.avi` (Debian package opencv-doc:
768x576, 10 frames a second, 795 frames of people walking over a campus
plaza and its lawn; it appears to be view 1 of PETS 2009 S2.L1). Real
people, real sensor noise, a real codec (DivX) and tape that flaps in the
wind: what the generated scenes only imitate. It holds no anomaly, so this
script pastes some in, cut from the same footage, each with its exact mask:

  training/frames/01/   frames 400-794 (39.5 s), as filmed
  testing/frames/01/    frames 0-199, a van drives over the plaza
                        (local frames 20-62), a bag is left on the path
                        (local frames 110-194)
  testing/frames/02/    frames 200-399, a person glides over the plaza at
                        three times a walker's speed (local 30-76, as a
                        skater would), another runs the other way on the
                        far path (local 120-160)
  testing/gt/NN/        the masks (255 = pasted pixels)

The training part is the later half: from frame 505 to 690 people cross
the lawn near the camera, which nobody does before; trained on the first
half, the detector rightly finds them novel (a person where nobody
walked), which a test of normal frames must not count against it.

The sprites are rigid (no gait, no shading): a test of where and how fast
things move and of what lies still, not of how a runner's legs look.

Usage: tools/real-stand-in.py OUT [VIDEO] (default VIDEO: the opencv-doc
path; without the package: `apt-get download opencv-doc && dpkg -x
opencv-doc_*.deb x` and pass x/usr/share/doc/...). Needs python3-numpy,
python3-scipy, python3-pil and gst-launch-1.0.  GRAY=1 writes gray files.
WIDE=1 keeps the middle 768x432 of every picture and mask (16:9, as most
cameras film today): the same events, the people 1.33 times as tall in
a model of 120 rows.

NUISANCE=1 adds testing/frames/03: frames 0-199 as filmed (nothing
pasted, an all-zero mask) through the camera effects of the generated
scenes' nuisance clip (docs/scenes.md), at this footage's size: the
light's gain swinging by 20 % over the clip with a 3 % colour cast,
sensor noise of sigma 3 levels on top of the footage's own, and every
7 frames, one time in two, the picture shifted by up to 5 px each way
(edges repeated). Nothing happens there that the detector should
report: its frames count as normal in the pooled frame AUROC and their
flagged frames as false alarms.
"""

import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image
from scipy import ndimage

VIDEO = "/usr/share/doc/opencv-doc/examples/data/vtest.avi"
TRAIN = (400, 795)
TEST_CLIPS = [(0, 200), (200, 400)]


def decode(video, tmp):
    """Every frame of VIDEO as tmp/NNNN.png, RGB; returns [n, H, W, 3] uint8."""
    pipe = ("filesrc location=%s ! decodebin ! videoconvert ! "
            "video/x-raw,format=RGB ! pngenc ! multifilesink location=%s/%%04d.png"
            % (video, tmp))
    subprocess.run(["gst-launch-1.0", "-q"] + pipe.split(), check=True)
    names = sorted(n for n in os.listdir(tmp) if n.endswith(".png"))
    if not names:
        return np.zeros((0, 0, 0, 3), np.uint8)
    return np.stack([np.asarray(Image.open(os.path.join(tmp, n))) for n in names])


def largest(mask):
    """The largest connected part of a boolean mask, holes filled."""
    lab, n = ndimage.label(mask)
    if n == 0:
        raise RuntimeError("no sprite found")
    sizes = ndimage.sum(mask, lab, range(1, n + 1))
    return ndimage.binary_fill_holes(lab == 1 + int(np.argmax(sizes)))


def sprite(img, mask, scale=1.0):
    """Cut the mask's bounding box out of img: (rgb [h, w, 3], alpha [h, w])."""
    ys, xs = np.nonzero(mask)
    box = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
    rgb, alpha = img[box], mask[box]
    if scale != 1.0:
        h, w = alpha.shape
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        rgb = np.asarray(Image.fromarray(rgb).resize(size, Image.BILINEAR))
        alpha = np.asarray(Image.fromarray(alpha.astype(np.uint8) * 255)
                           .resize(size, Image.BILINEAR)) > 127
    return rgb, alpha


def paste(frame, gt, spr, x, bottom):
    """Paste sprite with its left edge at x and its bottom row at `bottom`."""
    rgb, alpha = spr
    h, w = alpha.shape
    top, left = int(round(bottom)) - h, int(round(x))
    H, W = gt.shape
    y0, y1, x0, x1 = max(top, 0), min(top + h, H), max(left, 0), min(left + w, W)
    if y0 >= y1 or x0 >= x1:
        return
    a = alpha[y0 - top:y1 - top, x0 - left:x1 - left]
    frame[y0:y1, x0:x1][a] = rgb[y0 - top:y1 - top, x0 - left:x1 - left][a]
    gt[y0:y1, x0:x1][a] = 255


def camera_effects(frame, t, n, rng):
    """frame [H, W, 3] uint8 at clip frame t of n through the nuisance clip's
    light, noise and jitter (module docstring); rng draws the noise."""
    f = frame.astype(np.float32)
    g = 1.0 + 0.2 * np.sin(1.3 + 2.0 * np.pi * t / n)
    tint = 0.03 * (g - 1.0) / 0.2
    f *= np.array([g * (1.0 + tint), g, g * (1.0 - tint)], np.float32)
    f += rng.normal(0.0, 3.0, f.shape).astype(np.float32)
    jit = np.random.default_rng(1000 + t // 7)     # one shift per 7 frames
    if jit.random() < 0.5:
        jx, jy = (int(v) for v in jit.integers(-5, 6, 2))
        H, W = f.shape[:2]
        pad = np.pad(f, ((5, 5), (5, 5), (0, 0)), mode="edge")
        f = pad[5 - jy:5 - jy + H, 5 - jx:5 - jx + W]
    return np.clip(f + 0.5, 0, 255).astype(np.uint8)


def sprites(frames, bg):
    """The van, a bag and two people, cut from the footage."""
    bgi = bg.astype(int)
    # The parked van (top right): its white body, windows filled in.
    region = np.zeros(bg.shape[:2], bool)
    region[35:90, 640:725] = True
    van = largest(ndimage.binary_closing(region & (bgi.min(2) > 170),
                                         iterations=3))
    # The yellow bundle on the lawn (bottom left): yellow against green.
    region[:] = False
    region[480:540, 40:160] = True
    yellow = (bgi[..., 0] > 150) & (bgi[..., 1] > 150) & (bgi[..., 2] < 140)
    bag = largest(ndimage.binary_closing(region & yellow, iterations=2))
    # Two walkers of the training part, where they differ from the background.
    people = []
    for t in (440, 480):
        diff = np.abs(frames[t].astype(int) - bgi).max(2) > 40
        diff = ndimage.binary_opening(diff, iterations=1)
        lab, n = ndimage.label(diff)
        best = None
        for i, sl in enumerate(ndimage.find_objects(lab), 1):
            h, w = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
            if 55 <= h <= 95 and 14 <= w <= 45 and (best is None or h > best[0]):
                best = (h, i)
        if best is None:
            raise RuntimeError("no walker found in frame %d" % t)
        people.append(sprite(frames[t], ndimage.binary_fill_holes(lab == best[1])))
    return (sprite(bg, van, 1.8), sprite(bg, bag, 2.0), people[0], people[1])


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    video = sys.argv[2] if len(sys.argv) > 2 else VIDEO
    gray = os.environ.get("GRAY") == "1"
    if not os.path.isfile(video):
        sys.exit("%s: no such file (apt-get install opencv-doc, or pass the "
                 "path of vtest.avi)" % video)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            frames = decode(video, tmp)
        except (subprocess.CalledProcessError, OSError) as e:
            sys.exit("%s: cannot decode it with gst-launch-1.0 (%s)" % (video, e))
        if len(frames) == 0:
            sys.exit("%s: no frames decoded" % video)
    if len(frames) < TRAIN[1]:
        sys.exit("%s: %d frames, expected %d" % (video, len(frames), TRAIN[1]))
    bg = np.median(frames[::5], axis=0).astype(np.uint8)
    van, bag, walker, runner = sprites(frames, bg)
    H, W = frames.shape[1:3]
    # (clip, first local frame, last, sprite, x at first, x step, bottom row)
    events = [
        (0, 20, 62, van, -van[1].shape[1], 20.0, 330),
        (0, 110, 194, bag, 470, 0.0, 300),
        (1, 30, 76, walker, -walker[1].shape[1], 17.0, 285),
        (1, 120, 160, runner, W, -19.0, 250),
    ]

    # WIDE=1: the middle rows of a 16:9 picture
    top, rows = 0, H
    if os.environ.get("WIDE") == "1":
        rows = W * 9 // 16
        top = (H - rows) // 2

    def save(path, img):
        im = Image.fromarray(img[top:top + rows])
        if gray and img.ndim == 3:
            im = im.convert("L")
        im.save(path, compress_level=1)

    d = os.path.join(out, "training", "frames", "01")
    os.makedirs(d, exist_ok=True)
    for t in range(*TRAIN):
        save(os.path.join(d, "%04d.png" % t), frames[t])
    def write_clip(number, shots):
        """testing/frames/NN and testing/gt/NN from (image, mask) pairs."""
        fd = os.path.join(out, "testing", "frames", "%02d" % number)
        gd = os.path.join(out, "testing", "gt", "%02d" % number)
        os.makedirs(fd, exist_ok=True)
        os.makedirs(gd, exist_ok=True)
        for k, (img, gt) in enumerate(shots):
            save(os.path.join(fd, "%04d.png" % k), img)
            Image.fromarray(gt[top:top + rows]).save(
                os.path.join(gd, "%04d.png" % k), compress_level=1)

    def pasted(c, k):
        """Local frame k of test clip c with its events pasted, and its mask."""
        img = frames[TEST_CLIPS[c][0] + k].copy()
        gt = np.zeros((H, W), np.uint8)
        for ec, f0, f1, spr, x0, dx, bottom in events:
            if ec == c and f0 <= k <= f1:
                paste(img, gt, spr, x0 + dx * (k - f0), bottom)
        return img, gt

    for c, (a, b) in enumerate(TEST_CLIPS):
        write_clip(c + 1, (pasted(c, k) for k in range(b - a)))
    clips = len(TEST_CLIPS)
    if os.environ.get("NUISANCE") == "1":
        clips += 1
        rng = np.random.default_rng(3)
        a, b = TEST_CLIPS[0]
        write_clip(clips, ((camera_effects(frames[a + k], k, b - a, rng),
                            np.zeros((H, W), np.uint8))
                           for k in range(b - a)))
    print("%s: %d training frames, %d test clips" % (out, TRAIN[1] - TRAIN[0],
                                                     clips))


if __name__ == "__main__":
    main()

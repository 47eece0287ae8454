#!/usr/bin/env python3
"""The core's network in PyTorch, for speed comparison and forward parity.

usage: bench_torch.py EXPORT_DIR [--seconds S] [--threads N]
                      [--only all|forward|train]

EXPORT_DIR is written by `ad-bench --export DIR` (weights as raw float32,
manifest.txt with the config and tensor shapes, a 4-frame input clip and the
C core's streamed outputs).  The script builds the same architecture,
loads the same weights, checks that streaming the clip frame by frame gives
the C outputs, then times batch-1 streaming forward and training steps with
the same thread count.  Prints "RESULT parity_maxdiff=... ..." last.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def load(export):
    cfg, shapes = {}, {}
    with open(os.path.join(export, "manifest.txt")) as f:
        for line in f:
            p = line.split()
            if p[0] == "config":
                cfg[p[1]] = float(p[2])
            else:
                shapes[p[1]] = [int(x) for x in p[2:]]
    w = {}
    for name, dims in shapes.items():
        a = np.fromfile(os.path.join(export, name + ".f32"), dtype=np.float32)
        w[name] = torch.from_numpy(a.reshape(dims)).clone()
    return cfg, w


class Net(torch.nn.Module):
    """Mirrors core/ad-net.c: encoder with residual blocks (temporal shift,
    channel attention), memories, decoder with additive skips."""

    def __init__(self, cfg, w):
        super().__init__()
        self.cfg = cfg
        self.p = torch.nn.ParameterDict(
            {k.replace(".", "_"): torch.nn.Parameter(v) for k, v in w.items()
             if k not in ("motion_mean", "pixel_mean", "pixel_std")})
        self.widths = [int(cfg["widths_%d" % i]) for i in range(4)]
        self.nshift = [int(np.floor(cfg["shift_frac"] * c + 0.5)) for c in self.widths]

    def w(self, name):
        return self.p[name.replace(".", "_")]

    def conv(self, name, x, stride=1, relu=True):
        wt = self.w(name + ".w")
        co = wt.shape[0]
        y = F.conv2d(x, wt.view(co, -1, 3, 3), self.w(name + ".b"), stride, 1)
        return F.relu(y) if relu else y

    def tshift(self, x, b, t, k, prev):
        """x [b*t, c, h, w]; first k channels from the previous frame."""
        if k == 0:
            return x
        n, c, h, wd = x.shape
        x5 = x.view(b, t, c, h, wd)
        first = prev if prev is not None else torch.zeros_like(x5[:, :1, :k])
        shifted = torch.cat([first, x5[:, :-1, :k]], dim=1)
        return torch.cat([shifted, x5[:, :, k:]], dim=2).view(n, c, h, wd)

    def se(self, s, x):
        m = x.mean(dim=(2, 3))
        a = F.relu(F.linear(m, self.w(s + ".w1"), self.w(s + ".b1")))
        g = torch.sigmoid(F.linear(a, self.w(s + ".w2"), self.w(s + ".b2")))
        return x * g[:, :, None, None]

    def mem(self, name, z):
        items = self.w(name)                      # [G, M, C]
        g, m, c = items.shape
        n, _, h, wd = z.shape
        gs = int(round(g ** 0.5))
        q = F.normalize(z.permute(0, 2, 3, 1), dim=-1)   # [n,h,w,c]
        it = F.normalize(items, dim=-1)
        ys = (torch.arange(h) * gs) // h
        xs = (torch.arange(wd) * gs) // wd
        bank = (ys[:, None] * gs + xs[None, :])          # [h, w]
        sims = torch.einsum("nhwc,hwmc->nhwm", q, it[bank])
        att = torch.softmax(sims / self.cfg["mem_temp"], dim=-1)
        lam = self.cfg["mem_shrink"] / m
        if lam > 0:
            att = F.relu(att - lam) * att / ((att - lam).abs() + 1e-12)
            att = att / att.sum(-1, keepdim=True).clamp_min(1e-12)
        out = torch.einsum("nhwm,hwmc->nhwc", att, items[bank])
        return out.permute(0, 3, 1, 2).contiguous(), (att, q, it[bank], sims)

    def forward(self, x, b, t, prev=None):
        """x [b*t, cin, H, W]; prev: dict of shift caches (streaming) or
        None; returns output, new caches, and per memory (attention,
        normalised queries, normalised items per position, similarities)."""
        cfg = self.cfg
        new_prev, atts = {}, []
        r = [self.conv("enc0", x)]
        for s in range(1, 4):
            p = self.conv("enc%d" % s, r[-1], stride=2)
            k = self.nshift[s]
            if k > 0:
                xs = self.tshift(p, b, t, k, prev.get(s) if prev else None)
                n, c, h, wd = p.shape
                new_prev[s] = p.view(b, t, c, h, wd)[:, -1:, :k].detach()
            else:
                xs = p
            h1 = self.conv("res%d.c1" % s, xs)
            h2 = self.conv("res%d.c2" % s, h1, relu=False)
            r.append(p + self.se("res%d.se" % s, h2))
        d = r[3]
        place = int(cfg["mem_place"])
        if place >= 1:
            d, a = self.mem("mem.b", d)
            atts.append(a)
        for s in (2, 1, 0):
            d = self.conv("dec%d" % s, F.interpolate(d, scale_factor=2, mode="nearest"))
            if cfg["skips"] >= 3 - s:
                skip = r[s]
                if place == 3 or (place == 2 and s == 2):
                    skip, a = self.mem("mem.s%d" % s, skip)
                    atts.append(a)
                d = d + skip
        return self.conv("out", d, relu=False), new_prev, atts


def mem_losses(cfg, mems):
    """Entropy, compactness and separateness as in core/ad-memory.c: the
    nearest and second-nearest items by cosine similarity."""
    total = 0.0
    for att, q, it, sims in mems:
        ent = -(att * torch.log(att + 1e-12)).sum(-1).mean()
        top = sims.topk(2, dim=-1).indices                     # [n,h,w,2]
        itn = it.unsqueeze(0).expand(q.shape[0], -1, -1, -1, -1)
        near = torch.gather(itn, 3, top[..., :1, None].expand(-1, -1, -1, 1, q.shape[-1]))[..., 0, :]
        second = torch.gather(itn, 3, top[..., 1:, None].expand(-1, -1, -1, 1, q.shape[-1]))[..., 0, :]
        dp = ((q - near) ** 2).sum(-1)
        dq = ((q - second) ** 2).sum(-1)
        sep = F.relu(dp - dq + cfg["sep_margin"]).mean()
        total = total + cfg["w_entropy"] * ent + cfg["w_compact"] * dp.mean() \
            + cfg["w_separate"] * sep
    return total


def median(v):
    v = sorted(v)
    return v[len(v) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("export")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", choices=("all", "forward", "train"), default="all",
                    help="measure only this (the parity check always runs)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(0)
    cfg, w = load(a.export)
    net = Net(cfg, w)
    H, W = int(cfg["height"]), int(cfg["width"])
    cin = (3 if cfg["color"] else 1) + int(cfg["motion_inputs"])
    cout = (3 if cfg["color"] else 1) + int(cfg["diff_head"])
    x = np.fromfile(os.path.join(a.export, "input.f32"), np.float32).reshape(-1, cin, H, W)
    ref = np.fromfile(os.path.join(a.export, "output.f32"), np.float32).reshape(-1, cout, H, W)

    # Parity: stream the clip frame by frame with shift caches.
    with torch.no_grad():
        prev, outs = None, []
        for i in range(x.shape[0]):
            y, prev, _ = net(torch.from_numpy(x[i:i + 1]), 1, 1, prev)
            outs.append(y.numpy())
    diff = float(np.abs(np.concatenate(outs) - ref).max())
    scale = float(np.abs(ref).max())
    print("parity: max |torch - C| = %.3g (outputs up to %.3g)" % (diff, scale))

    result = "RESULT parity_maxdiff=%.3g parity_scale=%.3g" % (diff, scale)
    if a.only in ("all", "forward"):
        fps = time_forward(net, x, a.seconds)
        print("torch forward, batch 1:       %8.1f frames/s" % fps)
        result += " torch_forward_fps=%.1f" % fps
    if a.only in ("all", "train"):
        tfps, B, T = time_training(net, cfg, cin, cout, H, W, a.seconds)
        print("torch training (batch %dx%d): %8.1f frames/s" % (B, T, tfps))
        result += " torch_train_fps=%.1f" % tfps
    print(result)


def time_forward(net, x, seconds):
    """Median frames/s of batch-1 streaming with shift caches."""
    f = torch.from_numpy(x[:1])
    with torch.no_grad():
        prev = None
        for _ in range(10):
            _, prev, _ = net(f, 1, 1, prev)
        runs = []
        for _ in range(9):
            n, t0 = 0, time.perf_counter()
            while time.perf_counter() - t0 < seconds / 9 or n < 3:
                _, prev, _ = net(f, 1, 1, prev)
                n += 1
            runs.append(n / (time.perf_counter() - t0))
    return median(runs)


def time_training(net, cfg, cin, cout, H, W, seconds):
    """Median frames/s of training steps: batch_clips x clip_len frames,
    the same losses as the C trainer (MSE + memory entropy, compactness,
    separateness), gradient-norm clipping, Adam."""
    B, T = int(cfg["batch_clips"]), int(cfg["clip_len"])
    xb = torch.rand(B * T, cin, H, W)
    tb = torch.rand(B * T, cout, H, W)
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)

    def step():
        opt.zero_grad()
        y, _, mems = net(xb, B, T)
        loss = F.mse_loss(y, tb) + mem_losses(cfg, mems)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()

    step()
    runs = []
    for _ in range(5):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds / 5 or n < 2:
            step()
            n += 1
        runs.append(n * B * T / (time.perf_counter() - t0))
    return median(runs), B, T


if __name__ == "__main__":
    sys.exit(main())

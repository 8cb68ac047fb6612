#!/usr/bin/env python3
"""Golden vectors of FGD (fgd, fgd-focal, fgd-global), with the weights and gradients of the align
convolution and both GcBlocks.

    /usr/bin/python3 tools/golden/detection.py

The formulas follow docs/losses.md and yzd-v/FGD's fgd.py. Box masks follow distill4j's documented rules:
boxes are clipped to their image, zero-area boxes (and zero padding rows) mark nothing, cells cover
floor(min)..ceil(max) inclusive with 1/area, overlaps keep the maximum; geometric layout by default,
or yzd-v/FGD's layout before its commit c22b81d (rows take the x-range) with reference-mask-transpose.
"""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(REPO, "plugin-detection/src/test/resources/golden")


def masks(boxes, sizes, h, w, transpose=False):
    n = boxes.shape[0]
    fg = torch.zeros(n, h, w)
    bg = torch.ones(n, h, w)
    for i in range(n):
        img_h, img_w = float(sizes[i][0]), float(sizes[i][1])
        for x1, y1, x2, y2 in boxes[i].tolist():
            x1, x2 = [min(max(v, 0.0), img_w) for v in (x1, x2)]
            y1, y2 = [min(max(v, 0.0), img_h) for v in (y1, y2)]
            if not (x2 > x1 and y2 > y1):
                continue
            wmin, wmax = math.floor(x1 / img_w * w), math.ceil(x2 / img_w * w)
            hmin, hmax = math.floor(y1 / img_h * h), math.ceil(y2 / img_h * h)
            area = 1.0 / (hmax + 1 - hmin) / (wmax + 1 - wmin)
            rows, cols = (slice(wmin, wmax + 1), slice(hmin, hmax + 1)) if transpose else \
                (slice(hmin, hmax + 1), slice(wmin, wmax + 1))
            fg[i][rows, cols] = torch.clamp(fg[i][rows, cols], min=area)
        bg[i] = torch.where(fg[i] > 0, 0.0, 1.0)
        if torch.sum(bg[i]):
            bg[i] /= torch.sum(bg[i])
    return fg, bg


def attention(f, temp):
    n, c, h, w = f.shape
    value = torch.abs(f)
    spatial = (h * w * F.softmax((value.mean(dim=1, keepdim=True) / temp).view(n, -1), dim=1)).view(n, h, w)
    channel = c * F.softmax(value.mean(dim=2).mean(dim=2) / temp, dim=1)
    return spatial, channel


class GcBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv_mask = nn.Conv2d(c, 1, 1)
        self.add = nn.Sequential(nn.Conv2d(c, c // 2, 1), nn.LayerNorm([c // 2, 1, 1]), nn.ReLU(),
                                 nn.Conv2d(c // 2, c, 1))

    def forward(self, x):
        n, c, h, w = x.shape
        mask = F.softmax(self.conv_mask(x).view(n, 1, h * w), dim=2).unsqueeze(-1)
        context = torch.matmul(x.view(n, c, h * w).unsqueeze(1), mask).view(n, c, 1, 1)
        return x + self.add(context)

    def named(self, prefix):
        c = self.conv_mask.in_channels
        return {prefix + "conv_mask_weight": (self.conv_mask.weight, (1, c)), prefix + "conv_mask_bias": (self.conv_mask.bias, None),
                prefix + "add1_weight": (self.add[0].weight, (c // 2, c)), prefix + "add1_bias": (self.add[0].bias, None),
                prefix + "norm_weight": (self.add[1].weight, (c // 2,)), prefix + "norm_bias": (self.add[1].bias, (c // 2,)),
                prefix + "add2_weight": (self.add[3].weight, (c, c // 2)), prefix + "add2_bias": (self.add[3].bias, None)}


def fgd(s, t, boxes, sizes, align=None, gc_s=None, gc_t=None, temperature=0.5, alpha=1e-3, beta=5e-4, gamma=1e-3,
        lam=5e-6, focal=True, transpose=False):
    if align is not None:
        s = align(s)
    n, c, h, w = s.shape
    loss = 0
    if focal:
        s_s, c_s = attention(s, temperature)
        s_t, c_t = attention(t, temperature)
        fg, bg = masks(boxes, sizes, h, w, transpose)
        fg, bg = fg.unsqueeze(1), bg.unsqueeze(1)
        weight = torch.sqrt(s_t.unsqueeze(1)) * torch.sqrt(c_t.unsqueeze(-1).unsqueeze(-1))
        fea_s, fea_t = s * weight, t * weight
        fg_loss = F.mse_loss(fea_s * torch.sqrt(fg), fea_t * torch.sqrt(fg), reduction="sum") / n
        bg_loss = F.mse_loss(fea_s * torch.sqrt(bg), fea_t * torch.sqrt(bg), reduction="sum") / n
        at_loss = torch.sum(torch.abs(c_s - c_t)) / n + torch.sum(torch.abs(s_s - s_t)) / n
        loss = alpha * fg_loss + beta * bg_loss + gamma * at_loss
    if gc_s is not None:
        loss = loss + lam * F.mse_loss(gc_s(s), gc_t(t), reduction="sum") / n
    return loss


def randomize(module, rng, scale=0.3):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)) * scale, dtype=torch.float32))


def case(name, loss_type, rng, s_shape, t_shape, boxes, sizes, options, tol=""):
    focal = loss_type in ("fgd", "fgd-focal")
    glob = loss_type in ("fgd", "fgd-global")
    s_np = rng.standard_normal(s_shape).astype(np.float32)
    t_np = rng.standard_normal(t_shape).astype(np.float32)
    s = torch.tensor(s_np, requires_grad=True)
    t = torch.tensor(t_np)
    named, index = {}, 1
    align = None
    if s_shape[1] != t_shape[1]:
        align = nn.Conv2d(s_shape[1], t_shape[1], 1)
        randomize(align, rng)
        named["%02dalign_weight" % index] = (align.weight, None)
        named["%02dalign_bias" % index] = (align.bias, None)
        index += 1
    gc_s = gc_t = None
    if glob:
        gc_s, gc_t = GcBlock(t_shape[1]), GcBlock(t_shape[1])
        randomize(gc_s, rng)
        randomize(gc_t, rng)
        named.update(gc_s.named("%02dstudent_" % index))
        named.update(gc_t.named("%02dteacher_" % (index + 1)))
    kw = {"temperature": options.get("temperature", 0.5), "alpha": options.get("alpha", 1e-3),
          "beta": options.get("beta", 5e-4), "gamma": options.get("gamma", 1e-3), "lam": options.get("lambda", 5e-6),
          "transpose": options.get("reference-mask-transpose", False)}
    loss = fgd(s, t, boxes, sizes, align, gc_s, gc_t, focal=focal, **kw)
    loss.backward()
    arrays = {"student.p": s_np, "teacher.p": t_np, "expected.loss": loss.detach().numpy().astype(np.float32),
              "expected.grad.student": s.grad.numpy().astype(np.float32)}
    if focal or loss_type == "fgd":
        arrays["boxes"] = boxes.astype(np.float32)
        arrays["image_sizes"] = sizes.astype(np.float32)
    for k, (p, shape) in named.items():
        arrays["param.golden.%s.%s" % (loss_type, k)] = p.detach().numpy().reshape(shape or p.shape).astype(np.float32)
        arrays["expected.grad.param.golden.%s.%s" % (loss_type, k)] = p.grad.numpy().reshape(shape or p.shape).astype(np.float32)
    d = os.path.join(OUT, loss_type)
    os.makedirs(d, exist_ok=True)
    np.savez(os.path.join(d, name + ".npz"), **arrays)
    opts = ", ".join("%s = %s" % (k, str(v).lower() if isinstance(v, bool) else v) for k, v in options.items())
    with open(os.path.join(d, name + ".conf"), "w") as f:
        f.write("# Generated by tools/golden/detection.py; do not edit.\ntype = %s\noptions { %s }\n%s" % (loss_type, opts, tol))


UNIT = {"alpha": 1.0, "beta": 1.0, "gamma": 1.0, "lambda": 1.0}
# At unit weights gradients reach |g| ~ 5: PyTorch's own float32 gradients differ from float64 by up
# to 1.4e-6 there (measured), and conv_mask bias gradients are exactly 0 (softmax is shift-invariant),
# leaving rounding noise on both sides. Hence an absolute tolerance of 1e-5 for these cases.
UNIT_TOL = ("# Unit weights: |grad| up to ~5; float32 vs float64 differs by up to 1.4e-6 in PyTorch itself,\n"
            "# and conv_mask bias gradients are 0 up to rounding noise: atol 1e-5.\ntolerance { atol = 1e-5 }\n")


def main():
    torch.set_num_threads(1)
    rng = np.random.default_rng(31)
    sizes = np.array([[64, 64], [64, 64]], np.float32)
    overlapping = np.array([[[4, 4, 40, 30], [20, 10, 60, 50], [0, 0, 0, 0]],
                            [[10, 30, 30, 62], [0, 0, 0, 0], [0, 0, 0, 0]]], np.float32)
    case("fgd_overlapping_unit", "fgd", rng, (2, 8, 8, 8), (2, 8, 8, 8), overlapping, sizes, UNIT, UNIT_TOL)
    case("fgd_overlapping_defaults", "fgd", rng, (2, 8, 8, 8), (2, 8, 8, 8), overlapping, sizes, {})
    no_boxes = np.array([[[8, 8, 30, 20], [33, 40, 60, 63]], [[0, 0, 0, 0], [0, 0, 0, 0]]], np.float32)
    case("fgd_zero_box_image", "fgd", rng, (2, 8, 8, 8), (2, 8, 8, 8), no_boxes, sizes, UNIT, UNIT_TOL)
    # Several FPN levels of one 128x96 (h x w) non-square image: strides 8, 16, 32.
    wide = np.array([[96, 128], [96, 128]], np.float32)
    wide_boxes = np.array([[[5, 7, 70, 50], [64, 30, 127, 95]], [[30, 10, 90, 80], [0, 0, 0, 0]]], np.float32)
    for h, w in [(12, 16), (6, 8), (3, 4)]:
        case("fgd_level_%dx%d_nonsquare" % (h, w), "fgd", rng, (2, 8, h, w), (2, 8, h, w), wide_boxes, wide, UNIT, UNIT_TOL)
    odd = np.array([[[-10, -5, 30, 20], [50, 50, 80, 90], [12, 12, 12, 40]],
                    [[20, 5, 20.5, 5], [0, 0, 64, 64], [0, 0, 0, 0]]], np.float32)
    case("fgd_clipped_and_degenerate", "fgd", rng, (2, 8, 8, 8), (2, 8, 8, 8), odd, sizes, UNIT, UNIT_TOL)
    case("fgd_align_4to8", "fgd", rng, (2, 4, 8, 8), (2, 8, 8, 8), overlapping, sizes, UNIT, UNIT_TOL)
    case("fgd_reference_transpose", "fgd", rng, (2, 8, 6, 8), (2, 8, 6, 8), wide_boxes, wide,
         dict(UNIT, **{"reference-mask-transpose": True}), UNIT_TOL)
    case("focal_overlapping", "fgd-focal", rng, (2, 8, 8, 8), (2, 8, 8, 8), overlapping, sizes,
         {"alpha": 1.0, "beta": 1.0, "gamma": 1.0, "temperature": 1.0}, UNIT_TOL)
    case("global_only", "fgd-global", rng, (2, 8, 6, 6), (2, 8, 6, 6), overlapping, sizes, {"lambda": 1.0}, UNIT_TOL)
    print("torch", torch.__version__, "- detection golden files written to", OUT)


if __name__ == "__main__":
    main()

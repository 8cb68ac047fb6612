#!/usr/bin/env python3
"""PyTorch eager training loops with distill4j's zoo models and recipes, layer for layer, at the shapes
of `distill bench --train` (cli/.../StepBench.java): 3,840 images of 1x28x28 in batches of 64, three
epochs, an evaluation pass over 640 test images after each epoch, SGD with momentum 0.9 at lr 0.05 on a
cosine schedule to 0 (DJL's CosineTracker, which counts updates from 1), batch norm momentum 0.1.
Prints milliseconds per step (set-up, steps and evaluations over the steps) per recipe, after a discarded
warm-up run of every recipe:

    python tools/bench/train_step.py THREADS
    python tools/bench/train_step.py THREADS --offline ROUNDS
    python tools/bench/train_step.py THREADS --op-profile DIR FIRST STEPS

Run by tools/bench/compare.py --train, alternating with the Java side. With --offline, the same loop's
side of `distill bench --offline`: the KD student reading its teacher's logits stored for every training
sample (one tensor, indexed by the batch's sample indices) against the student alone, the pair run
back to back ROUNDS times; each run's whole time per step and its median step, and their ratios.
With --op-profile, the side of `distill bench --train --op-profile FIRST:STEPS`: every recipe's run with
torch.profiler recording training steps FIRST to FIRST+STEPS-1 (opened after step FIRST-1's backward,
before its update, as the Java listener does), written as Chrome traces DIR/<recipe>/op-profile-<run>.json
for tools/bench/op_profile.py; it also prints each run's median step outside the window, unprofiled.
The loss formulas are those of the golden-value scripts (tools/golden), which the Java losses match to
float tolerance.
"""
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden"))
import detection  # noqa: E402  (FGD: masks, attention, GcBlock)
import features  # noqa: E402  (MGD's generator)

TRAIN, TEST, BATCH, EPOCHS, LR = 3840, 640, 64, 3, 0.05


def conv(cin, cout, stride):
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)


class Residual(nn.Module):
    def __init__(self, cin, c, stride):
        super().__init__()
        self.main = nn.Sequential(conv(cin, c, stride), nn.BatchNorm2d(c), nn.ReLU(), conv(c, c, 1), nn.BatchNorm2d(c))
        self.shortcut = nn.Identity() if stride == 1 else nn.Sequential(nn.Conv2d(cin, c, 1, stride=stride, bias=False),
                                                                        nn.BatchNorm2d(c))

    def forward(self, x):
        return F.relu(self.main(x) + self.shortcut(x))


class TappedNet(nn.Module):
    """distill4j's TappedNet: three stages and a head; forward returns logits, stage1, stage2, stage3."""
    def __init__(self, stages, channels, classes=10):
        super().__init__()
        self.stages = nn.ModuleList(stages)
        self.head = nn.Linear(channels, classes)

    def forward(self, x):
        taps = []
        for s in self.stages:
            x = s(x)
            taps.append(x)
        return [self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))] + taps


def cnn(w):
    block = lambda cin, c, s: nn.Sequential(conv(cin, c, s), nn.BatchNorm2d(c), nn.ReLU())
    return TappedNet([block(1, w, 1), block(w, 2 * w, 2), block(2 * w, 4 * w, 2)], 4 * w)


def resnet(w):
    stem = nn.Sequential(conv(1, w, 1), nn.BatchNorm2d(w), nn.ReLU(), Residual(w, w, 1))
    return TappedNet([stem, Residual(w, 2 * w, 2), Residual(2 * w, 4 * w, 2)], 4 * w)


def data(n, seed):
    g = torch.Generator().manual_seed(seed)
    images = torch.rand(n, 1, 28, 28, generator=g)
    labels = torch.randint(0, 10, (n,), generator=g)
    corner = torch.rand(n, 2, generator=g) * 14
    boxes = torch.cat([corner, corner + 10], dim=1).view(n, 1, 4)
    return images, labels, boxes


def kd(s, t, temperature=2.0):
    return F.kl_div(F.log_softmax(s / temperature, dim=1), F.softmax(t / temperature, dim=1),
                    reduction="batchmean") * temperature ** 2


class Mgd(nn.Module):
    """stage3: conv1x1 (16 -> 64) then MGD with a channel mask (alpha 7e-5, lambda 0.15)."""
    def __init__(self):
        super().__init__()
        self.align = nn.Conv2d(16, 64, 1)
        self.generator = features.Generator(64)

    def forward(self, student, teacher, labels, boxes):
        s, t = self.align(student[3]), teacher[3]
        mask = (torch.rand(s.shape[0], s.shape[1], 1, 1) >= 0.15).float()
        return features.mgd(s, t, self.generator, mask, alpha=7e-5)


class Fgd(nn.Module):
    """stage2: FGD's align conv (8 -> 32), attention masks from the boxes, GcBlocks; the golden script's formula."""
    def __init__(self):
        super().__init__()
        self.align = nn.Conv2d(8, 32, 1)
        self.gc_s, self.gc_t = detection.GcBlock(32), detection.GcBlock(32)

    def forward(self, student, teacher, labels, boxes):
        sizes = torch.full((boxes.shape[0], 2), 28.0)
        return detection.fgd(student[2], teacher[2], boxes, sizes, self.align, self.gc_s, self.gc_t, temperature=0.5,
                             alpha=1e-3, beta=5e-4, gamma=1e-3, lam=5e-6)


class Kd(nn.Module):
    def forward(self, student, teacher, labels, boxes):
        return 0.5 * kd(student[0], teacher[0])


def fit(model, train, test, teacher=None, term=None, epochs=EPOCHS, stored=None, steps_ms=None, profile=None):
    """Trains `model` (and `term`'s trainable parts) `epochs` epochs; returns ms per step. With `stored`,
    the teacher's outputs are read from it by sample index instead of running `teacher`; `steps_ms`
    collects the intervals between consecutive steps of an epoch (the Java side's training step).
    `profile` = (first, steps, file) records those training steps with torch.profiler; the intervals of
    steps inside the window are then left out of `steps_ms`."""
    start = time.perf_counter()
    params = list(model.parameters()) + (list(term.parameters()) if term is not None else [])
    opt = torch.optim.SGD(params, lr=LR, momentum=0.9)
    steps = epochs * (TRAIN // BATCH)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: (1 + math.cos(math.pi * min(k + 1, steps) / steps)) / 2)
    images, labels, boxes = train
    g = torch.Generator().manual_seed(0)
    step = 0
    prof = None
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(TRAIN, generator=g)
        last = None
        for b in range(TRAIN // BATCH):
            idx = order[b * BATCH:(b + 1) * BATCH]
            x, y = images[idx], labels[idx]
            out = model(x)
            loss = F.cross_entropy(out[0], y)
            if stored is not None:
                loss = loss + term(out, (stored[idx],), y, boxes[idx])
            elif teacher is not None:
                with torch.no_grad():
                    t_out = teacher(x)
                loss = loss + term(out, t_out, y, boxes[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            step += 1
            if profile is not None and step == profile[0] - 1:
                prof = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU])  # no shapes, as the Java side
                prof.start()
            if prof is not None and step == profile[0] - 1 + profile[1]:
                prof.stop()
                prof.export_chrome_trace(profile[2])
                prof = None
            opt.step()
            sched.step()
            loss.item()  # the step's loss, as distill4j logs every step
            now = time.perf_counter()
            profiled = profile is not None and profile[0] - 1 <= step <= profile[0] - 1 + profile[1]  # export included
            if steps_ms is not None and last is not None and not profiled:
                steps_ms.append(1000 * (now - last))
            last = now
        model.eval()
        correct = 0
        with torch.no_grad():
            for b in range(0, TEST, BATCH):
                correct += (model(test[0][b:b + BATCH])[0].argmax(1) == test[1][b:b + BATCH]).sum().item()
    return 1000 * (time.perf_counter() - start) / steps


def offline(train, test, rounds):
    """KD from stored teacher logits against the student alone, paired, as `distill bench --offline`."""
    teacher = resnet(16)
    fit(teacher, train, test)
    teacher.eval()
    with torch.no_grad():
        stored = teacher(train[0])[0].clone()  # every training sample's logits, computed once
    fit(cnn(4), train, test)
    fit(cnn(4), train, test, term=Kd(), stored=stored)  # discarded warm-up of both
    rows = {"alone": [], "kd-stored": [], "kd-stored/alone": []}
    for _ in range(rounds):
        times = []
        for stored_or_none in (None, stored):
            steps = []
            whole = fit(cnn(4), train, test, term=Kd() if stored_or_none is not None else None, stored=stored_or_none,
                        steps_ms=steps)
            times.append((whole, sorted(steps)[len(steps) // 2]))
        rows["alone"].append(times[0])
        rows["kd-stored"].append(times[1])
        rows["kd-stored/alone"].append((times[1][0] / times[0][0], times[1][1] / times[0][1]))
    print("%d rounds; each cell: median, lowest, highest round" % rounds)
    print("%-36s %-26s %s" % ("run (ms; a ratio for x/alone)", "whole run / steps", "training step"))
    for name, values in rows.items():
        cells = []
        for column in (0, 1):
            v = sorted(x[column] for x in values)
            cells.append("%8.3f %8.3f %8.3f" % (v[len(v) // 2], v[0], v[-1]))
        print("%-36s %s   %s" % (name, cells[0], cells[1]))


def warm_up(train, test):
    """A discarded warm-up, as the Java side makes: every recipe once (allocator, kernels' first calls)."""
    warm = resnet(16)
    fit(warm, train, test)
    warm.eval()
    for p in warm.parameters():
        p.requires_grad_(False)
    fit(cnn(4), train, test)
    for term in (Kd(), Mgd(), Fgd()):
        fit(cnn(4), train, test, warm, term)


def op_profile(train, test, out, first, steps):
    """Every recipe of main(), each run profiled over the same training steps, after the same warm-up. The
    traces go where `distill bench --train --op-profile` puts its own: OUT/kd/op-profile-teacher.json,
    op-profile-student-alone.json and op-profile-student-distilled.json, OUT/mgd/ and OUT/fgd/ the last."""
    def run(recipe, name, model, teacher=None, term=None):
        os.makedirs(os.path.join(out, recipe), exist_ok=True)
        unprofiled = []
        fit(model, train, test, teacher, term, steps_ms=unprofiled,
            profile=(first, steps, os.path.join(out, recipe, "op-profile-%s.json" % name)))
        print("%-4s %-18s median step outside the window %.3f ms" % (recipe, name, sorted(unprofiled)[len(unprofiled) // 2]))
        sys.stdout.flush()

    warm_up(train, test)
    teacher = resnet(16)
    run("kd", "teacher", teacher)
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    run("kd", "student-alone", cnn(4))
    for recipe, term in (("kd", Kd()), ("mgd", Mgd()), ("fgd", Fgd())):
        run(recipe, "student-distilled", cnn(4), teacher, term)


def main():
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    torch.manual_seed(0)
    train, test = data(TRAIN, 1), data(TEST, 2)
    print("torch %s threads %d" % (torch.__version__, torch.get_num_threads()))
    if len(sys.argv) > 3 and sys.argv[2] == "--offline":
        offline(train, test, int(sys.argv[3]))
        return
    if len(sys.argv) > 5 and sys.argv[2] == "--op-profile":
        op_profile(train, test, sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        return
    warm_up(train, test)
    teacher = resnet(16)
    print("%-10s %10.3f" % ("teacher", fit(teacher, train, test)))
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    print("%-10s %10.3f" % ("alone", fit(cnn(4), train, test)))
    for name, term in (("kd", Kd()), ("mgd", Mgd()), ("fgd", Fgd())):
        print("%-10s %10.3f" % (name, fit(cnn(4), train, test, teacher, term)))
        sys.stdout.flush()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The PyTorch eager baseline of `distill bench`: forward + backward time of every built-in loss at
the same shapes and with the same case names, one process, a fixed number of intra-op threads.

    python3 tools/bench/torch_losses.py [THREADS] [--op-profile DIR FIRST STEPS]

Prints `torch <version> threads <n>`, then one line per case: name, median, min and max in ms.
tools/bench/compare.py runs it next to `distill bench` and prints the ratios. With --op-profile, the
side of `distill bench --op-profile FIRST:STEPS`: torch.profiler records timed runs FIRST to
FIRST+STEPS-1 of every case (without shapes, as the Java side), written as the Chrome traces
DIR/op-profile-<case>.json that the Java side names the same way, for tools/bench/op_profile.py. The formulas are this
project's numerical contract (docs/losses.md), written with plain torch ops as a user would.
"""
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

import op_profile  # beside this script: the traces' names


def kd(s, t, temperature=4.0):
    log_p = F.log_softmax(s / temperature, dim=1)
    q = F.softmax(t / temperature, dim=1)
    return F.kl_div(log_p, q, reduction="batchmean") * temperature ** 2


def dkd(s, t, target, alpha=1.0, beta=8.0, temperature=4.0):
    gt = F.one_hot(target, s.shape[1]).bool()
    p_s = F.softmax(s / temperature, dim=1)
    p_t = F.softmax(t / temperature, dim=1)

    def binary(p):
        target_mass = (p * gt).sum(1, keepdim=True)
        return torch.cat([target_mass, (p * ~gt).sum(1, keepdim=True)], dim=1)

    tckd = F.kl_div(torch.log(binary(p_s)), binary(p_t), reduction="batchmean") * temperature ** 2
    masked_s = F.log_softmax(s / temperature - 1000.0 * gt, dim=1)
    masked_t = F.softmax(t / temperature - 1000.0 * gt, dim=1)
    nckd = F.kl_div(masked_s, masked_t, reduction="batchmean") * temperature ** 2
    return alpha * tckd + beta * nckd


def pearson_rows(a, b):
    a = a - a.mean(dim=1, keepdim=True)
    b = b - b.mean(dim=1, keepdim=True)
    return (a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1) + 1e-8)


def dist(s, t, beta=1.0, gamma=1.0, temperature=1.0):
    y_s = F.softmax(s / temperature, dim=1)
    y_t = F.softmax(t / temperature, dim=1)
    inter = 1 - pearson_rows(y_s, y_t).mean()
    intra = 1 - pearson_rows(y_s.t(), y_t.t()).mean()
    return temperature ** 2 * (beta * inter + gamma * intra)


def mimic(students, teachers):
    return sum(F.mse_loss(s, t) for s, t in zip(students, teachers))


def cwd(students, teachers, tau=1.0):
    total = 0
    for s, t in zip(students, teachers):
        n, c, h, w = s.shape
        s_flat = s.reshape(n * c, h * w) / tau
        t_flat = t.reshape(n * c, h * w) / tau
        p_t = F.softmax(t_flat, dim=1)
        kl = (p_t * (F.log_softmax(t_flat, dim=1) - F.log_softmax(s_flat, dim=1))).sum()
        total = total + kl * tau ** 2 / (n * c)
    return total


def generator(channels):
    return nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(channels, channels, 3, padding=1))


def mgd(students, teachers, generators, lam=0.65, alpha=2e-5):
    total = 0
    for s, t, g in zip(students, teachers, generators):
        n, _, h, w = t.shape
        keep = (torch.rand(n, 1, h, w) <= 1 - lam).float()
        total = total + F.mse_loss(g(s * keep), t, reduction="sum") / n * alpha
    return total


def tat(s, t, query, value):
    q, v = query(s), value(s)
    n, c, h, w = v.shape
    q = q.flatten(2).transpose(1, 2)
    k = t.flatten(2).transpose(1, 2)
    v = v.flatten(2).transpose(1, 2)
    out = torch.softmax(q @ k.transpose(1, 2), dim=-1) @ v
    return F.mse_loss(out.transpose(1, 2).reshape(n, c, h, w), t)


# (DIR, FIRST, STEPS) with --op-profile: the timed runs each case records.
PROFILE = None
# Timed runs per case; TaT's are fewer (each takes ~0.2 s). The profile window must fit the fewest.
ITERATIONS, TAT_ITERATIONS = 30, 10


def timed(name, loss, leaves, iterations=ITERATIONS, warmup=5):
    times = []
    prof = None
    for i in range(warmup + iterations):
        for p in leaves:
            p.grad = None
        if PROFILE is not None and i == warmup + PROFILE[1] - 1:
            prof = torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU])
            prof.start()
        start = time.perf_counter()
        loss().backward()
        elapsed = (time.perf_counter() - start) * 1e3
        if prof is not None and i == warmup + PROFILE[1] - 2 + PROFILE[2]:
            prof.stop()
            prof.export_chrome_trace(os.path.join(PROFILE[0], op_profile.trace_name(name)))
            prof = None
        if i >= warmup:
            times.append(elapsed)
    print(f"{name:28s} {statistics.median(times):9.3f} {min(times):9.3f} {max(times):9.3f}")


def main():
    global PROFILE
    if len(sys.argv) > 5 and sys.argv[2] == "--op-profile":
        os.makedirs(sys.argv[3], exist_ok=True)
        PROFILE = (sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
        if PROFILE[1] < 1 or PROFILE[2] < 1 or PROFILE[1] - 1 + PROFILE[2] > TAT_ITERATIONS:
            # Before any case runs, as distill bench refuses it.
            sys.exit("--op-profile %d %d: give runs inside the %d timed runs of tat[r18 layer4 b64], the case with fewest"
                     % (PROFILE[1], PROFILE[2], TAT_ITERATIONS))
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    torch.manual_seed(0)
    print(f"torch {torch.__version__} threads {torch.get_num_threads()}")
    for n, k in [(64, 100), (256, 1000)]:
        s = torch.randn(n, k, requires_grad=True)
        t = torch.randn(n, k)
        y = torch.randint(0, k, (n,))
        timed(f"kd[{n}x{k}]", lambda: kd(s, t), [s])
        timed(f"dkd[{n}x{k}]", lambda: dkd(s, t, y), [s])
        timed(f"dist[{n}x{k}]", lambda: dist(s, t), [s])
    # The built-in default experiment's own term: KD at T = 2 on 10 classes, batch 64.
    s10 = torch.randn(64, 10, requires_grad=True)
    t10 = torch.randn(64, 10)
    timed("kd[64x10 T2]", lambda: kd(s10, t10, temperature=2.0), [s10])
    # A YOLO-like five-level pyramid (the multi-task feature distillation): batch 8, 320x320 input.
    levels = [(32, 160), (64, 80), (128, 40), (256, 20), (512, 10)]
    students = [torch.randn(8, c, h, h, requires_grad=True) for c, h in levels]
    teachers = [torch.randn(8, c, h, h) for c, h in levels]
    timed("mimic[yolo5lvl b8]", lambda: mimic(students, teachers), students)
    timed("cwd[yolo5lvl b8]", lambda: cwd(students, teachers), students)
    gens = [generator(c) for c, _ in levels[2:]]
    timed("mgd[yolo3lvl b8]", lambda: mgd(students[2:], teachers[2:], gens),
          students[2:] + [p for g in gens for p in g.parameters()])
    # TaT on a ResNet-18 layer4: batch 64, 512x7x7.
    s4 = torch.randn(64, 512, 7, 7, requires_grad=True)
    t4 = torch.randn(64, 512, 7, 7)
    query, value = nn.Conv2d(512, 512, 3, padding=1), nn.Conv2d(512, 512, 3, padding=1)
    timed("tat[r18 layer4 b64]", lambda: tat(s4, t4, query, value),
          [s4] + list(query.parameters()) + list(value.parameters()), iterations=TAT_ITERATIONS)


if __name__ == "__main__":
    main()

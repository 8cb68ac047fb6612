#!/usr/bin/env python3
"""Writes djl/src/test/resources/golden/trajectory.npz: PyTorch's own training loop of a small student
distilled from a small teacher, step by step, for TrajectoryParityTest to replay with distill4j-djl
inside DJL's EasyTrain.fit, without Python.

Two recipes, each 7 epochs of 8 batches (56 steps) over the same 64 images in the same order, SGD
with momentum 0.9 and a fixed learning rate over the student and the distillation's parts:
  kd        task + 0.5 * KD(T=2) on the logits
  kd_mimic  task + 0.5 * KD(T=2) + 0.5 * Mimic(conv1x1(student feature), teacher feature)
Stored: the inputs and labels, every initial weight (named as DJL names them), the total loss of
every step and every final weight, per recipe.

    python3 -m venv V && V/bin/pip install torch==2.13.0 && V/bin/python tools/golden/trajectory.py
(numpy is not needed: the .npy entries are written by hand.)
"""
import io
import os
import struct
import zipfile

import torch
import torch.nn.functional as F
from torch import nn

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(REPO, "djl", "src", "test", "resources", "golden", "trajectory.npz")
N, BATCH, EPOCHS, SIDE, CLASSES, LR, T = 64, 8, 7, 12, 10, 0.05, 2.0


def net(width):
    """conv(w) relu conv(2w, stride 2) relu | pool flatten linear: DJL's 01Conv2d .. 07Linear."""
    return nn.ModuleDict({
        "01Conv2d": nn.Conv2d(1, width, 3, padding=1),
        "03Conv2d": nn.Conv2d(width, 2 * width, 3, stride=2, padding=1),
        "07Linear": nn.Linear(2 * width, CLASSES),
    })


def forward(m, x):
    feature = F.relu(m["03Conv2d"](F.relu(m["01Conv2d"](x))))
    return m["07Linear"](feature.mean(dim=(2, 3))), feature


def params(prefix, m):
    return {f"{prefix}.{k}_{p}": v.detach().clone() for k, layer in m.items() for p, v in layer.named_parameters()}


def npy(t):
    t = t.detach().contiguous().to(torch.float32 if t.is_floating_point() else torch.int64)
    descr = "<f4" if t.dtype == torch.float32 else "<i8"
    shape = "(" + "".join(f"{d}, " for d in t.shape) + ")" if t.dim() != 1 else f"({t.shape[0]},)"
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    fmt = "<%d%s" % (t.numel(), "f" if descr == "<f4" else "q")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + struct.pack(fmt, *t.flatten().tolist())


def run(recipe, x, y, teacher, student0):
    student = net(4)
    student.load_state_dict(student0.state_dict())
    adapter = nn.Conv2d(8, 16, 1)
    torch.manual_seed(2)
    nn.init.normal_(adapter.weight, std=0.1)
    nn.init.zeros_(adapter.bias)
    out = {f"{recipe}.init.feat.conv1x1.weight": adapter.weight.detach().clone(),
           f"{recipe}.init.feat.conv1x1.bias": adapter.bias.detach().clone()}
    trained = list(student.parameters()) + (list(adapter.parameters()) if recipe == "kd_mimic" else [])
    opt = torch.optim.SGD(trained, lr=LR, momentum=0.9)
    losses = []
    for _ in range(EPOCHS):
        for b in range(N // BATCH):
            xb, yb = x[b * BATCH:(b + 1) * BATCH], y[b * BATCH:(b + 1) * BATCH]
            with torch.no_grad():
                t_logits, t_feature = forward(teacher, xb)
            s_logits, s_feature = forward(student, xb)
            total = F.cross_entropy(s_logits, yb)
            kd = F.kl_div(F.log_softmax(s_logits / T, 1), F.softmax(t_logits / T, 1), reduction="batchmean") * T * T
            total = total + 0.5 * kd
            if recipe == "kd_mimic":
                total = total + 0.5 * F.mse_loss(adapter(s_feature), t_feature)
            opt.zero_grad()
            total.backward()
            opt.step()
            losses.append(total.item())
    out[f"{recipe}.losses"] = torch.tensor(losses)
    out.update({k.replace("student.", f"{recipe}.final.student.", 1): v for k, v in params("student", student).items()})
    if recipe == "kd_mimic":
        out[f"{recipe}.final.feat.conv1x1.weight"] = adapter.weight.detach().clone()
        out[f"{recipe}.final.feat.conv1x1.bias"] = adapter.bias.detach().clone()
    return out


def main():
    torch.manual_seed(0)
    x = torch.randn(N, 1, SIDE, SIDE)
    y = torch.randint(0, CLASSES, (N,))
    teacher, student = net(8).eval(), net(4)
    arrays = {"inputs": x, "labels": y}
    arrays.update(params("teacher", teacher))
    arrays.update(params("student", student))
    for recipe in ("kd", "kd_mimic"):
        arrays.update(run(recipe, x, y, teacher, student))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with zipfile.ZipFile(OUT, "w", zipfile.ZIP_STORED) as z:
        for k, v in arrays.items():
            z.writestr(k + ".npy", npy(v))
    print(f"{OUT}: {len(arrays)} arrays, torch {torch.__version__}")


if __name__ == "__main__":
    main()

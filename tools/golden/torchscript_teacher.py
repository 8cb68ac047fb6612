#!/usr/bin/env python3
"""Writes cli/src/test/resources/torchscript-teacher.pt: a small traced CNN whose forward returns
(logits, stage1, stage2, stage3), the test fixture of `train.teacher.torchscript`. Random weights:
the test checks loading and wiring, not accuracy.  /usr/bin/python3 tools/golden/torchscript_teacher.py"""
import os

import torch
import torch.nn as nn

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Teacher(nn.Module):
    def __init__(self):
        super().__init__()
        self.s1 = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU())
        self.s2 = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU())
        self.s3 = nn.Sequential(nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU())
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        a = self.s1(x)
        b = self.s2(a)
        c = self.s3(b)
        return self.head(c.mean(dim=(2, 3))), a, b, c


if __name__ == "__main__":
    torch.manual_seed(0)
    traced = torch.jit.trace(Teacher().eval(), torch.zeros(1, 1, 28, 28))
    traced.save(os.path.join(REPO, "cli/src/test/resources/torchscript-teacher.pt"))

"""Writes the small TorchScript models the examples and tests load (committed next to this script).

    python3 -m venv V && V/bin/pip install torch==2.13.0 && V/bin/python make_torchscript.py

tiny-teacher-dict.pt   forward(x) -> {"logits": (N, 10), "feature": (N, 16, 14, 14)}
tiny-teacher-tuple.pt  forward(x) -> (logits, feature), the same network
tiny-student.pt        forward(x) -> (logits, feature (N, 8, 14, 14)), trainable from Java
Inputs are (N, 1, 28, 28) images. Weights come from torch.manual_seed, so reruns write the same files.
"""
from typing import Dict, Tuple

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, width, 3, padding=1), nn.ReLU())
        self.stage = nn.Sequential(nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.ReLU())
        self.head = nn.Linear(2 * width, 10)

    def features(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        f = self.stage(self.stem(x))
        return self.head(f.mean(dim=(2, 3))), f


class TupleNet(Net):
    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        return self.features(x)


class DictNet(Net):
    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        logits, f = self.features(x)
        return {"logits": logits, "feature": f}


def main() -> None:
    torch.manual_seed(0)
    teacher = DictNet(8).eval()
    torch.jit.script(teacher).save("tiny-teacher-dict.pt")
    as_tuple = TupleNet(8).eval()
    as_tuple.load_state_dict(teacher.state_dict())
    torch.jit.script(as_tuple).save("tiny-teacher-tuple.pt")
    torch.manual_seed(1)
    torch.jit.script(TupleNet(4)).save("tiny-student.pt")


if __name__ == "__main__":
    main()

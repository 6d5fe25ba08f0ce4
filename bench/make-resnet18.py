#!/usr/bin/env python3
"""Writes torchvision ResNet-18 (num_classes=10) as ONNX for the line benchmark.

Random init from a seed, batch-norm running statistics randomized (so that batch-norm is not the
identity), eval mode, exported at 1x3x32x32 with torch.onnx.export (TorchScript exporter).
Also writes three seeded points in [0, 1]^3072 (-points.json: the line's and the slice's anchors) and
the weights as .npz (-weights.npz: the PyTorch peer's copy, loaded without torchvision).

    /usr/bin/python3 bench/make-resnet18.py --out bench/networks/resnet18-c10.onnx --seed 0
"""
import argparse
import json

import torch
import torchvision

ap = argparse.ArgumentParser()
ap.add_argument("--out", required=True)
ap.add_argument("--seed", type=int, default=0)
a = ap.parse_args()

torch.manual_seed(a.seed)
model = torchvision.models.resnet18(num_classes=10)
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.2, 0.2)
model.eval()
x = torch.randn(1, 3, 32, 32)
torch.onnx.export(model, x, a.out, input_names=["input"], output_names=["logits"], opset_version=13)
g = torch.Generator().manual_seed(a.seed + 1)
ends = torch.rand(3, 3 * 32 * 32, generator=g, dtype=torch.float64)
with open(a.out.rsplit(".", 1)[0] + "-points.json", "w") as f:
    json.dump({"points": ends.tolist()}, f)
import numpy as np

np.savez(a.out.rsplit(".", 1)[0] + "-weights.npz", **{k: v.numpy() for k, v in model.state_dict().items()})
print(a.out)

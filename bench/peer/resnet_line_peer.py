#!/usr/bin/env python3
"""The way people count linear pieces along a segment today: a PyTorch CPU loop of batched forward
passes at N equally spaced points, with hooks on every ReLU (and the max-pool's argmax), counting
the changes of the activation pattern between neighbouring points. N doubles from 64 until the
count reaches `--target` (our exact count); the figure is the time of that last N's loop.

ResNet-18 (torchvision's architecture, written out here so that the peer venv needs no
torchvision) with the weights of bench/networks/resnet18-c10-weights.npz, eval mode.

    .peer/venv/bin/python bench/peer/resnet_line_peer.py --weights W.npz --points P.json --length 0.77 --target 296
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu2 = nn.ReLU()
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu2(y + (x if self.downsample is None else self.downsample(x)))


class ResNet18(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        chans = [64, 128, 256, 512]
        cin = 64
        for i, c in enumerate(chans):
            setattr(self, f"layer{i + 1}", nn.Sequential(Block(cin, c, 1 if i == 0 else 2), Block(c, c, 1)))
            cin = c
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def load(path):
    net = ResNet18()
    w = np.load(path)
    sd = {}
    for k in net.state_dict():
        # torchvision names the second ReLU of a block like the first (one module used twice).
        sd[k] = torch.from_numpy(w[k])
    net.load_state_dict(sd)
    return net.eval()


def count(net, x0, x1, n, batch, dtype):
    codes = []

    def relu_hook(_m, _inp, out):
        codes.append((out > 0).flatten(1))

    def pool_hook(m, inp, _out):
        _, idx = F.max_pool2d(inp[0], m.kernel_size, m.stride, m.padding, return_indices=True)
        codes.append(idx.flatten(1))

    hooks = [m.register_forward_hook(relu_hook) for m in net.modules() if isinstance(m, nn.ReLU)]
    hooks.append(net.maxpool.register_forward_hook(pool_hook))
    changes = 0
    prev = None
    t0 = time.perf_counter()
    with torch.no_grad():
        for s in range(0, n, batch):
            t = torch.arange(s, min(n, s + batch), dtype=dtype) / (n - 1)
            xs = x0[None] + t[:, None] * (x1 - x0)[None]
            codes.clear()
            net(xs.reshape(-1, 3, 32, 32))
            c = torch.cat([k.to(torch.int64) for k in codes], 1)
            if prev is not None:
                c = torch.cat([prev, c], 0)
            changes += int((c[1:] != c[:-1]).any(1).sum())
            prev = c[-1:]
    secs = time.perf_counter() - t0
    for h in hooks:
        h.remove()
    return changes + 1, secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--points", required=True)
    ap.add_argument("--length", type=float, default=0.77)
    ap.add_argument("--target", type=int, required=True)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--dtype", default="float32")
    ap.add_argument("--max-n", type=int, default=1 << 20)
    a = ap.parse_args()
    torch.set_num_threads(2)
    dtype = getattr(torch, a.dtype)
    net = load(a.weights).to(dtype)
    pts = json.load(open(a.points))["points"]
    x0 = torch.tensor(pts[0], dtype=torch.float64)
    d = torch.tensor(pts[1], dtype=torch.float64) - x0
    x1 = x0 + d / d.norm() * a.length
    x0, x1 = x0.to(dtype), x1.to(dtype)
    n = 64
    while True:
        pieces, secs = count(net, x0, x1, n, a.batch, dtype)
        if pieces >= a.target or n >= a.max_n:
            break
        n *= 2
    print(json.dumps({"n": n, "pieces": pieces, "seconds": secs, "pieces_per_second": pieces / secs, "dtype": a.dtype}))


if __name__ == "__main__":
    main()

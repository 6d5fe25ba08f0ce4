#!/usr/bin/env python3
"""Table 5.1 protocol variants, estimated with PyTorch (an independent reference for `polytope reproduce table-5.1`).

The printed cell is the number of initializations until one trains to MSE < threshold, a geometric
variable with the cell's per-try success probability p. This script trains K independent networks per
cell at once (batched matrices, one SGD step = one step of each of the K networks, each with its own
mini-batch order) and estimates p; the expected count is 1/p and the probability of the printed
value n is (1 - p)^(n-1) p. Variants:

  batch   mini-batch size (100 = full batch: 200 epochs are then 200 steps)
  init    'pytorch' (nn.Linear default: U(±1/√fan_in) for weights and biases), 'kaiming' (He normal
          weights, zero biases), 'xavier' (Glorot uniform weights, zero biases)
  thr     success threshold on the training MSE (0.45 in the text, 0.5 in the caption)
  data    'grid' (100 uniform points) ; the test MSE on 1,000 points is reported as well

Usage: table51-variants.py --batch 100 --init pytorch --trials 1000 --out runs/v.json [--widths 1-10 --depths 1-10]
Deterministic for a given --seed (CPU, one thread).
"""
import argparse
import json
import math
import time

import torch


def rng_list(s):
    out = []
    for part in s.split(','):
        if '-' in part:
            a, b = part.split('-')
            out += list(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


def init_params(K, sizes, init, gen):
    Ws, bs = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        if init == 'pytorch':
            bound = 1.0 / math.sqrt(fan_in)
            W = (torch.rand(K, fan_out, fan_in, generator=gen, dtype=torch.float64) * 2 - 1) * bound
            b = (torch.rand(K, fan_out, 1, generator=gen, dtype=torch.float64) * 2 - 1) * bound
        elif init == 'kaiming':
            W = torch.randn(K, fan_out, fan_in, generator=gen, dtype=torch.float64) * math.sqrt(2.0 / fan_in)
            b = torch.zeros(K, fan_out, 1, dtype=torch.float64)
        elif init == 'xavier':
            bound = math.sqrt(6.0 / (fan_in + fan_out))
            W = (torch.rand(K, fan_out, fan_in, generator=gen, dtype=torch.float64) * 2 - 1) * bound
            b = torch.zeros(K, fan_out, 1, dtype=torch.float64)
        else:
            raise SystemExit(f'unknown init {init}')
        Ws.append(W.requires_grad_())
        bs.append(b.requires_grad_())
    return Ws, bs


def forward(Ws, bs, X):
    # X: [K, 1, B]
    h = X
    for i, (W, b) in enumerate(zip(Ws, bs)):
        h = torch.baddbmm(b, W, h)
        if i < len(Ws) - 1:
            h = torch.relu(h)
    return h  # [K, 1, B]


def run_cell(width, depth, a, gen):
    K = a.trials
    sizes = [1] + [width] * depth + [1]
    Ws, bs = init_params(K, sizes, a.init, gen)
    x = torch.linspace(-math.pi, math.pi, 100, dtype=torch.float64)
    y = torch.sin(x)
    n = x.numel()
    params = Ws + bs
    for _epoch in range(a.epochs):
        perm = torch.argsort(torch.rand(K, n, generator=gen), dim=1)
        for s in range(0, n, a.batch):
            idx = perm[:, s : s + a.batch]
            xb = x[idx].unsqueeze(1)
            yb = y[idx].unsqueeze(1)
            out = forward(Ws, bs, xb)
            # Sum over networks of each network's mean loss: each network gets its own gradient.
            loss = ((out - yb) ** 2).mean(dim=(1, 2)).sum()
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g in zip(params, grads):
                    p -= a.lr * g
    with torch.no_grad():
        out = forward(Ws, bs, x.expand(K, 1, n))
        mse = ((out - y) ** 2).mean(dim=(1, 2))
        xt = torch.linspace(-math.pi, math.pi, 1000, dtype=torch.float64)
        outt = forward(Ws, bs, xt.expand(K, 1, 1000))
        mse_test = ((outt - torch.sin(xt)) ** 2).mean(dim=(1, 2))
        # A network that did not train at all: output constant over the data (every path dead).
        const = (out.amax(dim=(1, 2)) - out.amin(dim=(1, 2))) <= 1e-12
    mse = torch.nan_to_num(mse, nan=math.inf)
    ok45 = int((mse < 0.45).sum())
    ok50 = int((mse < 0.5).sum())
    return {
        'width': width,
        'depth': depth,
        'trials': K,
        'success_045': ok45,
        'success_050': ok50,
        'success_test_050': int((torch.nan_to_num(mse_test, nan=math.inf) < 0.5).sum()),
        'constant': int(const.sum()),
        'median_mse': float(mse.median()),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batch', type=int, default=10)
    ap.add_argument('--init', default='pytorch')
    ap.add_argument('--lr', type=float, default=0.1)
    ap.add_argument('--epochs', type=int, default=200)
    ap.add_argument('--trials', type=int, default=1000)
    ap.add_argument('--widths', default='1-10')
    ap.add_argument('--depths', default='1-10')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    torch.set_num_threads(1)
    cells = []
    t0 = time.time()
    for w in rng_list(a.widths):
        for d in rng_list(a.depths):
            gen = torch.Generator().manual_seed(a.seed * 100000 + w * 100 + d)
            c = run_cell(w, d, a, gen)
            cells.append(c)
            print(json.dumps(c), flush=True)
            with open(a.out, 'w') as f:
                json.dump({'variant': {k: getattr(a, k) for k in ('batch', 'init', 'lr', 'epochs', 'trials', 'seed')}, 'cells': cells, 'seconds': time.time() - t0}, f)


if __name__ == '__main__':
    main()

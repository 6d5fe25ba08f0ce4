"""PyTorch CPU peer for bench/batched-train.bench.mjs: N tiny MLPs of one shape trained together.

The same batched work as polytope-lens's `trainBatched` without early exit: one weight tensor per
layer with the networks stacked ([N, out, in]), torch.bmm for every layer, leaky ReLU, BCE with
logits (mean over each network's samples, summed over networks so each network gets its own
gradient), torch.optim.Adam(lr) on the stacked tensors, full batch of the 2^n points of {-1,1}^n.

Usage: python batched_train_peer.py --threads T --dtype float32|float64 --epochs E --shapes 10x3x1000,3x1x1000
Prints one JSON object per shape: {"width","depth","networks","network_epochs_per_s","network_epochs_per_cpu_s"}
(the second divides by the process CPU time, robust to other processes on a shared machine).
"""
import argparse
import json
import time

import torch


def run(width, depth, nets, epochs, dtype, n_in=4, alpha=0.1):
    g = torch.Generator().manual_seed(0)
    pts = torch.tensor([[1.0 if (k >> (n_in - 1 - i)) & 1 else -1.0 for i in range(n_in)] for k in range(1 << n_in)], dtype=dtype)
    y = torch.tensor([bin(k).count('1') % 2 for k in range(1 << n_in)], dtype=dtype)
    S = pts.shape[0]
    dims = [n_in] + [width] * depth + [1]
    params = []
    for a, b in zip(dims[:-1], dims[1:]):
        w = (torch.randn(nets, a, b, generator=g, dtype=dtype) * (2.0 / a) ** 0.5).requires_grad_()
        params += [w, torch.zeros(nets, 1, b, dtype=dtype, requires_grad=True)]
    opt = torch.optim.Adam(params, lr=0.025)
    x0 = pts.unsqueeze(0).expand(nets, S, n_in)
    yy = y.unsqueeze(0).expand(nets, S)

    def epoch():
        h = x0
        for l in range(len(dims) - 1):
            h = torch.baddbmm(params[2 * l + 1], h, params[2 * l])
            if l < len(dims) - 2:
                h = torch.nn.functional.leaky_relu(h, alpha)
        logits = h.squeeze(2)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, yy, reduction='none').mean(1).sum()
        (logits.detach() > 0)  # accuracy, as the batched trainer computes it
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(5):
        epoch()
    best = float('inf')
    best_cpu = float('inf')
    for _ in range(3):
        t = time.perf_counter()
        c = time.process_time()
        for _ in range(epochs):
            epoch()
        best = min(best, time.perf_counter() - t)
        best_cpu = min(best_cpu, time.process_time() - c)
    return nets * epochs / best, nets * epochs / best_cpu


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--dtype', default='float32')
    p.add_argument('--epochs', type=int, default=50)
    p.add_argument('--shapes', default='10x3x1000')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    dtype = getattr(torch, a.dtype)
    for spec in a.shapes.split(','):
        w, d, n = (int(v) for v in spec.split('x'))
        rate, cpu_rate = run(w, d, n, a.epochs, dtype)
        print(json.dumps({'width': w, 'depth': d, 'networks': n, 'dtype': a.dtype, 'threads': a.threads,
                          'torch': torch.__version__, 'network_epochs_per_s': rate,
                          'network_epochs_per_cpu_s': cpu_rate}), flush=True)


if __name__ == '__main__':
    main()

"""PyTorch CPU peer for `polytope coefficients`: per-sample Jacobians J_i and offsets y_i = f(x_i) - J_i x_i.

    .peer/venv/bin/python bench/peer/coefficients_peer.py NETWORK.json IMAGES-IDX [--rows N] [--threads 2]
        [--batch 500] [--dtype float64|float32|both] [--save-first K --save-dir DIR]

Builds a torch.nn.Sequential from one of our `polytope-lens/network@1` files (write it from the ONNX
model with `polytope inspect MODEL --network-json` or the bench script, so both sides run the same
weights), reads the first N images of an IDX file as pixel / 255 (as `polytope --idx` does) and times
two ways to get every sample's full Jacobian (o × d) and offset:

- `vmap`: torch.func.vmap(torch.func.jacrev(f)) over the batch;
- `autograd`: one forward pass of the batch, then o backward passes of sum_b f(x_b)[r] (samples are
  independent, so the gradient of the sum with respect to x_b is row r of J_b).

Prints one JSON line: samples per second (wall) and per CPU-second (process time, all threads) per method and dtype (the medians are over batches of the
same run; the whole set is processed once per method after a warm-up batch). `--save-first K` writes
the float64 Jacobians and offsets of the first K samples (`jacobians.npy` K × o × d, `offsets.npy`)
so that the caller can compare them with ours.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch


def build(doc, dtype):
    layers = []
    shape = list(doc['input']['shape'])
    for spec in doc['layers']:
        t = spec['type']
        if t == 'channel_affine':
            scale = torch.tensor(spec['scale'], dtype=dtype)
            shift = torch.tensor(spec['shift'], dtype=dtype)
            view = [-1] + [1] * (len(shape) - 1)

            class ChannelAffine(torch.nn.Module):
                def __init__(self, s, b):
                    super().__init__()
                    self.s = s.view(view)
                    self.b = b.view(view)

                def forward(self, x):
                    return x * self.s + self.b

            layers.append(ChannelAffine(scale, shift))
        elif t == 'flatten':
            layers.append(torch.nn.Flatten(start_dim=-len(shape)))
            shape = [int(np.prod(shape))]
        elif t == 'dense':
            w = torch.tensor(spec['weight'], dtype=dtype)
            lin = torch.nn.Linear(w.shape[1], w.shape[0]).to(dtype)
            with torch.no_grad():
                lin.weight.copy_(w)
                lin.bias.copy_(torch.tensor(spec['bias'], dtype=dtype))
            layers.append(lin)
            shape = [w.shape[0]]
        elif t == 'relu':
            layers.append(torch.nn.ReLU())
        elif t == 'leaky_relu':
            layers.append(torch.nn.LeakyReLU(spec.get('alpha', 0.01)))
        elif t == 'conv2d':
            w = torch.tensor(spec['weight'], dtype=dtype)
            stride = spec.get('stride', 1)
            padding = spec.get('padding', 0)
            dilation = spec.get('dilation', 1)
            groups = spec.get('groups', 1)
            conv = torch.nn.Conv2d(w.shape[1] * groups, w.shape[0], tuple(w.shape[2:]), stride, padding, dilation, groups).to(dtype)
            with torch.no_grad():
                conv.weight.copy_(w)
                conv.bias.copy_(torch.tensor(spec['bias'], dtype=dtype))
            layers.append(conv)
            with torch.no_grad():
                shape = list(conv(torch.zeros([1] + shape, dtype=dtype)).shape[1:])
        elif t == 'maxpool':
            pool = torch.nn.MaxPool2d(spec['kernel_size'], spec.get('stride'), spec.get('padding', 0))
            layers.append(pool)
            with torch.no_grad():
                shape = list(pool(torch.zeros([1] + shape, dtype=dtype)).shape[1:])
        else:
            raise SystemExit(json.dumps({'error': f'layer type {t} is not handled by this peer'}))
    return torch.nn.Sequential(*layers).eval()


def read_idx_images(path, n):
    with open(path, 'rb') as fh:
        data = fh.read()
    count = int.from_bytes(data[4:8], 'big')
    rows = int.from_bytes(data[8:12], 'big')
    cols = int.from_bytes(data[12:16], 'big')
    n = min(n, count)
    px = np.frombuffer(data, dtype=np.uint8, count=n * rows * cols, offset=16).reshape(n, 1, rows, cols)
    return px.astype(np.float64) / 255.0


def jac_vmap(model, x):
    def f(v):
        return model(v.unsqueeze(0)).squeeze(0)

    jac = torch.func.vmap(torch.func.jacrev(f))(x)
    with torch.no_grad():
        y = model(x)
    return jac.reshape(x.shape[0], y.shape[1], -1), y


def jac_autograd(model, x):
    x = x.detach().requires_grad_(True)
    y = model(x)
    rows = []
    for r in range(y.shape[1]):
        (g,) = torch.autograd.grad(y[:, r].sum(), x, retain_graph=r + 1 < y.shape[1])
        rows.append(g.reshape(x.shape[0], -1))
    return torch.stack(rows, dim=1), y.detach()


def run(model, xs, batch, method):
    fn = jac_vmap if method == 'vmap' else jac_autograd
    fn(model, xs[:batch])  # warm-up
    c0 = time.process_time()
    t0 = time.perf_counter()
    for s in range(0, xs.shape[0], batch):
        x = xs[s : s + batch]
        jac, y = fn(model, x)
        # offsets y - J x, as our command writes them
        _ = y - torch.einsum('bod,bd->bo', jac, x.reshape(x.shape[0], -1))
    return time.perf_counter() - t0, time.process_time() - c0


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument('network')
    ap.add_argument('images')
    ap.add_argument('--rows', type=int, default=10000)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--batch', type=int, default=500)
    ap.add_argument('--dtype', default='both', choices=['float64', 'float32', 'both'])
    ap.add_argument('--methods', default='vmap,autograd')
    ap.add_argument('--save-first', type=int, default=0)
    ap.add_argument('--save-dir', default='.')
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    with open(args.network) as fh:
        doc = json.load(fh)
    images = read_idx_images(args.images, args.rows)
    out = {'samples': int(images.shape[0]), 'threads': args.threads, 'batch': args.batch, 'torch': torch.__version__, 'results': []}
    dtypes = ['float64', 'float32'] if args.dtype == 'both' else [args.dtype]
    for name in dtypes:
        dtype = torch.float64 if name == 'float64' else torch.float32
        model = build(doc, dtype)
        xs = torch.tensor(images, dtype=dtype)
        for method in args.methods.split(','):
            seconds, cpu = run(model, xs, args.batch, method)
            out['results'].append(
                {
                    'dtype': name,
                    'method': method,
                    'seconds': seconds,
                    'cpu_seconds': cpu,
                    'samples_per_second': xs.shape[0] / seconds,
                    'samples_per_cpu_second': xs.shape[0] / cpu,
                }
            )
    if args.save_first > 0:
        model = build(doc, torch.float64)
        x = torch.tensor(images[: args.save_first], dtype=torch.float64)
        jac, y = jac_autograd(model, x)
        off = y - torch.einsum('bod,bd->bo', jac, x.reshape(x.shape[0], -1))
        os.makedirs(args.save_dir, exist_ok=True)
        np.save(os.path.join(args.save_dir, 'jacobians.npy'), jac.detach().numpy())
        np.save(os.path.join(args.save_dir, 'offsets.npy'), off.detach().numpy())
    out['loadavg_1m'] = os.getloadavg()[0]
    print(json.dumps(out))


if __name__ == '__main__':
    main(sys.argv[1:])

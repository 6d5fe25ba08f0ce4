#!/usr/bin/python3
"""Reference fixtures for the torchvision CNNs, made by real PyTorch.

Run with Debian's python3 (bookworm: python3-torch 1.13, python3-torchvision 0.14, python3-onnx):

    /usr/bin/python3 scripts/torchvision-fixtures.py [--out DIR] [MODEL ...]

For each model (default: all eight) it writes into DIR/MODEL/ (default DIR: fixtures/torchvision/,
git-ignored):

- model.onnx        torch.onnx.export with the defaults a user gets (TorchScript exporter, the default
                    opset, constant folding: batch-norm is fused into the convolutions in float32);
- inputs.npy        float64 [K, C, H, W]: K seeded points;
- outputs.npy       float64 [K, 10]: the logits at those points, from the model in float64;
- jacobians.npy     float64 [2, 10, C*H*W]: d(logits)/d(input) at the first two, by torch.autograd;
- line.npy          float64 [2, C, H, W]: the end points A, B of a short segment;
- meta.json         shapes, versions, ONNX op counts, and the line case: the number of maximal runs of
                    constant activation code among `sampled_points` equally spaced points of [A, B]
                    (code: the sign of every ReLU input, the piece of every ReLU6 input, the argmax of
                    every max-pool window; recorded on every call, functional ones included), and
                    `sampled_changes`: the pairs (i, i + 1) of sample indices (t = i / (points - 1))
                    between which the code changes: each must hold an exact breakpoint.

The float64 references come from the same float32 weights the ONNX file holds. Batch-norm statistics
are set as a trained model's would be (from the channel statistics of each BN's input), randomized
(so it is not the identity) and made dyadic, with a dyadic epsilon, so that the exporter's float32
conv/batch-norm fusion is exact: the fused ONNX weights then equal the float64
model's, and a float64 evaluation of the ONNX file must match the references to rounding (~1e-12).
The script checks this exactness, and that it saw as many ReLU/ReLU6/max-pool calls as the ONNX graph
has Relu/Clip/MaxPool nodes.

Idempotent: a model whose meta.json records this script's hash is skipped.
"""

import argparse
import copy
import hashlib
import json
import math
import os
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
import onnx

MODELS = {
    'resnet18': (lambda: torchvision.models.resnet18(num_classes=10), (3, 32, 32)),
    'resnet50': (lambda: torchvision.models.resnet50(num_classes=10), (3, 32, 32)),
    'mobilenet_v2': (lambda: torchvision.models.mobilenet_v2(num_classes=10), (3, 32, 32)),
    'squeezenet1_1': (lambda: torchvision.models.squeezenet1_1(num_classes=10), (3, 32, 32)),
    'densenet121': (lambda: torchvision.models.densenet121(num_classes=10), (3, 32, 32)),
    'shufflenet_v2_x1_0': (lambda: torchvision.models.shufflenet_v2_x1_0(num_classes=10), (3, 32, 32)),
    'googlenet': (lambda: torchvision.models.googlenet(num_classes=10, aux_logits=False, init_weights=True), (3, 32, 32)),
    'inception_v3': (lambda: torchvision.models.inception_v3(num_classes=10, aux_logits=False, init_weights=True), (3, 75, 75)),
}
NUM_POINTS = 3  # reference inputs per model (outputs at all, Jacobians at the first JACOBIAN_POINTS)
JACOBIAN_POINTS = 2
LINE_POINTS = 256  # dense samples on the segment (float64 convolutions are slow on the CPU)
LINE_PIECES = 3  # about this many pieces on the segment (keeps the exact line short)
SEARCH_POINTS = 400  # samples of the float32 search for the segment's length
BN_EPS = 2.0**-10  # replaces BatchNorm2d's eps (1e-5; googlenet and inception_v3: 1e-3)
CALIBRATION_BATCH = 8


def script_hash():
    with open(__file__, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()[:16]


def randomize_batchnorm(model, shape, gen):
    """Batch-norm statistics as after training, randomized, on dyadic values.

    One eval-mode pass over CALIBRATION_BATCH random inputs sets, BN by BN in execution order (so
    each sees its input as the BNs before it leave it), running mean and variance from that input's
    channel statistics, randomized (variance times 2**U(-1, 1), mean plus 0.2 standard deviations
    of noise) and made dyadic: eps = 2**-10 and var + eps = 4**k exactly, mean and beta on a 2**-10
    grid, gamma = +-2**j (j in -1, 0, 1). Activations stay of order one through the deep models.
    """
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]

    def calibrate(m, inputs):
        x = inputs[0].double()
        c = m.num_features
        mean = x.mean(dim=(0, 2, 3))
        std = x.var(dim=(0, 2, 3), unbiased=False).sqrt()
        var = std**2 * 2.0 ** (2 * torch.rand(c, generator=gen, dtype=torch.float64) - 1)
        k = torch.round(torch.log(var.clamp(min=4.0**-5)) / math.log(4)).clamp(-5, 7)
        j = torch.randint(-1, 2, (c,), generator=gen).double()
        sign = torch.where(torch.rand(c, generator=gen) < 0.85, 1.0, -1.0).double()
        noisy_mean = mean + 0.2 * std * torch.randn(c, generator=gen, dtype=torch.float64)
        m.eps = BN_EPS
        m.running_var.copy_((4.0**k - BN_EPS).float())
        m.running_mean.copy_((torch.round(noisy_mean * 1024) / 1024).float())
        m.weight.data.copy_((sign * 2.0**j).float())
        m.bias.data.copy_((torch.round(0.2 * torch.randn(c, generator=gen, dtype=torch.float64) * 1024) / 1024).float())
        check_exact_fusion(m)

    hooks = [m.register_forward_pre_hook(calibrate) for m in bns]
    model.eval()
    with torch.no_grad():
        model(torch.randn(CALIBRATION_BATCH, *shape, generator=gen))
    for h in hooks:
        h.remove()


def check_exact_fusion(bn):
    """The exporter fuses conv+BN in float32: scale = gamma / sqrt(var + eps), b = beta - mean * scale."""
    var, gamma, mean, beta = bn.running_var, bn.weight.detach(), bn.running_mean, bn.bias.detach()
    s32 = gamma / torch.sqrt(var + bn.eps)
    s64 = gamma.double() / torch.sqrt(var.double() + bn.eps)
    b32 = beta - mean * s32
    b64 = beta.double() - mean.double() * s64
    if not (torch.equal(s32.double(), s64) and torch.equal(b32.double(), b64)):
        raise RuntimeError('batch-norm fusion is not exact in float32')


class CodeRecorder:
    """Records the activation code of every ReLU, ReLU6 (hardtanh) and max-pool call, functional ones included."""

    def __init__(self):
        self.codes = None
        self.counts = {'relu': 0, 'hardtanh': 0, 'max_pool2d': 0}
        self._orig = {}

    def __enter__(self):
        orig_relu, orig_hardtanh, orig_mp = F.relu, F.hardtanh, F.max_pool2d_with_indices
        self._orig = {'relu': F.relu, 'hardtanh': F.hardtanh, 'max_pool2d': F.max_pool2d}
        rec = self

        def relu(input, inplace=False):
            rec._add('relu', input > 0)
            return orig_relu(input, inplace=inplace)

        def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
            rec._add('hardtanh', (input > min_val).to(torch.int8) + (input >= max_val).to(torch.int8))
            return orig_hardtanh(input, min_val, max_val, inplace)

        def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
            out, idx = orig_mp(input, kernel_size, stride, padding, dilation, ceil_mode, True)
            rec._add('max_pool2d', idx)
            return (out, idx) if return_indices else out

        F.relu, F.hardtanh, F.max_pool2d = relu, hardtanh, max_pool2d
        return self

    def __exit__(self, *exc):
        F.relu, F.hardtanh, F.max_pool2d = self._orig['relu'], self._orig['hardtanh'], self._orig['max_pool2d']

    def start(self):
        self.codes = []
        self.counts = {k: 0 for k in self.counts}

    def _add(self, kind, code):
        if self.codes is not None:
            self.codes.append(code.reshape(code.shape[0], -1))
            self.counts[kind] += 1


def code_changes(model, a, b, n, chunk=100):
    """Flags [n-1]: whether the code differs between consecutive ones of n equally spaced points of [a, b]."""
    ts = torch.linspace(0.0, 1.0, n, dtype=a.dtype)
    flags, last, counts = [], None, None
    with CodeRecorder() as rec, torch.no_grad():
        for s in range(0, n, chunk):
            t = ts[s : s + chunk].reshape(-1, 1, 1, 1)
            rec.start()
            model(a.unsqueeze(0) * (1 - t) + b.unsqueeze(0) * t)
            counts = dict(rec.counts)
            changed = torch.zeros(t.shape[0] - (1 if last is None else 0), dtype=torch.bool)
            for i, code in enumerate(rec.codes):
                rows = code if last is None else torch.cat([last[i], code])
                changed |= (rows[1:] != rows[:-1]).any(dim=1)
            flags.append(changed)
            last = [code[-1:] for code in rec.codes]
    return torch.cat(flags), counts


def count_pieces(model, a, b, n):
    """Maximal runs of constant code among n equally spaced points of [a, b], the sample index pairs
    (i, i + 1) between which the code changes, and the activation calls seen."""
    flags, counts = code_changes(model, a, b, n)
    changes = [[i, i + 1] for i in torch.nonzero(flags).flatten().tolist()]
    return 1 + len(changes), changes, counts


def onnx_op_counts(path):
    ops = {}
    for node in onnx.load(path, load_external_data=False).graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    return ops


def jacobians(model, xs):
    out = []
    for x in xs:
        X = x.unsqueeze(0).repeat(10, 1, 1, 1).requires_grad_(True)
        y = model(X)
        y.diagonal().sum().backward()
        out.append(X.grad.reshape(10, -1).clone())
    return torch.stack(out)


def choose_line(model32, a, gen):
    """A short segment from a in a random direction, about LINE_PIECES pieces long (searched in float32)."""
    u = torch.randn(a.shape, generator=gen, dtype=torch.float64)
    u /= u.norm()
    length = 0.1
    for _ in range(12):
        flags, _ = code_changes(model32, a.float(), (a + length * u).float(), SEARCH_POINTS)
        where = torch.nonzero(flags).flatten().tolist()  # change between sample i and i + 1
        if len(where) > LINE_PIECES:
            # end halfway between the (LINE_PIECES - 1)-th and the LINE_PIECES-th change
            t = (where[LINE_PIECES - 2] + where[LINE_PIECES - 1] + 1) / 2 / (SEARCH_POINTS - 1)
            return a + t * length * u, t * length
        length *= 4
    raise RuntimeError('no segment with enough pieces found')


def generate(name, out_root, digest):
    make, shape = MODELS[name]
    folder = os.path.join(out_root, name)
    meta_path = os.path.join(folder, 'meta.json')
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            if json.load(f).get('script_hash') == digest:
                print(f'{name}: up to date')
                return
    os.makedirs(folder, exist_ok=True)
    t0 = time.time()
    seed = zlib.crc32(name.encode())
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = make()
    randomize_batchnorm(model, shape, gen)
    onnx_path = os.path.join(folder, 'model.onnx')
    torch.onnx.export(model, torch.zeros(1, *shape), onnx_path, input_names=['input'], output_names=['logits'])
    t_export = time.time() - t0

    model32 = copy.deepcopy(model)
    model.double()  # the float32 weights, exactly, in float64
    xs = torch.randn(NUM_POINTS, *shape, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        ys = model(xs)
    t1 = time.time()
    jac = jacobians(model, xs[:JACOBIAN_POINTS])
    t2 = time.time()
    b, length = choose_line(model32, xs[0], gen)
    t3 = time.time()
    pieces, changes, counts = count_pieces(model, xs[0], b, LINE_POINTS)

    ops = onnx_op_counts(onnx_path)
    expected = {'relu': ops.get('Relu', 0), 'hardtanh': ops.get('Clip', 0), 'max_pool2d': ops.get('MaxPool', 0)}
    if counts != expected:
        raise RuntimeError(f'{name}: recorded activation calls {counts} but the ONNX graph has {expected}')

    np.save(os.path.join(folder, 'inputs.npy'), xs.numpy())
    np.save(os.path.join(folder, 'outputs.npy'), ys.numpy())
    np.save(os.path.join(folder, 'jacobians.npy'), jac.numpy())
    np.save(os.path.join(folder, 'line.npy'), torch.stack([xs[0], b]).numpy())
    meta = {
        'model': name,
        'input_shape': list(shape),
        'num_classes': 10,
        'seed': seed,
        'torch': torch.__version__,
        'torchvision': torchvision.__version__,
        'opset': onnx.load(onnx_path, load_external_data=False).opset_import[0].version,
        'onnx_ops': ops,
        'activation_calls': counts,
        'line': {'length': length, 'sampled_points': LINE_POINTS, 'sampled_pieces': pieces, 'sampled_changes': changes},
        'output_scale': float(ys.abs().max()),
        'seconds': {
            'export': round(t_export, 2),
            'jacobians': round(t2 - t1, 2),
            'line_search': round(t3 - t2, 2),
            'line_count': round(time.time() - t3, 2),
            'total': round(time.time() - t0, 2),
        },
        'script_hash': digest,
    }
    with open(meta_path + '.tmp', 'w') as f:
        json.dump(meta, f, indent=1)
    os.replace(meta_path + '.tmp', meta_path)  # written last: its presence marks a complete fixture
    print(f'{name}: {pieces} sampled pieces on a segment of length {length:.4g}, {meta["seconds"]["total"]} s', flush=True)


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default=os.path.join(root, 'fixtures', 'torchvision'))
    parser.add_argument('models', nargs='*', default=list(MODELS))
    args = parser.parse_args()
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        sys.exit(f'unknown model(s): {", ".join(unknown)}; known: {", ".join(MODELS)}')
    digest = script_hash()
    for name in args.models:
        generate(name, args.out, digest)


if __name__ == '__main__':
    main()

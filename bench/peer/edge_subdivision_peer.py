#!/usr/bin/env python3
"""Times the published "edge subdivision" region extractor (Berzins, ICML 2023) on one of our networks.

    python bench/peer/edge_subdivision_peer.py NETWORK.json --box -1,1,-1,1 --repeat 5

Reads a `polytope-lens/network@1` MLP with 2 inputs (dense, relu, dense, relu, ..., dense), builds the
peer's `NN.Net` with the same weights, runs the peer's `edge_subdivision.skeletal_subdivision` over the
box once as a warm-up and then `--repeat` timed runs, and prints one JSON line:

    {"regions": N, "seconds_median": s, "seconds_min": s, "regions_per_second": r, ...}

`regions` counts the activation regions of the hidden ReLU units (what Polytope Lens counts): the peer
is given only the dense layers that feed a ReLU. The peer natively also cuts along the zero set of the
output unit; `--include-output` gives it the last dense layer too (that counts the output's sign pieces).

The peer returns the 1-skeleton (vertices, edges) of the subdivided box. The box is a connected plane
graph, so by Euler's formula its 2-cells number E - V + 1; `--check-faces` also enumerates the faces with
the peer's `complex.build_parents` (slow, untimed) and checks the two counts agree.

Precision: `--dtype float64` (default) runs the network and all new vertices in float64; the peer casts
the box corners to float32 (exact for the corners used here) and type promotion lifts everything after
that to float64. `--dtype float32` is the peer's own default. The peer's source is not part of this
repository: see bench/peer/README.md for where to put it (`--peer-dir`, default .peer/relu_edge_subdivision).
"""
import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('network', help='polytope-lens/network@1 JSON file (2 inputs, dense/relu layers)')
    p.add_argument('--box', default='-1,1,-1,1', help='xmin,xmax,ymin,ymax (default -1,1,-1,1)')
    p.add_argument('--repeat', type=int, default=5, help='timed runs after one warm-up (default 5)')
    p.add_argument('--warmup', type=int, default=1, help='untimed runs first (default 1; 0 for very large networks)')
    p.add_argument('--dtype', choices=['float64', 'float32'], default='float64')
    p.add_argument('--threads', type=int, default=2, help='torch.set_num_threads (default 2)')
    p.add_argument('--include-output', action='store_true',
                   help="also cut along the last dense layer's zero set (the peer's own use)")
    p.add_argument('--check-faces', action='store_true',
                   help="cross-check the region count with the peer's complex.build_parents (slow)")
    p.add_argument('--peer-dir', default=os.environ.get('PEER_DIR', os.path.join(REPO, '.peer', 'relu_edge_subdivision')))
    # '--box -1,1,-1,1': argparse would read the value as an option, so glue it on as '--box=-1,1,-1,1'.
    argv = list(argv)
    for i in range(len(argv) - 1):
        if argv[i] == '--box':
            argv[i:i + 2] = [f'--box={argv[i + 1]}']
            break
    args = p.parse_args(argv)
    try:
        box = [float(s) for s in args.box.split(',')]
    except ValueError:
        p.error(f'--box must be four numbers xmin,xmax,ymin,ymax, got {args.box!r}')
    if len(box) != 4 or not (box[0] < box[1] and box[2] < box[3]):
        p.error(f'--box must be xmin,xmax,ymin,ymax with xmin < xmax and ymin < ymax, got {args.box!r}')
    if args.repeat < 1 or args.warmup < 0:
        p.error('--repeat must be at least 1 and --warmup at least 0')
    args.box = box
    return args


def read_mlp(path, include_output):
    """Our network JSON → list of (weight out×in, bias) for the layers whose outputs the peer cuts along."""
    with open(path) as fh:
        doc = json.load(fh)
    if doc.get('format') != 'polytope-lens/network@1':
        sys.exit(f'{path}: "format" must be "polytope-lens/network@1", got {doc.get("format")!r}')
    if list(doc.get('input', {}).get('shape', [])) != [2]:
        sys.exit(f'{path}: input shape must be [2] (the peer here is run on 2-D boxes), got {doc.get("input")!r}')
    dense, relu_after = [], []
    for i, layer in enumerate(doc['layers']):
        t = layer.get('type')
        if t == 'dense':
            if len(dense) > len(relu_after):
                sys.exit(f'{path}: layer {i}: two dense layers in a row; this adapter takes dense, relu, dense, relu, ..., dense')
            if 'inputs' in layer:
                sys.exit(f'{path}: layer {i}: "inputs" (DAG networks) is not supported by this adapter')
            dense.append((layer['weight'], layer.get('bias')))
        elif t == 'relu':
            if len(dense) != len(relu_after) + 1:
                sys.exit(f'{path}: layer {i}: relu must follow a dense layer')
            relu_after.append(True)
        elif t in ('identity', 'dropout'):
            continue
        else:
            sys.exit(f'{path}: layer {i}: type {t!r} is not supported (only dense and relu)')
    if not dense:
        sys.exit(f'{path}: no dense layer')
    cut = dense[:len(relu_after)]
    if include_output and len(dense) > len(relu_after):
        cut.append(dense[-1])
    if not cut:
        sys.exit(f'{path}: no dense layer feeds a ReLU, so there is nothing to cut along (try --include-output)')
    return cut


def main(argv):
    args = parse_args(argv)
    layers = read_mlp(args.network, args.include_output)

    sys.path.insert(0, args.peer_dir)
    try:
        import torch
        from NN import Net
        from edge_subdivision import get_e_sv, skeletal_subdivision
    except ImportError as e:
        sys.exit(f'cannot import torch or the peer from {args.peer_dir}: {e} (see bench/peer/README.md)')

    torch.set_num_threads(args.threads)
    dtype = torch.float64 if args.dtype == 'float64' else torch.float32
    # The peer allocates with the default dtype (torch.empty in eval_block and in the main loop).
    torch.set_default_dtype(dtype)

    class CastNet(Net):
        """The peer's Net; only casts its input (the peer makes the box corners float32) to our dtype."""

        def eval_block(self, x, device='cpu'):
            return super().eval_block(x.to(dtype), device=device)

    xmin, xmax, ymin, ymax = args.box
    ks = [2] + [len(w) for w, _ in layers]
    f = CastNet(ks)
    square = xmin == ymin and xmax == ymax
    with torch.no_grad():
        for fc, (w, b) in zip(f.fcs, layers):
            fc.weight.copy_(torch.tensor(w, dtype=torch.float64))
            fc.bias.copy_(torch.tensor(b, dtype=torch.float64) if b is not None else torch.zeros(len(w), dtype=torch.float64))
        if square:
            bbox = (xmin, xmax)
        else:
            # The peer only takes a cube [lo, hi]^d: run it on [0, 1]^2 and fold x = lo + u * (hi - lo)
            # into the first layer (same regions, affinely mapped).
            lo = torch.tensor([xmin, ymin], dtype=torch.float64)
            span = torch.tensor([xmax - xmin, ymax - ymin], dtype=torch.float64)
            w0 = f.fcs[0].weight.to(torch.float64)
            f.fcs[0].bias.add_((w0 @ lo).to(dtype))
            f.fcs[0].weight.copy_(w0 * span[None, :])
            bbox = (0.0, 1.0)

    def run_once():
        log = io.StringIO()  # the peer prints a warning for every non-generic (vertex-on-hyperplane) step
        with torch.no_grad(), contextlib.redirect_stdout(log):
            t0 = time.perf_counter()
            vs, edges, v_sv = skeletal_subdivision(f, bbox=bbox, device='cpu', verbose=False)
            dt = time.perf_counter() - t0
        return dt, vs, edges, v_sv, log.getvalue().count('Warning:')

    load_before = os.getloadavg()[0]
    try:
        times = []
        for i in range(args.warmup + args.repeat):
            dt, vs, edges, v_sv, warnings = run_once()
            if i >= args.warmup:
                times.append(dt)
    except (RuntimeError, IndexError, AssertionError) as e:
        # The peer assumes a generic arrangement; rounding can break that (e.g. in float32) and it then fails.
        print(json.dumps({'error': f'peer failed: {type(e).__name__}: {e}', 'dtype': args.dtype, 'widths': ks}))
        sys.exit(1)
    regions = len(edges) - len(vs) + 1  # Euler: V - E + F = 1 for the bounded faces of a connected plane graph

    out = {
        'regions': regions,
        'seconds_median': statistics.median(times),
        'seconds_min': min(times),
        'regions_per_second': regions / statistics.median(times),
        'vertices': len(vs),
        'edges': len(edges),
        'dtype': args.dtype,
        'threads': args.threads,
        'repeat': args.repeat,
        'warmup': args.warmup,
        'widths': ks,
        'box': args.box,
        # > 0: the peer met a vertex exactly on a hyperplane, which it does not handle; distrust `regions`.
        'nongeneric_warnings': warnings,
        # 1-minute load average before and after: the machine is shared, so a high value flags noisy timings.
        'loadavg_1m': [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    if args.check_faces:
        from complex import build_parents
        try:
            faces = len(build_parents(get_e_sv(v_sv, edges), 2)[0])
        except RuntimeError as e:  # edges with more than one zero in their sign vector (non-generic)
            faces = None
            print(f'warning: the peer could not enumerate faces: {e}', file=sys.stderr)
        out['faces_enumerated'] = faces
        if faces != regions:
            print(f'warning: Euler count {regions} != enumerated faces {faces}', file=sys.stderr)
    print(json.dumps(out))


if __name__ == '__main__':
    main(sys.argv[1:])

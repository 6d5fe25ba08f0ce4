#!/usr/bin/env python3
"""Compares Table 5.1's printed cells with per-try success rates estimated by table51-variants.py.

A printed count n is one draw of a geometric variable: P(N = n) = (1 − p)^(n−1) p, and "–" means
N > 1000: P = (1 − p)^1000. For each variant (a JSON-lines log of table51-variants.py and a success
column) this prints, per cell, the estimate p̂ = successes / trials, the expected count 1/p̂, and the
two-sided tail probability of the printed value (how surprising the printed value is under that
variant: min(P(N ≤ n), P(N ≥ n)) × 2, capped at 1). p̂ = 0 is replaced by 0.5 / trials.

Usage: table51-compare.py NAME=LOG[:COLUMN] ...   (COLUMN: success_045 (default), success_050,
success_test_050, nonconstant). p̂ is clamped to [0.5, trials − 0.5] / trials.
"""
import json
import math
import sys

PRINTED = {
    1: [1, 1, 3, 4, 1, 18, 51, 333, None, None],
    2: [1, 1, 1, 2, 1, 3, 14, 54, 39, 392],
    3: [1, 1, 1, 1, 1, 5, 2, 13, 7, 502],
    4: [1, 1, 1, 1, 1, 2, 2, 33, 76, None],
    5: [1, 1, 1, 1, 1, 1, 2, 6, 50, 599],
    6: [1, 1, 1, 1, 1, 1, 2, 6, 70, 112],
    7: [1, 1, 1, 1, 1, 1, 3, 9, 55, 444],
    8: [1, 1, 1, 1, 1, 1, 1, 3, 2, 428],
    9: [1, 1, 1, 1, 1, 1, 1, 1, 30, None],
    10: [1, 1, 1, 1, 1, 1, 1, 5, 91, 171],
}
LIMIT = 1000


def tail(p, n):
    """Two-sided tail probability of the printed value n (None: > LIMIT) under Geometric(p)."""
    if n is None:
        return (1 - p) ** LIMIT
    le = 1 - (1 - p) ** n  # P(N <= n)
    ge = (1 - p) ** (n - 1)  # P(N >= n)
    return min(1.0, 2 * min(le, ge))


def load(spec):
    name, rest = spec.split('=', 1)
    path, _, col = rest.partition(':')
    col = col or 'success_045'
    cells = {}
    for line in open(path):
        line = line.strip()
        if not line.startswith('{'):
            continue
        c = json.loads(line)
        k = c['trials'] - c['constant'] if col == 'nonconstant' else c[col]
        cells[(c['width'], c['depth'])] = (k, c['trials'])
    return name, cells


def main():
    variants = [load(s) for s in sys.argv[1:]]
    keys = sorted({k for _, cells in variants for k in cells})
    head = '| width | depth | printed | ' + ' | '.join(f'{n}: p̂ · 1/p̂ · tail' for n, _ in variants) + ' |'
    print(head)
    print('|' + '---|' * (3 + len(variants)))
    loglik = {n: 0.0 for n, _ in variants}
    low = {n: 0 for n, _ in variants}
    used = 0
    for w, d in keys:
        printed = PRINTED[w][d - 1]
        row = [str(w), str(d), '–' if printed is None else str(printed)]
        common = all((w, d) in cells for _, cells in variants)
        used += common
        for n, cells in variants:
            if (w, d) not in cells:
                row.append('not run')
                continue
            k, t = cells[(w, d)]
            p = min(max(k, 0.5), t - 0.5) / t
            tp = tail(p, printed)
            ll = LIMIT * math.log(1 - p) if printed is None else (printed - 1) * math.log(1 - p) + math.log(p)
            if common:
                loglik[n] += ll
                low[n] += tp < 0.05
            row.append(f'{k}/{t} · {1 / p:.0f} · {tp:.2f}')
        print('| ' + ' | '.join(row) + ' |')
    print()
    print(f'Cells run in every variant (the sums below): {used}.')
    for n, _ in variants:
        print(f'- {n}: log-likelihood of the printed cells {loglik[n]:.1f}; cells with tail probability < 0.05: {low[n]}')


if __name__ == '__main__':
    main()

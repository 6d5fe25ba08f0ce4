/**
 * `polytope reproduce fig-5.4 | fig-5.5` end to end on tiny protocols (in this process). The checks
 * are independent of the partition code: chord slopes of sin derived by hand, and the MSE recomputed
 * from the exported pieces against the MSE the trainer's forward pass reports.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/run-cli.js';

interface Fit {
  lines: number;
  regions: number;
  linear_pieces: number;
  mse: number;
  pieces: { x0: number; x1: number; slope: number; intercept: number }[];
}

describe('polytope reproduce fig-5.4', () => {
  it('writes the 1-, 3- and 9-line interpolants with exactly that many pieces and their chord coefficients', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'polytope-f54-')), 'f');
    const r = await runCli(['reproduce', 'fig-5.4', '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    for (const ext of ['svg', 'png']) expect(existsSync(join(out, `fig-5.4.${ext}`))).toBe(true);
    const json = JSON.parse(readFileSync(join(out, 'fig-5.4.json'), 'utf8')) as { fits: Fit[] };
    expect(json.fits.map((f) => [f.lines, f.regions, f.linear_pieces])).toEqual([
      [1, 1, 1],
      [3, 3, 3],
      [9, 9, 9],
    ]);
    for (const fit of json.fits) {
      const h = (2 * Math.PI) / fit.lines;
      fit.pieces.forEach((p, i) => {
        const a = -Math.PI + i * h;
        const b = a + h;
        // Hand-derived: the line through (a, sin a) and (b, sin b).
        const slope = (Math.sin(b) - Math.sin(a)) / h;
        expect(p.slope).toBeCloseTo(slope, 10);
        expect(p.intercept).toBeCloseTo(Math.sin(a) - slope * a, 10);
      });
    }
    // Eq. 5.16's baseline: the 1-line interpolant is the zero function, MSE ≈ 0.5 on the grid.
    expect(json.fits[0]!.mse).toBeCloseTo(0.4995, 4);
    expect(json.fits[2]!.mse).toBeLessThan(json.fits[1]!.mse);
  });
});

interface Cell {
  width: number;
  depth: number;
  initializations: number;
  succeeded: boolean;
  testMse: number | null;
  regions: number;
  linearPieces: number;
  pieces: [number, number, number, number][];
}

describe('polytope reproduce fig-5.5', () => {
  it('measures each cell: pieces tile [−π, π], the function they define is continuous and has the reported MSE', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'polytope-f55-')), 'f');
    const common = ['--widths', '1,3', '--depths', '1,2', '--runs', '3', '--max-epochs', '4', '--threads', '1', '--quiet'];
    const r = await runCli(['reproduce', 'fig-5.5', ...common, '--extra-epochs', '6', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    for (const ext of ['svg', 'png', 'md']) expect(existsSync(join(out, `fig-5.5.${ext}`))).toBe(true);
    const cells = (JSON.parse(readFileSync(join(out, 'fig-5.5.json'), 'utf8')) as { cells: Cell[] }).cells;
    expect(cells.map((c) => [c.width, c.depth])).toEqual([
      [1, 1],
      [1, 2],
      [3, 1],
      [3, 2],
    ]);
    for (const c of cells) {
      expect(c.testMse).not.toBeNull();
      expect(c.regions).toBe(c.pieces.length);
      expect(c.linearPieces).toBeLessThanOrEqual(c.regions);
      // Along a line each hidden layer of w units splits every piece at most w times: ≤ (w + 1)^d regions.
      expect(c.regions).toBeLessThanOrEqual((c.width + 1) ** c.depth);
      expect(c.pieces[0]![0]).toBeCloseTo(-Math.PI, 12);
      expect(c.pieces[c.pieces.length - 1]![1]).toBeCloseTo(Math.PI, 12);
      for (let i = 1; i < c.pieces.length; i++) {
        const [, x1, s, a] = c.pieces[i - 1]!;
        const [x0, , s2, a2] = c.pieces[i]!;
        expect(x0).toBe(x1);
        expect(a + s * x1).toBeCloseTo(a2 + s2 * x0, 9); // continuity at the breakpoint
      }
      // The MSE on the 1,000 test points, from the exact pieces, equals the trainer's (forward pass).
      let sq = 0;
      for (let k = 0; k < 1000; k++) {
        const x = -Math.PI + (2 * Math.PI * k) / 999;
        const p = c.pieces.find((q) => x <= q[1]) ?? c.pieces[c.pieces.length - 1]!;
        sq += (p[3] + p[2] * x - Math.sin(x)) ** 2;
      }
      expect(sq / 1000).toBeCloseTo(c.testMse!, 5);
    }
    // The counts are Table 5.1's for the same seeds and protocol.
    const t = await runCli(['reproduce', 'table-5.1', ...common, '--out', out]);
    expect(t.code, t.stderr).toBe(0);
    const t51 = (JSON.parse(readFileSync(join(out, 'table-5.1.json'), 'utf8')) as { cells: { initializations: number | null }[] }).cells;
    cells.forEach((c, i) => expect(c.succeeded ? c.initializations : null).toBe(t51[i]!.initializations));
  });
});

/**
 * The figure of `polytope prune` (dissertation Figs. 3.11/3.12): test accuracy against the fraction
 * of conv/dense weights remaining, one curve for magnitude pruning and one for structural pruning,
 * each structural point annotated with the channels left in each conv layer.
 */
import { esc } from './style.js';

/** One point of a curve: remaining weight fraction, test accuracy, and (structural) channels per layer. */
export interface PrunePoint {
  readonly fraction: number;
  readonly accuracy: number;
  readonly channels?: readonly number[];
}

/**
 * Accuracy (%) against the remaining fraction of weights (linear, 100 % on the left decreasing to
 * the right); structural points are labelled with their channels per conv layer (at most ~16 labels).
 *
 * @example
 * pruneFigureSvg({ original: 0.98, magnitude: [{ fraction: 0.5, accuracy: 0.97 }], structural: [] });
 */
export function pruneFigureSvg(d: {
  readonly original: number;
  readonly magnitude: readonly PrunePoint[];
  readonly structural: readonly PrunePoint[];
  readonly title?: string;
}): string {
  const W = 760;
  const H = 480;
  const M = { l: 60, r: 30, t: 40, b: 90 };
  // Linear axis, 100 % on the left down to 0 % on the right (the dissertation's reading direction).
  const x = (f: number) => M.l + (1 - f) * (W - M.l - M.r);
  const y = (a: number) => M.t + (1 - a) * (H - M.t - M.b);
  let body = `<line x1="${M.l}" y1="${M.t}" x2="${M.l}" y2="${H - M.b}" stroke="black"/><line x1="${M.l}" y1="${H - M.b}" x2="${W - M.r}" y2="${H - M.b}" stroke="black"/>`;
  for (let a = 0; a <= 1.0001; a += 0.2)
    body += `<text x="${M.l - 6}" y="${y(a).toFixed(1)}" text-anchor="end" dominant-baseline="middle">${Math.round(a * 100)}</text>`;
  for (let t = 10; t >= 0; t--) {
    const xf = x(t / 10).toFixed(1);
    body += `<line x1="${xf}" y1="${H - M.b}" x2="${xf}" y2="${H - M.b + 5}" stroke="black"/><text x="${xf}" y="${H - M.b + 18}" text-anchor="middle">${t * 10}%</text>`;
  }
  body += `<line x1="${M.l}" y1="${y(d.original).toFixed(1)}" x2="${W - M.r}" y2="${y(d.original).toFixed(1)}" stroke="#888" stroke-dasharray="4 3"/>`;
  const curve = (pts: readonly PrunePoint[], color: string, label: string, row: number): void => {
    const all = [{ fraction: 1, accuracy: d.original }, ...pts];
    body += `<polyline points="${all.map((p) => `${x(p.fraction).toFixed(1)},${y(p.accuracy).toFixed(1)}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`;
    // At most about 16 labels (every k-th point and the last), so they do not pile up.
    const every = Math.max(1, Math.ceil(pts.length / 16));
    pts.forEach((p, i) => {
      body += `<circle cx="${x(p.fraction).toFixed(1)}" cy="${y(p.accuracy).toFixed(1)}" r="3" fill="${color}"/>`;
      if (p.channels && (i % every === every - 1 || i === pts.length - 1))
        body += `<text x="${(x(p.fraction) + 3).toFixed(1)}" y="${(y(p.accuracy) + 4).toFixed(1)}" font-size="8" fill="${color}" transform="rotate(60 ${(x(p.fraction) + 3).toFixed(1)} ${(y(p.accuracy) + 4).toFixed(1)})">${esc(p.channels.join('-'))}</text>`;
    });
    body += `<line x1="${M.l + 20}" y1="${H - M.b + 52 + 14 * row}" x2="${M.l + 44}" y2="${H - M.b + 52 + 14 * row}" stroke="${color}" stroke-width="2"/><text x="${M.l + 50}" y="${H - M.b + 56 + 14 * row}">${esc(label)}</text>`;
  };
  if (d.magnitude.length > 0)
    curve(d.magnitude, '#1f77b4', 'magnitude pruning (smallest |w| removed, global over conv + dense weights)', 0);
  if (d.structural.length > 0)
    curve(d.structural, '#d62728', 'structural pruning (greedy channel removal; label: channels per conv layer)', 1);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif" font-size="12">` +
    `<rect width="${W}" height="${H}" fill="white"/>` +
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${esc(d.title ?? 'Pruning: test accuracy against weights remaining')}</text>` +
    `<text x="14" y="${(M.t + H - M.b) / 2}" transform="rotate(-90 14 ${(M.t + H - M.b) / 2})" text-anchor="middle">test accuracy (%)</text>` +
    `<text x="${(M.l + W - M.r) / 2}" y="${H - M.b + 36}" text-anchor="middle">fraction of conv + dense weights remaining (dashed: unpruned accuracy)</text>` +
    body +
    '</svg>\n'
  );
}

/**
 * Figures of the Boolean training studies: a rectangular grid heat map (Fig. 3.5's success grids,
 * rows depth, columns width, a number in every cell).
 */

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A heat map of `values[row][col]` on [lo, hi] (white → dark blue), the value printed in each cell.
 *
 * @example
 * gridHeatmapSvg('successes', ['1', '2'], ['2', '3'], [[10, 50], [40, 90]], [0, 100]);
 */
export function gridHeatmapSvg(
  title: string,
  rowLabels: readonly string[],
  colLabels: readonly string[],
  values: readonly (readonly (number | null)[])[],
  range: readonly [number, number],
  axis: { rows: string; cols: string } = { rows: 'depth', cols: 'width' },
): string {
  const [lo, hi] = range;
  const cell = 44;
  const left = 70;
  const top = 56;
  const W = left + colLabels.length * cell + 20;
  const H = top + rowLabels.length * cell + 50;
  let body = '';
  colLabels.forEach((c, j) => (body += `<text x="${left + j * cell + cell / 2}" y="${top - 8}" text-anchor="middle">${esc(c)}</text>`));
  rowLabels.forEach((r, i) => {
    body += `<text x="${left - 8}" y="${top + i * cell + cell / 2}" text-anchor="end" dominant-baseline="middle">${esc(r)}</text>`;
    colLabels.forEach((_, j) => {
      const v = values[i]?.[j] ?? null;
      const t = v === null || !(hi > lo) ? 0 : Math.max(0, Math.min(1, (v - lo) / (hi - lo)));
      const fill = v === null ? '#eee' : `rgb(${Math.round(255 - 220 * t)},${Math.round(255 - 180 * t)},${Math.round(255 - 80 * t)})`;
      body += `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="${fill}" stroke="white"/>`;
      if (v !== null) {
        const text = Number.isInteger(v) ? String(v) : v.toFixed(1);
        body += `<text x="${left + j * cell + cell / 2}" y="${top + i * cell + cell / 2}" text-anchor="middle" dominant-baseline="middle" font-size="11" fill="${t > 0.6 ? 'white' : 'black'}">${text}</text>`;
      }
    });
  });
  body += `<text x="${left + (colLabels.length * cell) / 2}" y="${top - 26}" text-anchor="middle" font-size="11">${esc(axis.cols)}</text>`;
  body += `<text x="14" y="${top + (rowLabels.length * cell) / 2}" transform="rotate(-90 14 ${top + (rowLabels.length * cell) / 2})" text-anchor="middle" font-size="11">${esc(axis.rows)}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif" font-size="12">` +
    `<rect width="${W}" height="${H}" fill="white"/><text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>` +
    body +
    '</svg>\n'
  );
}

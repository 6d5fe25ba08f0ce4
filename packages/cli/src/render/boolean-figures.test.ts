import { describe, expect, it } from 'vitest';
import { lossCurvesSvg, thresholdCountsSvg } from './boolean-figures.js';
import { svgToPng } from './png.js';

describe('Fig. 3.10 loss curves', () => {
  const curves = [
    { units: [0], loss: [2, 1.5, 1, 1], solved: false },
    { units: [0, 1], loss: [1, 0.8, 0.7, 0.7], solved: false },
    { units: [0, 1, 2], loss: [0.5, 0.25, 0.1], solved: true },
  ];
  const svg = lossCurvesSvg('test', curves);
  const paths = [...svg.matchAll(/<path d="(M[^"]*)" stroke="([^"]+)" stroke-width="([\d.]+)" stroke-opacity/g)]; // curves, not the legend

  it('draws every curve in both panels, solved ones thick, and counts the solved per width', () => {
    expect(paths.length).toBe(6);
    expect(paths.filter((p) => p[3] === '2.4').length).toBe(2);
    expect(svg).toContain('width 3 (1/1 solved)');
    expect(svg).toContain('width 1 (0/1 solved)');
    expect(svg.split('<svg').length - 1).toBe(4); // the figure + 3 panels
  });

  it('places points on the data scale; the zoom panel clips loss > 1 to its top', () => {
    // the width-1 curve (first path of each panel): epoch 0 at the left edge x = 64; panel 1 spans 0…2, panel 2 0…1
    const pts = (d: string) => [...d.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const [p1, p2] = [pts(paths[0]![1]!), pts(paths[3]![1]!)];
    const top = 34;
    const h = 330 - 34 - 56;
    expect(p1[0]).toEqual([64, top]); // loss 2 = the maximum: the top edge
    expect(p1[2]![1]).toBeCloseTo(top + h / 2, 1); // loss 1: half way
    expect(p2[0]![1]).toBeCloseTo(top, 1); // loss 2 clipped to 1 in the zoom
    expect(p2[2]![1]).toBeCloseTo(top, 1);
    expect(p1[3]![0]).toBeCloseTo(64 + (440 - 80), 1); // last epoch (3) at the right edge
  });

  it('renders with resvg', () => {
    expect(svgToPng(svg).length).toBeGreaterThan(1000);
  });
});

describe('Fig. 4.8 threshold counts', () => {
  const rows = [
    { dim: 2, leak: 0, atLeast: { '0.95': 10, '0.99': 4 } },
    { dim: 4, leak: 0, atLeast: { '0.95': 5, '0.99': 0 } },
    { dim: 2, leak: 0.01, atLeast: { '0.95': 8, '0.99': 8 } },
    { dim: 4, leak: 0.01, atLeast: { '0.95': 6, '0.99': 2 } },
  ];
  const svg = thresholdCountsSvg('test', rows, ['0.95', '0.99'], 10);

  it('one panel per leak, one line per threshold through the counts on the data scale', () => {
    expect(svg).toContain('>ReLU<');
    expect(svg).toContain('leaky ReLU, leak 0.01');
    expect(svg).toContain('test accuracy ≥ 0.99');
    const lines = [...svg.matchAll(/data-threshold="([^"]+)"><path d="([^"]+)"/g)];
    expect(lines.map((l) => l[1])).toEqual(['0.95', '0.99', '0.95', '0.99']);
    const pts = (d: string) => [...d.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const top = 34;
    const h = 330 - 34 - 56;
    const relu95 = pts(lines[0]![2]!);
    expect(relu95[0]![1]).toBeCloseTo(top, 1); // 10 of 10: the top edge
    expect(relu95[1]![1]).toBeCloseTo(top + h / 2, 1); // 5 of 10: half way
    expect(pts(lines[1]![2]!)[1]![1]).toBeCloseTo(top + h, 1); // 0: the bottom
    // x: dims 2 and 4 on [1.75, 4.25] over the plot width 340 from x = 64
    expect(relu95[0]![0]).toBeCloseTo(64 + (0.25 / 2.5) * 340, 1);
    expect(relu95[1]![0]).toBeCloseTo(64 + (2.25 / 2.5) * 340, 1);
  });

  it('renders with resvg', () => {
    expect(svgToPng(svg).length).toBeGreaterThan(1000);
  });
});

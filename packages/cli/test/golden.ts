/**
 * Golden-image tests of SVG figures: the SVG with every number rounded to one decimal (so that a
 * last-digit change of float arithmetic on another machine does not fail the test) is compared
 * with test/golden/NAME.svg. On a mismatch the new output is written beside it as
 * NAME-changed.svg, so a reviewer can diff the two files or open both in a browser; run with
 * UPDATE_GOLDEN=1 to accept it. A missing golden is written (and the test passes) only when
 * UPDATE_GOLDEN=1, so a deleted golden cannot silently pass in CI.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const DIR = fileURLToPath(new URL('./golden/', import.meta.url));

/** Every decimal number rounded to one decimal ('12.34' → '12.3', '-0.04' → '0'). */
function roundNumbers(svg: string): string {
  return svg.replace(/-?\d+\.\d+/g, (m) => {
    const v = Math.round(Number(m) * 10) / 10;
    return String(v === 0 ? 0 : v);
  });
}

/** Compares `svg` (numbers rounded) with the golden file `NAME.svg`; see the module comment. */
export function expectGolden(name: string, svg: string): void {
  const golden = join(DIR, `${name}.svg`);
  const changed = join(DIR, `${name}-changed.svg`);
  const got = roundNumbers(svg);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(dirname(golden), { recursive: true });
    writeFileSync(golden, got);
    rmSync(changed, { force: true });
    return;
  }
  if (!existsSync(golden)) {
    writeFileSync(changed, got);
    expect.fail(`no golden file ${golden}; the output is in ${changed} (look at it, then UPDATE_GOLDEN=1 accepts it)`);
  }
  if (readFileSync(golden, 'utf8') !== got) {
    writeFileSync(changed, got);
    expect.fail(`SVG differs from ${golden}; the new output is in ${changed} (diff them; UPDATE_GOLDEN=1 accepts it)`);
  }
  rmSync(changed, { force: true });
}

/**
 * The numeric tick labels of each axis drawn by `drawAxes` (x labels are centred, y labels
 * right-aligned), true minus signs read as '-'; a log axis's superscript labels read as NaN.
 */
export function axisTickLabels(svg: string): number[][] {
  const out: number[][] = [];
  const re = /<g class="tick-labels"[^>]*>([\s\S]*?)<\/g>/g;
  for (let m = re.exec(svg); m !== null; m = re.exec(svg)) {
    const byAnchor: Record<string, number[]> = { middle: [], end: [] };
    const t = /<text[^>]*text-anchor="(middle|end)"[^>]*>([^<]*)<\/text>/g;
    for (let k = t.exec(m[1]!); k !== null; k = t.exec(m[1]!)) byAnchor[k[1]!]!.push(Number(k[2]!.replace(/\u2212/g, '-')));
    out.push(byAnchor['middle']!, byAnchor['end']!);
  }
  return out.filter((a) => a.length > 0);
}

/**
 * Whether tick values are "nice": equally spaced by 1, 2 or 5 × 10^k, every value a multiple of the
 * step (so 0.5, 1, 1.5 passes; 6.05, 12.1 or 33, 66, 99 fail), or one decade apart on a log axis.
 */
export function niceTickValues(values: readonly number[]): boolean {
  if (values.length < 2) return values.length === 1;
  const step = values[1]! - values[0]!;
  if (!(step > 0)) return false;
  const p = Math.pow(10, Math.floor(Math.log10(step) + 1e-9));
  const m = Math.round((step / p) * 1e6) / 1e6;
  if (![1, 2, 5, 10].includes(m)) return false;
  return values.every(
    (v, i) => Math.abs(v - values[0]! - i * step) <= 1e-9 * Math.max(1, Math.abs(v)) && Math.abs(v / step - Math.round(v / step)) < 1e-6,
  );
}

/**
 * Deterministic region colours: an integer key (a hash of a region's activation code, or a running
 * index) becomes a pastel sRGB colour. Hue walks the circle by the golden ratio (so consecutive keys
 * land far apart), lightness cycles through three levels, and the colour is chosen in OKLCH so that
 * equal steps look equally different. Pure functions; no Node or DOM.
 */

const GOLDEN = 0.6180339887498949;
/** Lightness levels (OKLCH L) and the chroma tried at each; light enough for black lines on top. */
const LEVELS: readonly (readonly [number, number])[] = [
  [0.77, 0.12],
  [0.85, 0.095],
  [0.92, 0.065],
];

function srgbGamma(x: number): number {
  return x <= 0.0031308 ? 12.92 * x : 1.055 * Math.pow(x, 1 / 2.4) - 0.055;
}

/** Linear sRGB of an OKLab colour into `out` (may lie outside [0, 1]). */
function oklabToLinear(L: number, a: number, b: number, out: Float64Array): void {
  const l_ = L + 0.3963377774 * a + 0.2158037573 * b;
  const m_ = L - 0.1055613458 * a - 0.0638541728 * b;
  const s_ = L - 0.0894841775 * a - 1.291485548 * b;
  const l = l_ * l_ * l_;
  const m = m_ * m_ * m_;
  const s = s_ * s_ * s_;
  out[0] = 4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s;
  out[1] = -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s;
  out[2] = -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s;
}

const rgb = new Float64Array(3);

function inGamut(c: Float64Array): boolean {
  return c[0]! >= 0 && c[0]! <= 1 && c[1]! >= 0 && c[1]! <= 1 && c[2]! >= 0 && c[2]! <= 1;
}

function hex2(x: number): string {
  const v = Math.max(0, Math.min(255, Math.round(srgbGamma(Math.max(0, Math.min(1, x))) * 255)));
  return (v < 16 ? '0' : '') + v.toString(16);
}

/**
 * `#rrggbb` of an OKLCH colour (L in [0, 1], chroma C, hue in degrees). Chroma is reduced until the
 * colour fits the sRGB gamut (bisection), so hue and lightness are kept.
 *
 * @example
 * oklchToHex(1, 0, 0);      // '#ffffff'
 * oklchToHex(0.628, 0.2577, 29.23); // '#ff0000' (CSS red)
 */
export function oklchToHex(L: number, C: number, hueDeg: number): string {
  const h = (hueDeg * Math.PI) / 180;
  const ca = Math.cos(h);
  const sa = Math.sin(h);
  oklabToLinear(L, C * ca, C * sa, rgb);
  if (!inGamut(rgb)) {
    let lo = 0;
    let hi = C;
    for (let i = 0; i < 20; i++) {
      const mid = 0.5 * (lo + hi);
      oklabToLinear(L, mid * ca, mid * sa, rgb);
      if (inGamut(rgb)) lo = mid;
      else hi = mid;
    }
    oklabToLinear(L, lo * ca, lo * sa, rgb);
  }
  return '#' + hex2(rgb[0]!) + hex2(rgb[1]!) + hex2(rgb[2]!);
}

/** Hue steps of the region palette: fine enough that neighbouring steps look the same. */
const HUES = 1024;
let palette: string[] | undefined;

/**
 * The fill colour of a region with integer key `key` (only its low 32 bits count). Keys 0, 1, 2, …
 * get hues 0°, 222°, 85°, … (golden-ratio walk) and lightness levels cycling dark/mid/light, so
 * any two consecutive keys differ in both; hashed keys get well-spread, effectively random colours.
 * Hues are quantized to 1024 steps and the 3 × 1024 colours computed once, so a lookup is cheap.
 *
 * @example
 * regionColor(0);                    // '#f393b1' (hue 0°, darkest level), always the same string
 * regionColor(1) !== regionColor(0); // true
 */
export function regionColor(key: number): string {
  const k = key >>> 0;
  const h = Math.floor(((k * GOLDEN) % 1) * HUES) % HUES;
  const level = k % 3;
  if (palette === undefined) palette = new Array<string>(3 * HUES);
  const i = level * HUES + h;
  let c = palette[i];
  if (c === undefined) {
    const [L, C] = LEVELS[level]!;
    c = oklchToHex(L, C, (h * 360) / HUES);
    palette[i] = c;
  }
  return c;
}

/**
 * 32-bit FNV-1a hash of a byte array, e.g. an activation code — a ready-made `colorKey`.
 *
 * @example
 * hashBytes(Uint8Array.of(0, 1, 1)) === hashBytes(Uint8Array.of(0, 1, 1)); // true
 */
export function hashBytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Ten dark, mutually distinct line colours (Tableau 10) for plotting several outputs. */
export const LINE_COLORS: readonly string[] = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

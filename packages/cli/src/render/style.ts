/**
 * The one look of every figure: the font, text sizes, colours of ink and grid, SVG escaping, the
 * document head, and titles that always fit their width. Every figure module draws text through
 * these, so all figures share one font and one set of sizes. Pure functions.
 */

/** The font stack of every figure (DejaVu Sans is what resvg finds on Linux; the rest are fallbacks). */
export const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** Text sizes in px: title, axis labels, tick labels and legends, small annotations. */
export const TEXT = { title: 15, label: 13, tick: 11, small: 10 } as const;

/** Ink colours: axes and frames, text, light grid lines, the plot background of scatter panels. */
export const INK = { axis: '#333333', text: '#222222', muted: '#555555', grid: '#dddddd', panel: '#fafafa' } as const;

/** Average advance of one character, as a share of the font size (DejaVu Sans: digits 0.64 em, text ≈ 0.6 em). */
const CHAR_EM = 0.62;

/** Escapes text for SVG content and attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Estimated width in px of `text` at `size` px (bold adds about 13 %); good enough to keep text
 * inside its box, never used for exact placement.
 *
 * @example
 * textWidth('0.5', 11); // ≈ 20
 */
export function textWidth(text: string, size: number, bold = false): number {
  return [...text].length * size * CHAR_EM * (bold ? 1.13 : 1);
}

/** `<svg …>` with the figure's size, the shared font and a white background. */
export function svgHead(width: number, height: number): string {
  const w = Number(width.toFixed(2));
  const h = Number(height.toFixed(2));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="${FONT}">\n` +
    `<rect width="100%" height="100%" fill="#ffffff"/>\n`
  );
}

/**
 * A title that always fits `maxWidth` px: the font shrinks down to 10 px, then the middle of the
 * text is cut out with an ellipsis, keeping its start and its end (the full text stays in a
 * `<title>` tooltip). Empty or missing title → ''.
 *
 * @example
 * fitTitle('a long title …', 240, 20, 200); // '<text class="title" … font-size="…">…</text>'
 */
export function fitTitle(title: string | undefined, cx: number, y: number, maxWidth: number, size: number = TEXT.title): string {
  if (title === undefined || title === '') return '';
  let fs = size;
  while (fs > TEXT.small && textWidth(title, fs, true) > maxWidth) fs -= 0.5;
  let shown = title;
  if (textWidth(shown, fs, true) > maxWidth) {
    // Cut in the middle: the start names the figure, the end usually tells panels apart.
    const chars = [...title];
    const keep = Math.max(2, Math.floor(maxWidth / (fs * CHAR_EM * 1.13)) - 1);
    const head = Math.ceil(keep * 0.4);
    shown =
      chars.slice(0, head).join('').trimEnd() +
      '…' +
      chars
        .slice(chars.length - (keep - head))
        .join('')
        .trimStart();
  }
  const tip = shown === title ? '' : `<title>${esc(title)}</title>`;
  return `<text class="title" x="${Number(cx.toFixed(2))}" y="${Number(y.toFixed(2))}" font-size="${fs}" font-weight="bold" text-anchor="middle" fill="${INK.text}">${tip}${esc(shown)}</text>\n`;
}

/** CSV upload: rows `x,y,label` (label 0/1, or any two distinct values); a header row is skipped. */
export function parseCsv(text: string): { x: Float64Array; labels: Float32Array } {
  const rows = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const body = rows.length > 0 && rows[0]!.split(/[,;\t]/).some((v) => v.trim() !== '' && Number.isNaN(Number(v))) ? rows.slice(1) : rows;
  if (body.length < 2) throw new Error('the CSV needs at least two rows of x,y,label');
  const x = new Float64Array(2 * body.length);
  const raw: string[] = [];
  body.forEach((line, i) => {
    const cells = line.split(/[,;\t]/).map((c) => c.trim());
    if (cells.length < 3) throw new Error(`CSV row ${i + 1}: expected x,y,label, got '${line}'`);
    const [a, b] = [Number(cells[0]), Number(cells[1])];
    if (!Number.isFinite(a) || !Number.isFinite(b)) throw new Error(`CSV row ${i + 1}: x and y must be finite numbers, got '${line}'`);
    x[2 * i] = a;
    x[2 * i + 1] = b;
    raw.push(cells[2]!);
  });
  const classes = [...new Set(raw)].sort();
  if (classes.length !== 2)
    throw new Error(`the label column must have exactly two values, found ${classes.length} (${classes.slice(0, 5).join(', ')})`);
  const one = classes.includes('1') ? '1' : classes[1]!;
  return { x, labels: Float32Array.from(raw, (v) => (v === one ? 1 : 0)) };
}

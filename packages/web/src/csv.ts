/**
 * CSV upload: rows `x,y,label` (2-D data) or `x,y,z,label` (3-D data: the network gets 3 inputs, the
 * map shows the plane x2 = 0 and the 3-D view the cells); label 0/1, or any two distinct values; a
 * header row (a first row whose coordinates are not numbers) is skipped; every row has the same
 * number of columns.
 */
export function parseCsv(text: string): { x: Float64Array; labels: Float32Array; dim: 2 | 3 } {
  const rows = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  // A header names the columns: some coordinate cell of the first row is not a number (labels may be words).
  const first = rows[0]?.split(/[,;\t]/) ?? [];
  const header = first.slice(0, -1).some((v) => v.trim() !== '' && Number.isNaN(Number(v)));
  const body = header ? rows.slice(1) : rows;
  if (body.length < 2) throw new Error('the CSV needs at least two rows of x,y,label (or x,y,z,label)');
  const columns = body[0]!.split(/[,;\t]/).length;
  if (columns !== 3 && columns !== 4)
    throw new Error(`CSV row 1: expected x,y,label or x,y,z,label, got ${columns} columns ('${body[0]}')`);
  const dim = columns === 4 ? 3 : 2;
  const x = new Float64Array(dim * body.length);
  const raw: string[] = [];
  const names = dim === 3 ? 'x,y,z,label' : 'x,y,label';
  body.forEach((line, i) => {
    const cells = line.split(/[,;\t]/).map((c) => c.trim());
    if (cells.length !== columns) throw new Error(`CSV row ${i + 1}: expected ${names} like row 1, got '${line}'`);
    for (let k = 0; k < dim; k++) {
      const v = Number(cells[k]);
      if (cells[k] === '' || !Number.isFinite(v))
        throw new Error(`CSV row ${i + 1}: the coordinates must be finite numbers, got '${line}'`);
      x[dim * i + k] = v;
    }
    raw.push(cells[dim]!);
  });
  const classes = [...new Set(raw)].sort();
  if (classes.length !== 2)
    throw new Error(`the label column must have exactly two values, found ${classes.length} (${classes.slice(0, 5).join(', ')})`);
  const one = classes.includes('1') ? '1' : classes[1]!;
  return { x, labels: Float32Array.from(raw, (v) => (v === one ? 1 : 0)), dim };
}

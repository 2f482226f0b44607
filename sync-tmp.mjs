import sharp from 'sharp';
import fs from 'node:fs';
sharp.concurrency(1); sharp.cache(false);
const buf = fs.readFileSync('test/fixtures/bench/photo-a.jpg');
const variants = {
  bare: () => sharp(buf).autoOrient().resize(512, 512).jpeg({ quality: 80 }),
  ours: () => sharp(buf, { failOn: 'truncated', limitInputPixels: 81000000, unlimited: false, sequentialRead: true, autoOrient: true }).resize(512, 512, { fit: 'cover', position: 'centre' }).keepMetadata().jpeg({ quality: 80, mozjpeg: false }),
  oursNoMeta: () => sharp(buf, { failOn: 'truncated', limitInputPixels: 81000000, unlimited: false, sequentialRead: true, autoOrient: true }).resize(512, 512, { fit: 'cover', position: 'centre' }).jpeg({ quality: 80, mozjpeg: false }),
  failOnOnly: () => sharp(buf, { failOn: 'truncated' }).autoOrient().resize(512, 512).jpeg({ quality: 80 }),
};
const res = {};
for (let r = 0; r < 6; r++) for (const [k, f] of Object.entries(variants)) {
  let sync = 0, n = 20;
  for (let i = 0; i < n; i++) { const p = f(); const t0 = performance.now(); const pr = p.toBuffer(); sync += performance.now() - t0; await pr; }
  if (r) res[k] = (res[k] ?? 0) + sync / n / 5;
}
for (const [k, v] of Object.entries(res)) console.log(k, (v * 1000).toFixed(0), 'µs sync');

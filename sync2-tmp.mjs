import sharp from 'sharp';
import fs from 'node:fs';
sharp.concurrency(1); sharp.cache(false);
const files = { tiny: '/tmp/probe/tiny2/t-k0.jpg', jpg: 'test/fixtures/bench/photo-a.jpg', fit: 'test/fixtures/sharp/2569067123_aca715a2ee_o.jpg' };
for (const [k, f] of Object.entries(files)) {
  const buf = fs.readFileSync(f);
  let sync = 0, n = 0;
  for (let i = 0; i < 60; i++) { const p = sharp(buf).resize(8, 8).jpeg(); const t0 = performance.now(); const pr = p.toBuffer(); const dt = performance.now() - t0; await pr; if (i >= 10) { sync += dt; n++; } }
  console.log(k, buf.length, (sync / n * 1000).toFixed(0), 'µs sync');
}

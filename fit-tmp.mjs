import sharp from 'sharp';
import fs from 'node:fs';
sharp.concurrency(1); sharp.cache(false);
const buf = fs.readFileSync('test/fixtures/sharp/2569067123_aca715a2ee_o.jpg');
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const A = (q) => sharp(buf).resize(720, 588, { fit: 'fill' }).jpeg({ quality: q }).toBuffer();
const B = (q) => sharp(buf).autoOrient().resize(720, 588, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: q }).toBuffer();
const t = { A: 0, B: 0 };
for (let r = 0; r < 8; r++) for (const [k, f] of r % 2 ? [['B', B], ['A', A]] : [['A', A], ['B', B]]) { const t0 = cpu(); for (let i = 0; i < 10; i++) await f(80); if (r) t[k] += cpu() - t0; }
console.log('fill', (t.A / 70).toFixed(2), 'inside', (t.B / 70).toFixed(2));
const a = await sharp(await A(80)).metadata(), b = await sharp(await B(80)).metadata(); console.log(a.width, a.height, b.width, b.height);

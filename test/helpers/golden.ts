import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { ROOT } from './fixtures.js';

export const GOLDEN_DIR = path.join(ROOT, 'test', 'golden');

/** Mean absolute channel difference (0..255) allowed between golden and actual. */
const MAX_MEAN_DIFF = 3;
/** Share of pixels allowed to differ by more than PIXEL_TOLERANCE in some channel. */
const MAX_DIFF_FRACTION = 0.02;
const PIXEL_TOLERANCE = 24;

/** A file name from a URL path: unsafe characters become `_`, long names are cut. */
export function goldenName(urlPath: string): string {
  const s = urlPath
    .replace(/^\/+/, '')
    .replace(/^unsafe\//, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[_.]+|_+$/g, '');
  return (s || 'root').slice(0, 150);
}

async function rgba(buf: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(buf, { pages: -1 })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * Compares an image perceptually with test/golden/<name>.png (all frames stacked for animations).
 * A missing golden fails unless UPDATE_GOLDEN=1, which (re)writes it.
 */
export async function assertGolden(name: string, actual: Buffer): Promise<void> {
  const file = path.join(GOLDEN_DIR, `${goldenName(name)}.png`);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    const png = await sharp(actual, { pages: -1 }).png({ compressionLevel: 9 }).toBuffer();
    writeFileSync(file, png);
    return;
  }
  assert.ok(existsSync(file), `missing golden ${path.relative(ROOT, file)} (run with UPDATE_GOLDEN=1)`);
  const [want, got] = await Promise.all([rgba(readFileSync(file)), rgba(actual)]);
  assert.equal(
    `${got.width}x${got.height}`,
    `${want.width}x${want.height}`,
    `size differs from golden ${name}`,
  );
  let sum = 0;
  let differing = 0;
  const n = want.data.length;
  for (let i = 0; i < n; i += 4) {
    let worst = 0;
    for (let c = 0; c < 4; c++) {
      const d = Math.abs((want.data[i + c] ?? 0) - (got.data[i + c] ?? 0));
      sum += d;
      if (d > worst) worst = d;
    }
    if (worst > PIXEL_TOLERANCE) differing++;
  }
  const mean = sum / n;
  const fraction = differing / (n / 4);
  assert.ok(
    mean < MAX_MEAN_DIFF && fraction < MAX_DIFF_FRACTION,
    `golden ${name}: mean diff ${mean.toFixed(2)}, ${(fraction * 100).toFixed(2)}% pixels differ`,
  );
}

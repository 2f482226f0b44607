import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { ImagorError, timeout } from '../../src/errors.js';
import { codecThreadsStarted, runCodec } from '../../src/processor/codec-thread/index.js';
import { encodeJxl } from '../../src/processor/foreign.js';
import { runInWorkScope } from '../../src/processor/work-scope.js';
import { fixturePath } from '../helpers/fixtures.js';
import { ImageBlob } from '../../src/blob.js';
import { run, runBlob } from './helpers.js';

/** A noisy RGB image: lossless JPEG XL at effort 7 takes the wasm encoder a while on it. */
function noise(side: number): Sharp {
  const data = Buffer.alloc(side * side * 3);
  let x = 12345;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return sharp(data, { raw: { width: side, height: side, channels: 3 } });
}

/** Runs `work` while a 10 ms timer ticks; returns the longest gap between ticks and the work's duration. */
async function loopGaps(work: () => Promise<unknown>): Promise<{ maxGap: number; took: number }> {
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 10);
  const t0 = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  maxGap = Math.max(maxGap, performance.now() - last);
  return { maxGap, took: performance.now() - t0 };
}

const lossless = { lossless: true, strip: true, quality: undefined };

describe('codec thread (JPEG XL and HEIF in WebAssembly)', () => {
  it('encodes JPEG XL without holding the event loop', async () => {
    const { maxGap, took } = await loopGaps(() => encodeJxl(noise(768), lossless));
    // the encode itself is long; the loop kept ticking through it
    assert.ok(took > 300, `encode took ${took.toFixed(0)} ms (too short to tell)`);
    assert.ok(maxGap < took / 2, `event loop held for ${maxGap.toFixed(0)} of ${took.toFixed(0)} ms`);
  });

  it('a JPEG XL encode ends with its request: the deadline answers at once and the thread is replaced', async () => {
    const before = codecThreadsStarted();
    const ac = new AbortController();
    setTimeout(() => ac.abort(timeout()), 100);
    const t0 = performance.now();
    await assert.rejects(
      runInWorkScope(ac.signal, undefined, () => encodeJxl(noise(1024), lossless)),
      (e: unknown) => e instanceof ImagorError && e.status === 408,
    );
    const waited = performance.now() - t0;
    // a full encode of this image takes seconds; the answer came with the deadline
    const { took } = await loopGaps(() => encodeJxl(noise(1024), lossless));
    assert.ok(
      waited < took / 2,
      `answered after ${waited.toFixed(0)} ms; a full encode takes ${took.toFixed(0)}`,
    );
    assert.ok(codecThreadsStarted() > before, 'a fresh thread ran the next job');
  });

  it('a thread that decoded a large image is ended after it, a small one is kept', async () => {
    const side = 3000;
    const rgba = new Uint8ClampedArray(side * side * 4).fill(200);
    const file = await runCodec(
      {
        op: 'jxl-encode',
        pixels: rgba.buffer,
        width: side,
        height: side,
        options: { quality: 90, effort: 1 },
      },
      [rgba.buffer],
    );
    const small = await readFile(fixturePath('imagor/jxl-isobmff.jxl'));
    const smallCopy = (): ArrayBuffer =>
      small.buffer.slice(small.byteOffset, small.byteOffset + small.byteLength);
    await runCodec({ op: 'jxl-decode', input: smallCopy() }, []);
    const beforeSmall = codecThreadsStarted();
    await runCodec({ op: 'jxl-decode', input: smallCopy() }, []);
    assert.equal(codecThreadsStarted(), beforeSmall, 'a small image keeps the thread');
    const big = await runCodec({ op: 'jxl-decode', input: file.data }, [file.data]);
    assert.equal(big.width, side);
    assert.equal(big.data.byteLength, side * side * 4);
    await runCodec({ op: 'jxl-decode', input: smallCopy() }, []);
    assert.equal(codecThreadsStarted(), beforeSmall + 1, 'the large image ended its thread');
  });

  it('decodes JPEG XL in the thread: size and pixels survive the hand-over', async () => {
    const file = await readFile(fixturePath('imagor/jxl-isobmff.jxl'));
    const input = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength);
    const img = await runCodec({ op: 'jxl-decode', input }, [input]);
    assert.equal(img.width, 640);
    assert.equal(img.height, 416);
    // a grey photo: R of every RGBA pixel; libvips' `vips stats` of the file gives mean 100.3
    const px = new Uint8Array(img.data);
    let sum = 0;
    for (let i = 0; i < px.length; i += 4) sum += px[i] ?? 0;
    const mean = sum / (px.length / 4);
    assert.ok(Math.abs(mean - 100.3) < 2, `mean ${mean.toFixed(1)}`);
  });

  it('a JPEG XL source gives the photo whichever decoder reads it', async () => {
    const out = await run('unsafe/filters:format(png)/imagor/jxl-isobmff.jxl');
    const meta = await sharp(out.data).metadata();
    assert.equal(meta.width, 640);
    assert.equal(meta.height, 416);
    const stats = await sharp(out.data).stats();
    const first = stats.channels[0];
    assert.ok(first && Math.abs(first.mean - 100.3) < 2, `mean ${first?.mean.toFixed(1)}`);
  });

  it('a corrupt JPEG XL body is a 406 without a path or source location in the message', async () => {
    const good = await readFile(fixturePath('jxl/b_640x480.jxl'));
    const bad = Buffer.concat([good.subarray(0, 40), Buffer.alloc(200, 0x5a)]);
    await assert.rejects(
      runBlob(new ImageBlob(bad), 'unsafe/filters:format(png)/bad.jxl'),
      (e: unknown) =>
        e instanceof ImagorError && e.status === 406 && !/\/|\.cc\b/.test(e.message) && e.message.length > 0,
    );
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { ImageBlob } from '../../src/blob.js';
import { ImagorError } from '../../src/errors.js';
import { parse } from '../../src/path/parse.js';
import { createProcessor } from '../../src/processor/process.js';
import { mapFrames, type RawImage } from '../../src/processor/image.js';
import { checkWork, runInWorkScope } from '../../src/processor/work-scope.js';
import { gifFrameBomb } from '../helpers/bombs.js';

const never = new AbortController().signal;
const ctx = { signal: never, load: () => Promise.reject(new Error('no loads here')) };

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (err) {
    assert.ok(err instanceof ImagorError, String(err));
    return err.status;
  }
}

describe('pixel work one request may cause', () => {
  const gif = new ImageBlob(gifFrameBomb(5000));
  const processor = createProcessor();

  it('300x300/smart of a 1×1 GIF of 5000 frames is 422 before any frame is resized', async () => {
    const started = Date.now();
    assert.equal(await status(processor.process(gif, parse('unsafe/300x300/smart/a.gif'), ctx)), 422);
    assert.ok(Date.now() - started < 20_000);
  });

  it('the same GIF at a size whose frames fit the budget is processed', async () => {
    const out = await processor.process(gif, parse('unsafe/20x20/a.gif'), ctx);
    const meta = await sharp(out.data).metadata();
    assert.equal(meta.width, 20);
  });

  it('the budget is maxAnimationPixels, and -vips-unlimited lifts it', async () => {
    const small = createProcessor({ maxAnimationPixels: 1_000_000 });
    assert.equal(await status(small.process(gif, parse('unsafe/20x20/a.gif'), ctx)), 422);
    assert.equal(await status(small.process(gif, parse('unsafe/10x10/a.gif'), ctx)), 200);
    const unlimited = createProcessor({ maxAnimationPixels: 1_000_000, unlimited: true });
    assert.equal(await status(unlimited.process(gif, parse('unsafe/20x20/a.gif'), ctx)), 200);
  });
});

describe('pixel work stops with its request', () => {
  const frames = (n: number): RawImage => ({
    data: Buffer.alloc(n * 4 * 3),
    width: 2,
    pageHeight: 2,
    pages: n,
    channels: 3,
  });

  it('mapFrames stops between frames once the request timed out', async () => {
    const ac = new AbortController();
    let calls = 0;
    const run = runInWorkScope(ac.signal, undefined, () =>
      mapFrames(frames(100), async (f) => {
        calls++;
        if (calls === 3) ac.abort(new DOMException('The operation timed out.', 'TimeoutError'));
        await new Promise((r) => setImmediate(r));
        return f;
      }),
    );
    assert.equal(await status(run), 408);
    assert.ok(calls < 10, `${calls} frames ran`);
  });

  it('a client gone is 499, outside a scope nothing is checked', async () => {
    const ac = new AbortController();
    ac.abort();
    assert.equal(await status(runInWorkScope(ac.signal, undefined, async () => checkWork())), 499);
    assert.doesNotThrow(() => checkWork());
  });

  it('a request whose deadline has passed stops at its next pipeline', async () => {
    const ac = new AbortController();
    const img = new ImageBlob(
      await sharp({ create: { width: 50, height: 50, channels: 3, background: 'red' } })
        .png()
        .toBuffer(),
    );
    ac.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    const p = createProcessor().process(img, parse('unsafe/10x10/filters:blur(2):grayscale()/a.png'), {
      ...ctx,
      signal: ac.signal,
    });
    assert.equal(await status(p), 408);
  });
});

import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { createApp, type App } from '../../src/app/app.js';
import { ImageBlob } from '../../src/blob.js';
import { appOptionsFromConfig } from '../../src/build.js';
import { loadConfig } from '../../src/config/load.js';
import { createSigner } from '../../src/path/signer.js';

const AVIF_HEAD = Buffer.concat([Buffer.from([0, 0, 0, 0x1c]), Buffer.from('ftypavif\0\0\0\0avifmif1miaf')]);
const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);

/** An app whose processor only records how many images it holds at once (and the loader, how many sources). */
function appWith(limits: { cores?: number; parallelImages?: number; parallelHeavyDecodes?: number }): {
  app: App;
  peak: () => number;
  peakLoaded: () => number;
} {
  const r = loadConfig(['-imagor-unsafe'], {}, { readFile: () => undefined });
  if (r.kind !== 'config') throw new Error('bad config');
  let now = 0;
  let peak = 0;
  let loaded = 0;
  let peakLoaded = 0;
  const app = createApp({
    ...appOptionsFromConfig(r.config, pino({ level: 'silent' })),
    ...limits,
    signer: createSigner({ secret: '', type: 'sha1', truncate: 0 }),
    loaders: [
      {
        name: 'fake',
        get: (key) => {
          loaded++;
          peakLoaded = Math.max(peakLoaded, loaded);
          return Promise.resolve(new ImageBlob(key.endsWith('.avif') ? AVIF_HEAD : JPEG_HEAD));
        },
      },
    ],
    storages: [],
    resultStorages: [],
    processor: {
      async process() {
        now++;
        peak = Math.max(peak, now);
        await new Promise((resolve) => setTimeout(resolve, 30));
        now--;
        loaded--;
        return new ImageBlob(JPEG_HEAD);
      },
    },
  });
  return { app, peak: () => peak, peakLoaded: () => peakLoaded };
}

async function burst(app: App, ext: string, n: number): Promise<number[]> {
  const all = Array.from({ length: n }, (_, i) =>
    app.handle({
      method: 'GET',
      path: `/unsafe/${10 + i}x10/photo-${i}.${ext}`,
      headers: {},
      signal: new AbortController().signal,
    }),
  );
  return (await Promise.all(all)).map((r) => r.status);
}

describe('AVIF/HEIF sources are decoded at most parallelHeavyDecodes at a time', () => {
  it('AVIF sources queue for the heavy-decode slots; every request is still answered', async () => {
    const { app, peak } = appWith({ parallelImages: 4, parallelHeavyDecodes: 1 });
    assert.deepEqual(await burst(app, 'avif', 4), [200, 200, 200, 200]);
    assert.equal(peak(), 1);
  });

  it('other sources use every image slot', async () => {
    const { app, peak } = appWith({ parallelImages: 4, parallelHeavyDecodes: 1 });
    assert.deepEqual(await burst(app, 'jpg', 6), [200, 200, 200, 200, 200, 200]);
    assert.equal(peak(), 4);
  });
});

describe('sources loaded ahead of a free image slot', () => {
  it('at most one per core beyond the images being processed; the rest wait without bytes', async () => {
    const { app, peak, peakLoaded } = appWith({ parallelImages: 1, parallelHeavyDecodes: 1 });
    assert.deepEqual(await burst(app, 'jpg', 8), Array(8).fill(200));
    assert.equal(peak(), 1);
    assert.equal(peakLoaded(), 1 + os.availableParallelism());
  });
});

describe('limits sized from the cores of the process', () => {
  it('two cores: three images at once, two more sources loaded ahead, two AVIF decodes', async () => {
    const jpeg = appWith({ cores: 2 });
    assert.deepEqual(await burst(jpeg.app, 'jpg', 12), Array(12).fill(200));
    assert.equal(jpeg.peak(), 3);
    assert.equal(jpeg.peakLoaded(), 5);
    const avif = appWith({ cores: 2 });
    assert.deepEqual(await burst(avif.app, 'avif', 6), Array(6).fill(200));
    assert.equal(avif.peak(), 2);
  });

  it('one core: two images at once', async () => {
    const { app, peak } = appWith({ cores: 1 });
    assert.deepEqual(await burst(app, 'jpg', 6), Array(6).fill(200));
    assert.equal(peak(), 2);
  });
});

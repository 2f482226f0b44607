import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { ImageBlob } from '../../src/blob.js';
import { parse } from '../../src/path/parse.js';
import {
  createHeapTrimmer,
  loadMallocTrim,
  trimAfterProcessing,
  type TrimCall,
} from '../../src/processor/heap-trim.js';
import type { ProcessContext, Processor } from '../../src/types.js';

/** A trim call that finishes only when the test says so. */
function fakeTrim(): { call: TrimCall; started: () => number; finish: () => void } {
  const pending: Array<() => void> = [];
  let started = 0;
  return {
    call: (done) => {
      started++;
      pending.push(done);
    },
    started: () => started,
    finish: () => pending.shift()?.(),
  };
}

describe('heap trimmer', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('trims at once after the first image, then at most once per interval under load', () => {
    const t = fakeTrim();
    const trimmer = createHeapTrimmer(5_000, t.call);
    trimmer.afterWork();
    assert.equal(t.started(), 1);
    t.finish();
    assert.equal(trimmer.trims, 1);
    for (let i = 0; i < 9; i++) {
      mock.timers.tick(500);
      trimmer.afterWork();
    }
    assert.equal(t.started(), 1, 'no trim inside the interval while images keep finishing');
    mock.timers.tick(499);
    assert.equal(t.started(), 1);
    mock.timers.tick(1);
    assert.equal(t.started(), 2, 'one trim when the interval has passed');
    t.finish();
    mock.timers.tick(499);
    assert.equal(t.started(), 2);
    mock.timers.tick(1);
    assert.equal(t.started(), 3, 'and one a second after the last image');
    t.finish();
    mock.timers.tick(20_000);
    assert.equal(t.started(), 3, 'nothing more without new work');
    assert.equal(trimmer.trims, 3);
  });

  it('never runs two trims at once; work done during a trim gets its own', () => {
    const t = fakeTrim();
    const trimmer = createHeapTrimmer(5_000, t.call);
    trimmer.afterWork();
    trimmer.afterWork();
    trimmer.afterWork();
    assert.equal(t.started(), 1);
    mock.timers.tick(300);
    t.finish();
    mock.timers.tick(699);
    assert.equal(t.started(), 1);
    mock.timers.tick(1);
    assert.equal(t.started(), 2, 'the quiet second after the last image');
    t.finish();
    mock.timers.tick(20_000);
    assert.equal(t.started(), 2);
    assert.equal(trimmer.trims, 2);
  });

  it('never trims when turned off or without glibc', () => {
    const t = fakeTrim();
    const off = createHeapTrimmer(0, t.call);
    const none = createHeapTrimmer(1_000, undefined);
    for (let i = 0; i < 3; i++) {
      off.afterWork();
      none.afterWork();
      mock.timers.tick(2_000);
    }
    assert.equal(t.started(), 0);
    assert.equal(off.trims + none.trims, 0);
  });
});

describe('trimAfterProcessing', () => {
  const ctx: ProcessContext = {
    signal: new AbortController().signal,
    load: () => Promise.reject(new Error('no loads here')),
  };
  const params = parse('unsafe/10x10/a.jpg');
  const blob = new ImageBlob(Buffer.from('x'));
  const settle = () => new Promise((r) => setTimeout(r, 5));

  it('passes results and failures through and trims after each', async () => {
    const t = fakeTrim();
    let fail = false;
    const inner: Processor = {
      process: (b) => (fail ? Promise.reject(new Error('bad image')) : Promise.resolve(b)),
    };
    const { processor, trimmer } = trimAfterProcessing(inner, 1, t.call);
    assert.equal(await processor.process(blob, params, ctx), blob);
    assert.equal(t.started(), 1);
    t.finish();
    fail = true;
    await settle();
    await assert.rejects(processor.process(blob, params, ctx), /bad image/);
    await settle();
    assert.equal(t.started(), 2, 'a failed image is trimmed after too');
    t.finish();
    assert.equal(trimmer.trims, 2);
  });

  describe('with a garbage collector', () => {
    beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 1_000_000 }));
    afterEach(() => mock.timers.reset());

    /** A processor whose images finish when the test says so. */
    function gated(): { inner: Processor; finishOne: () => void } {
      const gates: Array<() => void> = [];
      return {
        inner: { process: (b) => new Promise((resolve) => gates.push(() => resolve(b))) },
        finishOne: () => gates.shift()?.(),
      };
    }

    it('collects once the worker has been quiet for the interval, then trims', async () => {
      const t = fakeTrim();
      let collections = 0;
      const g = gated();
      const { processor } = trimAfterProcessing(g.inner, 1_000, t.call, () => collections++);
      const first = processor.process(blob, params, ctx);
      const second = processor.process(blob, params, ctx);
      g.finishOne();
      await first;
      assert.equal(t.started(), 1);
      t.finish();
      mock.timers.tick(1_000);
      assert.equal(collections, 0, 'the second image is still being worked on');
      g.finishOne();
      await second;
      assert.equal(t.started(), 2, 'the interval had passed: trimmed at once');
      t.finish();
      mock.timers.tick(999);
      assert.equal(collections, 0, 'not quiet for a whole interval yet');
      mock.timers.tick(1);
      assert.equal(collections, 1);
      assert.equal(t.started(), 3, 'a trim follows the collection');
      t.finish();
      mock.timers.tick(10_000);
      assert.equal(collections, 1, 'once per quiet period');
    });

    it('never collects during a steady stream of one image at a time', async () => {
      const t = fakeTrim();
      let collections = 0;
      const g = gated();
      const { processor } = trimAfterProcessing(g.inner, 1_000, t.call, () => collections++);
      for (let i = 0; i < 50; i++) {
        const p = processor.process(blob, params, ctx);
        mock.timers.tick(80);
        g.finishOne();
        await p;
        t.finish();
        mock.timers.tick(20);
      }
      assert.equal(collections, 0);
      assert.ok(t.started() >= 4 && t.started() <= 6, `about one trim a second (${t.started()})`);
    });
  });
});

describe('malloc_trim through koffi', () => {
  it('is found on glibc Linux and runs off the main thread', async (t) => {
    if (process.platform !== 'linux') return t.skip('glibc only');
    const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
    if (!report.header?.glibcVersionRuntime) return t.skip('not glibc');
    const trim = loadMallocTrim();
    assert.ok(trim, 'malloc_trim is loaded');
    let done = false;
    const finished = new Promise<void>((resolve) =>
      trim(() => {
        done = true;
        resolve();
      }),
    );
    assert.equal(done, false, 'the call returns before the trim has finished');
    await finished;
    assert.equal(done, true);
  });
});

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

  it('trims at once after the first image, then at most once per interval', () => {
    const t = fakeTrim();
    const trimmer = createHeapTrimmer(1_000, t.call);
    trimmer.afterWork();
    assert.equal(t.started(), 1);
    t.finish();
    assert.equal(trimmer.trims, 1);
    for (let i = 0; i < 5; i++) {
      mock.timers.tick(100);
      trimmer.afterWork();
    }
    assert.equal(t.started(), 1, 'no trim inside the interval');
    mock.timers.tick(499);
    assert.equal(t.started(), 1);
    mock.timers.tick(1);
    assert.equal(t.started(), 2, 'one trim when the interval has passed');
    t.finish();
    mock.timers.tick(5_000);
    assert.equal(t.started(), 2, 'nothing more without new work');
    assert.equal(trimmer.trims, 2);
  });

  it('trims again after a trim that was running when an image finished', () => {
    const t = fakeTrim();
    const trimmer = createHeapTrimmer(1_000, t.call);
    trimmer.afterWork();
    trimmer.afterWork();
    trimmer.afterWork();
    assert.equal(t.started(), 1, 'never two trims at once');
    mock.timers.tick(300);
    t.finish();
    mock.timers.tick(999);
    assert.equal(t.started(), 1);
    mock.timers.tick(1);
    assert.equal(t.started(), 2, 'the work done during the trim gets its own trim');
    t.finish();
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

  it('collects garbage before a trim only when no image is in flight', async () => {
    const t = fakeTrim();
    let collections = 0;
    const gates: Array<() => void> = [];
    const inner: Processor = {
      process: (b) => new Promise((resolve) => gates.push(() => resolve(b))),
    };
    const { processor } = trimAfterProcessing(inner, 1, t.call, () => collections++);
    const first = processor.process(blob, params, ctx);
    const second = processor.process(blob, params, ctx);
    gates.shift()?.();
    await first;
    assert.equal(t.started(), 1);
    assert.equal(collections, 0, 'the second image is still being worked on');
    t.finish();
    await settle();
    gates.shift()?.();
    await second;
    assert.equal(t.started(), 2);
    assert.equal(collections, 1, 'the last image of the burst is done');
    t.finish();
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

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { DetectionCache } from '../../src/faces/cache.js';
import { loadCascade } from '../../src/faces/cascade.js';
import { clusterDetections, iou } from '../../src/faces/cluster.js';
import { createFaceDetector, type Probe } from '../../src/faces/detector.js';
import { focalRectsOf, pixelBox } from '../../src/faces/focal.js';
import { faceDecodeSize } from '../../src/faces/pipeline.js';
import { classifyWindow, scales, toGrey, type Detection } from '../../src/faces/pico.js';
import { probeOfPipeline } from '../../src/faces/probe.js';
import { focalPoint } from '../../src/processor/geometry.js';
import { fixturePath } from '../helpers/fixtures.js';

const cascade = loadCascade();

function blank(width: number, height: number, value: number, channels = 3): Probe {
  return { data: Buffer.alloc(width * height * channels, value), width, height, channels };
}

const det = (row: number, col: number, scale: number, q: number): Detection => ({ row, col, scale, q });

describe('PICO detector', () => {
  it('finds no face on blank images', async () => {
    const d = createFaceDetector({ cascade });
    for (const v of [0, 128, 255]) assert.deepEqual(await d.detect(blank(400, 300, v)), [], `value ${v}`);
    assert.deepEqual(await d.detect(blank(300, 400, 90, 1)), []);
    assert.equal(d.stats.detections, 4);
  });

  it('rejects every window of a flat image at the first trees', () => {
    const g = toGrey(blank(100, 100, 128).data, 100, 100, 3);
    assert.equal(classifyWindow(cascade, g, 50, 50, 40), -1);
  });

  it('finds the two faces of people.jpg where they are', async () => {
    // people-800.jpg is people.jpg at 0.4: faces near (648,636)–(836,824) and (1192,700)–(1372,880)
    const probe = await probeOfPipeline(sharp(fixturePath('faces/people-800.jpg')).rotate());
    assert.deepEqual([probe.width, probe.height], [271, 400]);
    const regions = await createFaceDetector({ cascade }).detect(probe);
    assert.equal(regions.length, 2);
    const boxes = regions
      .map((r) => pixelBox(r, 2000, 2950))
      .sort((a, b) => (a?.left ?? 0) - (b?.left ?? 0))
      .map((b) => b && [b.left, b.top, b.left + b.width, b.top + b.height]);
    const want = [
      [648, 636, 836, 824],
      [1192, 700, 1372, 880],
    ];
    for (const [i, w] of want.entries()) {
      const got = boxes[i] ?? [];
      for (const [k, v] of w.entries()) assert.ok(Math.abs((got[k] ?? 0) - v) <= 40, `${got} vs ${w}`);
    }
    for (const r of regions) {
      assert.equal(r.name, 'face');
      assert.ok(r.score >= 5);
      assert.equal(r.score, Math.round(r.score * 100) / 100);
    }
  });

  it('finds the face with sunglasses and none on faceless photos', async () => {
    const d = createFaceDetector({ cascade });
    const face = await d.detect(await probeOfPipeline(sharp(fixturePath('faces/photo-c-800.jpg')).rotate()));
    assert.equal(face.length, 1);
    for (const f of ['bench/photo-a.jpg', 'sharp/Landscape_1.jpg', 'imagor/gopher.png']) {
      assert.deepEqual(await d.detect(await probeOfPipeline(sharp(fixturePath(f)).rotate())), [], f);
    }
  });

  it('min quality and size settings filter what is reported', async () => {
    const probe = await probeOfPipeline(sharp(fixturePath('faces/people-800.jpg')).rotate());
    assert.equal((await createFaceDetector({ cascade, minQuality: 1e6 }).detect(probe)).length, 0);
    assert.equal((await createFaceDetector({ cascade, minSize: 60 }).detect(probe)).length, 0);
    assert.equal((await createFaceDetector({ cascade, maxSize: 15 }).detect(probe)).length, 0);
  });

  it('stops with the abort reason when the request is aborted', async () => {
    const ac = new AbortController();
    const reason = new Error('client went away');
    ac.abort(reason);
    await assert.rejects(
      createFaceDetector({ cascade }).detect(blank(200, 200, 0), { signal: ac.signal }),
      reason,
    );
  });

  it('scans window sides from the minimum, 10 % larger each time, up to the maximum', () => {
    assert.deepEqual(
      scales({ minSize: 20, maxSize: 40, shiftFactor: 0.1, scaleFactor: 1.1 }),
      [20, 22, 24, 26, 28, 30, 33, 36, 39],
    );
    assert.deepEqual(scales({ minSize: 5, maxSize: 7, shiftFactor: 0.1, scaleFactor: 1.1 }), [5, 6, 7]);
  });

  it('turns RGB into BT.601 luma', () => {
    const g = toGrey(Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]), 4, 1, 3);
    assert.deepEqual([...g.pixels], [76, 149, 29, 18]);
  });
});

describe('clustering', () => {
  it('measures overlap of square windows as IoU', () => {
    assert.equal(iou(det(10, 10, 10, 1), det(10, 10, 10, 1)), 1);
    assert.equal(iou(det(10, 10, 10, 1), det(100, 100, 10, 1)), 0);
    // half overlap along one axis: 50 / (100 + 100 - 50)
    assert.equal(iou(det(10, 10, 10, 1), det(10, 15, 10, 1)), 50 / 150);
  });

  it('merges overlapping hits into one (mean window, summed score) and keeps apart ones', () => {
    const out = clusterDetections(
      [det(100, 100, 20, 2), det(102, 101, 22, 3), det(300, 300, 20, 1.5), det(101, 99, 20, 1)],
      0.2,
    );
    assert.equal(out.length, 2);
    assert.deepEqual(out[0], { row: 101, col: 100, scale: 20, q: 6 });
    assert.deepEqual(out[1], { row: 300, col: 300, scale: 20, q: 1.5 });
  });

  it('seeds clusters from the strongest hit and uses the IoU threshold', () => {
    const hits = [det(100, 100, 20, 1), det(100, 112, 20, 5)];
    // IoU 0.25: merged at 0.2, apart at 0.3
    assert.equal(clusterDetections(hits, 0.2).length, 1);
    const apart = clusterDetections(hits, 0.3);
    assert.deepEqual(
      apart.map((d) => d.q),
      [5, 1],
    );
    assert.deepEqual(clusterDetections([], 0.2), []);
  });
});

describe('focal point from regions', () => {
  it('is the area-weighted centre of the regions in image pixels', () => {
    const rects = focalRectsOf(
      [
        { left: 0.1, top: 0.1, right: 0.2, bottom: 0.2, score: 9, name: 'face' },
        { left: 0.6, top: 0.5, right: 0.8, bottom: 0.7, score: 9, name: 'face' },
      ],
      1000,
      500,
    );
    assert.deepEqual(rects[0], { left: 100, top: 50, right: 200, bottom: 100 });
    const p = focalPoint(rects);
    // areas 5000 and 20000: weights 0.2 and 0.8
    assert.ok(p);
    assert.ok(Math.abs(p.x - (150 * 0.2 + 700 * 0.8)) < 1e-9);
    assert.ok(Math.abs(p.y - (75 * 0.2 + 300 * 0.8)) < 1e-9);
  });

  it('rounds and clamps regions to whole pixels as imagor does', () => {
    assert.deepEqual(
      pixelBox({ left: 0.101, top: 0, right: 0.2, bottom: 1.2, score: 1, name: 'f' }, 100, 10),
      {
        left: 10,
        top: 0,
        width: 10,
        height: 10,
      },
    );
    assert.equal(
      pixelBox({ left: 0.5, top: 0.5, right: 0.5, bottom: 0.9, score: 1, name: 'f' }, 100, 100),
      undefined,
    );
  });

  it('decodes a smart crop at the cover size, but never below the probe', () => {
    const cover = (w: number, h: number) => ({
      box: { width: w, height: h },
      // faceDecodeSize reads only the window's size; the scaled size is derived from the source
      op: {
        kind: 'cover' as const,
        width: w,
        height: h,
        scaled: { width: w, height: h },
        by: 'width' as const,
        anchor: { kind: 'smart' as const },
      },
    });
    assert.deepEqual(faceDecodeSize({ width: 2000, height: 2950 }, cover(500, 250), 400), {
      width: 500,
      height: 738,
    });
    assert.deepEqual(faceDecodeSize({ width: 2000, height: 2950 }, cover(50, 50), 400), {
      width: 271,
      height: 400,
    });
    assert.equal(faceDecodeSize({ width: 300, height: 200 }, cover(50, 50), 400), undefined);
    assert.equal(faceDecodeSize({ width: 300, height: 200 }, cover(600, 400), 400), undefined);
  });
});

describe('detection cache', () => {
  it('evicts the least recently used entry and expires entries after the TTL', () => {
    let now = 0;
    const c = new DetectionCache<number>(2, 1000, () => now);
    c.set('a', 1);
    c.set('b', 2);
    assert.equal(c.get('a'), 1);
    c.set('c', 3);
    assert.equal(c.get('b'), undefined);
    assert.equal(c.get('a'), 1);
    now = 1000;
    assert.equal(c.get('a'), undefined);
    assert.equal(new DetectionCache<number>(0, 0).length, 0);
  });

  it('answers a second detection of the same key without running the cascade', async () => {
    const d = createFaceDetector({ cascade, cacheSize: 10 });
    const probe = await probeOfPipeline(sharp(fixturePath('faces/people-800.jpg')).rotate());
    const first = await d.detect(probe, { key: 'people.jpg' });
    const second = await d.detect(probe, { key: 'people.jpg' });
    assert.deepEqual(second, first);
    assert.deepEqual(d.stats, { detections: 1, cacheHits: 1 });
    await d.detect(probe);
    assert.deepEqual(d.stats, { detections: 2, cacheHits: 1 });
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { BuiltServer } from '../../src/build.js';
import { FACE_DETECTOR_TOTALS } from '../../src/faces/detector.js';
import { paletteColor } from '../../src/processor/filters/detection.js';
import { fixturePath } from '../helpers/fixtures.js';
import { get, json, startFixtureServer } from '../helpers/server.js';

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
  score: number;
  name: string;
}
interface Meta {
  width: number;
  height: number;
  detected_regions?: Box[];
}

/** The two faces of people.jpg (2000x2950). */
const FACES = [
  [648, 636, 836, 824],
  [1192, 700, 1372, 880],
] as const;

async function rgb(body: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function inside(x: number, y: number, boxes: readonly Box[], margin = 0): boolean {
  return boxes.some(
    (b) => x >= b.left - margin && x < b.right + margin && y >= b.top - margin && y < b.bottom + margin,
  );
}

function sortByLeft(b: Box[]): Box[] {
  return [...b].sort((x, y) => x.left - y.left);
}

describe('faces on the real server (-face-detector)', () => {
  let server: BuiltServer;
  let plain: BuiltServer;
  before(async () => {
    server = await startFixtureServer(['-face-detector', '-face-detector-cache-size', '100']);
    plain = await startFixtureServer();
  });
  after(async () => {
    await server.close();
    await plain.close();
  });
  const url = (s: BuiltServer, p: string) => `${s.url}/unsafe/${p}`;

  it('500x250/smart of people.jpg keeps both faces in the frame', async () => {
    const r = await get(url(server, '500x250/smart/faces/people.jpg'));
    assert.equal(r.status, 200);
    const out = await rgb(r.body);
    assert.deepEqual([out.width, out.height], [500, 250]);
    // find the crop's offset in the 500x738 cover-scaled photo by matching pixels
    const scaled = await rgb(
      await sharp(fixturePath('faces/people.jpg')).resize(500, 738, { fit: 'fill' }).png().toBuffer(),
    );
    let best = { y: -1, diff: Infinity };
    for (let y = 0; y <= scaled.height - 250; y++) {
      let diff = 0;
      for (let row = 0; row < 250; row += 5) {
        for (let x = 0; x < 500; x += 5) {
          const a = (row * 500 + x) * 3;
          const b = ((row + y) * 500 + x) * 3;
          diff += Math.abs((out.data[a] ?? 0) - (scaled.data[b] ?? 0));
        }
      }
      if (diff < best.diff) best = { y, diff };
    }
    assert.ok(best.diff / (50 * 100) < 12, `no matching offset (mean diff ${best.diff / 5000})`);
    for (const [, top, , bottom] of FACES) {
      const t = (top * 738) / 2950;
      const b = (bottom * 738) / 2950;
      assert.ok(
        t >= best.y && b <= best.y + 250,
        `face rows ${t}–${b} outside crop rows ${best.y}–${best.y + 250}`,
      );
    }
  });

  it('/meta lists the two faces of people.jpg at their places, in output pixels', async () => {
    const m = json(await get(url(server, 'meta/smart/faces/people.jpg'))) as Meta;
    assert.deepEqual([m.width, m.height], [2000, 2950]);
    const regions = sortByLeft(m.detected_regions ?? []);
    assert.equal(regions.length, 2);
    for (const [i, [l, t, rr, b]] of FACES.entries()) {
      const g = regions[i];
      assert.ok(g);
      assert.equal(g.name, 'face');
      assert.ok(g.score >= 5);
      for (const [got, want] of [
        [g.left, l],
        [g.top, t],
        [g.right, rr],
        [g.bottom, b],
      ] as const) {
        assert.ok(Math.abs(got - want) <= 40, `${JSON.stringify(g)} vs ${FACES[i]}`);
      }
    }
    const small = json(await get(url(server, 'meta/400x200/smart/faces/people-800.jpg'))) as Meta;
    assert.deepEqual([small.width, small.height], [400, 200]);
    assert.equal(small.detected_regions?.length, 2);
    for (const g of small.detected_regions ?? []) assert.ok(g.left >= 0 && g.right <= 400 && g.bottom <= 200);
  });

  it('/meta lists no region on faceless photos, and none when the URL does not ask for detection', async () => {
    for (const f of ['bench/photo-a.jpg', 'sharp/Landscape_1.jpg', 'imagor/gopher.png']) {
      const m = json(await get(url(server, `meta/smart/${f}`))) as Meta;
      assert.equal(m.detected_regions, undefined, f);
    }
    const m = json(await get(url(server, 'meta/faces/people-800.jpg'))) as Meta;
    assert.equal(m.detected_regions, undefined);
  });

  it('draw_detections() draws 1 px boxes in the palette colour where the regions are', async () => {
    const m = json(await get(url(server, 'meta/filters:draw_detections()/faces/people-800.jpg'))) as Meta;
    const boxes = m.detected_regions ?? [];
    assert.equal(boxes.length, 2);
    const r = await get(url(server, 'filters:draw_detections():format(png)/faces/people-800.jpg'));
    const out = await rgb(r.body);
    const ink = [...paletteColor('face')];
    const at = (x: number, y: number) => [
      ...out.data.subarray((y * out.width + x) * 3, (y * out.width + x) * 3 + 3),
    ];
    // regions found on the drawn image may shift by a pixel or two: look for the ink near each edge
    for (const b of boxes) {
      const cx = Math.round((b.left + b.right) / 2);
      const nearTop = [-3, -2, -1, 0, 1, 2, 3].some(
        (d) => JSON.stringify(at(cx, b.top + d)) === JSON.stringify(ink),
      );
      const nearLeft = [-3, -2, -1, 0, 1, 2, 3].some(
        (d) => JSON.stringify(at(b.left + d, Math.round((b.top + b.bottom) / 2))) === JSON.stringify(ink),
      );
      assert.ok(nearTop && nearLeft, JSON.stringify(b));
      assert.notDeepEqual(at(cx, Math.round((b.top + b.bottom) / 2)), ink);
    }
  });

  for (const f of [
    'redact()',
    'redact(blur,25)',
    'redact(pixelate)',
    'redact(black)',
    'redact(white)',
    'redact(ff0000)',
    'redact_oval()',
    'redact_oval(pixelate)',
    'redact_oval(black)',
  ]) {
    it(`${f} changes the face areas and nothing else`, async () => {
      const m = json(await get(url(server, 'meta/smart/faces/people-800.jpg'))) as Meta;
      const boxes = m.detected_regions ?? [];
      assert.equal(boxes.length, 2);
      const before = await rgb((await get(url(server, 'filters:format(png)/faces/people-800.jpg'))).body);
      const after = await rgb((await get(url(server, `filters:${f}:format(png)/faces/people-800.jpg`))).body);
      assert.deepEqual([after.width, after.height], [before.width, before.height]);
      let outsideChanged = 0;
      for (let y = 0; y < after.height; y++) {
        for (let x = 0; x < after.width; x++) {
          if (inside(x, y, boxes, 3)) continue;
          const o = (y * after.width + x) * 3;
          if (
            after.data[o] !== before.data[o] ||
            after.data[o + 1] !== before.data[o + 1] ||
            after.data[o + 2] !== before.data[o + 2]
          )
            outsideChanged++;
        }
      }
      assert.equal(outsideChanged, 0);
      for (const b of boxes) {
        // the centre quarter of each face is obscured
        let diff = 0;
        let n = 0;
        const w = b.right - b.left;
        const h = b.bottom - b.top;
        for (let y = b.top + Math.round(h * 0.375); y < b.bottom - Math.round(h * 0.375); y++) {
          for (let x = b.left + Math.round(w * 0.375); x < b.right - Math.round(w * 0.375); x++) {
            const o = (y * after.width + x) * 3;
            for (let c = 0; c < 3; c++)
              diff += Math.abs((after.data[o + c] ?? 0) - (before.data[o + c] ?? 0));
            n += 3;
          }
        }
        assert.ok(diff / n > 4, `${f}: face at ${b.left},${b.top} barely changed (${diff / n})`);
      }
      if (f.includes('black')) {
        const b = boxes[0];
        assert.ok(b);
        const cx = Math.round((b.left + b.right) / 2);
        const cy = Math.round((b.top + b.bottom) / 2);
        assert.deepEqual(
          [...after.data.subarray((cy * after.width + cx) * 3, (cy * after.width + cx) * 3 + 3)],
          [0, 0, 0],
        );
      }
    });
  }

  it('a smart crop that detects keeps the ICC profile and EXIF, as without the detector', async () => {
    const path = '300x200/smart/imagor/Canon_40D.jpg';
    const a = await get(url(server, path));
    const b = await get(url(plain, path));
    assert.equal(a.status, 200);
    const [ma, mb] = await Promise.all([sharp(a.body).metadata(), sharp(b.body).metadata()]);
    assert.deepEqual([ma.width, ma.height], [300, 200]);
    assert.ok(ma.icc && mb.icc && ma.icc.equals(mb.icc), 'ICC profile kept');
    assert.ok(ma.exif && ma.exif.includes(Buffer.from('Canon')), 'EXIF kept');
  });

  it('the first smart request (detecting) and a cached one crop the same window', async () => {
    const cached = await startFixtureServer(['-face-detector', '-face-detector-cache-size', '10']);
    try {
      const runs = FACE_DETECTOR_TOTALS.detections;
      const path = '400x300/smart/faces/people.jpg';
      const first = await rgb((await get(url(cached, path))).body);
      assert.equal(FACE_DETECTOR_TOTALS.detections, runs + 1);
      const second = await rgb((await get(url(cached, path))).body);
      assert.equal(FACE_DETECTOR_TOTALS.detections, runs + 1);
      assert.deepEqual([first.width, first.height], [400, 300]);
      let diff = 0;
      for (let i = 0; i < first.data.length; i++)
        diff += Math.abs((first.data[i] ?? 0) - (second.data[i] ?? 0));
      // the same window decoded two ways differs by JPEG noise only (a window one pixel off: about 7)
      assert.ok(diff / first.data.length < 3, `mean difference ${diff / first.data.length}`);
    } finally {
      await cached.close();
    }
  });

  it('the detection cache answers a second smart request for the same image without a second detection', async () => {
    const runs = FACE_DETECTOR_TOTALS.detections;
    const hits = FACE_DETECTOR_TOTALS.cacheHits;
    assert.equal((await get(url(server, '300x300/smart/faces/photo-c-800.jpg'))).status, 200);
    assert.equal(FACE_DETECTOR_TOTALS.detections, runs + 1);
    assert.equal((await get(url(server, '200x100/smart/faces/photo-c-800.jpg'))).status, 200);
    assert.equal(FACE_DETECTOR_TOTALS.detections, runs + 1);
    assert.equal(FACE_DETECTOR_TOTALS.cacheHits, hits + 1);
  });

  it('without -face-detector nothing detects: no regions in /meta, redact and draw_detections are no-ops', async () => {
    const runs = FACE_DETECTOR_TOTALS.detections;
    const m = json(await get(url(plain, 'meta/smart/faces/people-800.jpg'))) as Meta;
    assert.equal(m.detected_regions, undefined);
    const base = await rgb((await get(url(plain, 'filters:format(png)/faces/people-800.jpg'))).body);
    for (const f of ['redact(black)', 'draw_detections()', 'redact_oval()']) {
      const out = await rgb((await get(url(plain, `filters:${f}:format(png)/faces/people-800.jpg`))).body);
      assert.ok(out.data.equals(base.data), f);
    }
    const a = await get(url(plain, '500x250/smart/faces/people-800.jpg'));
    assert.equal(a.status, 200);
    assert.equal(FACE_DETECTOR_TOTALS.detections, runs);
  });
});

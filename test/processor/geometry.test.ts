import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  alignedCrop,
  anchorOffset,
  colorImageSize,
  coverSize,
  extractArea,
  fitInside,
  focalCrop,
  focalPoint,
  frameLimit,
  manualCropEdges,
  orientedSize,
  parseFocal,
  planResize,
  resizesOnLoad,
  thumbnailSize,
  type CoverAnchor,
  type ShrinkSide,
  type ResizeRequest,
} from '../../src/processor/geometry.js';

const req = (r: Partial<ResizeRequest>): ResizeRequest => ({
  width: 0,
  height: 0,
  fitIn: false,
  fullFitIn: false,
  adaptive: false,
  stretch: false,
  maxWidth: 9999,
  maxHeight: 9999,
  ...r,
});

describe('manual crop', () => {
  const cases: [string, Parameters<typeof manualCropEdges>[0], ReturnType<typeof manualCropEdges>][] = [
    [
      'absolute',
      { left: 10, top: 20, right: 110, bottom: 220 },
      { left: 10, top: 20, right: 110, bottom: 220 },
    ],
    [
      'relative',
      { left: 0.1, top: 0.2, right: 0.5, bottom: 0.6 },
      { left: 60, top: 90, right: 300, bottom: 270 },
    ],
    [
      '0x0:1x1 is the whole image minus the last row/column',
      { right: 1, bottom: 1 },
      { left: 0, top: 0, right: 599, bottom: 449 },
    ],
    [
      'left/top alone crop to the edge (-1)',
      { left: 100, top: 100 },
      { left: 100, top: 100, right: 599, bottom: 449 },
    ],
    [
      'right 0 with bottom',
      { left: 100, top: 0, right: 0, bottom: 200 },
      { left: 100, top: 0, right: 599, bottom: 200 },
    ],
    [
      'clamped to size-1',
      { left: 0, top: 0, right: 5000, bottom: 5000 },
      { left: 0, top: 0, right: 599, bottom: 449 },
    ],
    ['none', {}, undefined],
    [
      'relative right 1.0 with absolute left stays absolute',
      { left: 2, top: 0, right: 1, bottom: 1 },
      { left: 2, top: 0, right: 1, bottom: 1 },
    ],
  ];
  for (const [name, crop, want] of cases) {
    it(name, () => assert.deepEqual(manualCropEdges(crop, 600, 450), want));
  }
  it('extractArea intersects crop and trim and drops empty / full areas', () => {
    assert.deepEqual(extractArea({ left: 10, top: 10, right: 100, bottom: 100 }, undefined, 600, 450), {
      left: 10,
      top: 10,
      width: 90,
      height: 90,
    });
    assert.deepEqual(
      extractArea(
        { left: 10, top: 10, right: 100, bottom: 100 },
        { left: 50, top: 0, width: 500, height: 60 },
        600,
        450,
      ),
      { left: 50, top: 10, width: 50, height: 50 },
    );
    assert.equal(extractArea(undefined, { left: 0, top: 0, width: 600, height: 450 }, 600, 450), undefined);
    assert.equal(extractArea({ left: 10, top: 10, right: 5, bottom: 100 }, undefined, 600, 450), undefined);
  });
});

describe('resize plan', () => {
  const img = { width: 600, height: 450 };
  const C = { kind: 'align', x: 'centre', y: 'centre' } as const;
  const cover = (w: number, h: number, sw: number, sh: number, by: ShrinkSide, anchor: CoverAnchor = C) => ({
    kind: 'cover' as const,
    width: w,
    height: h,
    scaled: { width: sw, height: sh },
    by,
    anchor,
  });
  const cases: [string, Partial<ResizeRequest>, ReturnType<typeof planResize>][] = [
    [
      'cover',
      { width: 300, height: 300 },
      { box: { width: 300, height: 300 }, op: cover(300, 300, 400, 300, 'height') },
    ],
    [
      'cover upscales by default',
      { width: 1200, height: 600 },
      { box: { width: 1200, height: 600 }, op: cover(1200, 600, 1200, 900, 'width') },
    ],
    [
      'cover no_upscale when larger on both sides',
      { width: 1200, height: 900, upscale: false },
      { box: { width: 1200, height: 900 }, op: { kind: 'none' } },
    ],
    [
      'after load, no_upscale with one side smaller still covers (upscaling the other)',
      { width: 1200, height: 300, upscale: false },
      { box: { width: 1200, height: 300 }, op: cover(1200, 300, 1200, 900, 'width') },
    ],
    [
      'on load, no_upscale keeps the native scale and crops what fits',
      { width: 1200, height: 300, upscale: false, onLoad: true },
      { box: { width: 1200, height: 300 }, op: cover(600, 300, 600, 450, 'width') },
    ],
    [
      'proportional width after load floors',
      { width: 0, height: 225 },
      { box: { width: 300, height: 225 }, op: cover(300, 225, 300, 225, 'width') },
    ],
    [
      'proportional height',
      { width: 300 },
      { box: { width: 300, height: 225 }, op: cover(300, 225, 300, 225, 'width') },
    ],
    ['both 0 → original', {}, { box: { width: 600, height: 450 }, op: { kind: 'none' } }],
    [
      'fit-in',
      { width: 300, height: 300, fitIn: true },
      { box: { width: 300, height: 300 }, op: { kind: 'scale', width: 300, height: 225, by: 'width' } },
    ],
    [
      'fit-in never upscales',
      { width: 1200, height: 1200, fitIn: true },
      { box: { width: 1200, height: 1200 }, op: { kind: 'none' } },
    ],
    [
      'fit-in upscale()',
      { width: 1200, height: 1200, fitIn: true, upscale: true },
      { box: { width: 1200, height: 1200 }, op: { kind: 'scale', width: 1200, height: 900, by: 'width' } },
    ],
    [
      'fit-in missing height bounded by max',
      { width: 300, fitIn: true, onLoad: true },
      { box: { width: 300, height: 225 }, op: { kind: 'scale', width: 300, height: 225, by: 'width' } },
    ],
    [
      'full-fit-in',
      { width: 300, height: 300, fitIn: true, fullFitIn: true },
      { box: { width: 400, height: 300 }, op: { kind: 'scale', width: 400, height: 300, by: 'width' } },
    ],
    [
      'full-fit-in upscales',
      { width: 900, height: 900, fitIn: true, fullFitIn: true },
      { box: { width: 1200, height: 900 }, op: { kind: 'scale', width: 1200, height: 900, by: 'width' } },
    ],
    [
      'adaptive swaps for a portrait box',
      { width: 200, height: 300, fitIn: true, adaptive: true },
      { box: { width: 300, height: 200 }, op: { kind: 'scale', width: 267, height: 200, by: 'height' } },
    ],
    [
      'adaptive keeps a landscape box',
      { width: 300, height: 200, fitIn: true, adaptive: true },
      { box: { width: 300, height: 200 }, op: { kind: 'scale', width: 267, height: 200, by: 'height' } },
    ],
    [
      'stretch',
      { width: 100, height: 300, stretch: true },
      { box: { width: 100, height: 300 }, op: { kind: 'scale', width: 100, height: 300 } },
    ],
    [
      'fit-in wins over stretch',
      { width: 100, height: 300, stretch: true, fitIn: true },
      { box: { width: 100, height: 300 }, op: { kind: 'scale', width: 100, height: 75, by: 'width' } },
    ],
    [
      'stretch no_upscale only when smaller on both',
      { width: 100, height: 900, stretch: true, upscale: false },
      { box: { width: 100, height: 900 }, op: { kind: 'none' } },
    ],
  ];
  for (const [name, r, want] of cases) it(name, () => assert.deepEqual(planResize(img, req(r)), want));

  it('full-fit-in grows the box by ceil, then fits it with libvips rounding', () => {
    // gopher.png 1634×2224 at 300x200: box 300×409, image 300×408
    assert.deepEqual(
      planResize(
        { width: 1634, height: 2224 },
        req({ width: 300, height: 200, fitIn: true, fullFitIn: true }),
      ),
      {
        box: { width: 300, height: 409 },
        op: { kind: 'scale', width: 300, height: 408, by: 'width' },
      },
    );
    // gopher-front.png 202×259 at 30x39: box 31×39, image 30×39
    assert.deepEqual(
      planResize({ width: 202, height: 259 }, req({ width: 30, height: 39, fitIn: true, fullFitIn: true })),
      {
        box: { width: 31, height: 39 },
        op: { kind: 'scale', width: 30, height: 39, by: 'height' },
      },
    );
    // Canon_40D.jpg 100×68 at 102x30: box 102×70 (ceil), image 102×69
    assert.deepEqual(
      planResize({ width: 100, height: 68 }, req({ width: 102, height: 30, fitIn: true, fullFitIn: true }))
        .op,
      { kind: 'scale', width: 102, height: 69, by: 'width' },
    );
  });

  it('a single size rounds on load and floors after load', () => {
    const canon = { width: 100, height: 68 };
    assert.deepEqual(planResize(canon, req({ height: 50, onLoad: true })), {
      box: { width: 74, height: 50 },
      op: { kind: 'scale', width: 74, height: 50, by: 'height' },
    });
    assert.deepEqual(planResize(canon, req({ height: 50 })).box, { width: 73, height: 50 });
  });

  it('no_upscale on load: 500x200 of a 202×259 image is 202×200', () => {
    const p = planResize(
      { width: 202, height: 259 },
      req({ width: 500, height: 200, upscale: false, onLoad: true }),
    );
    assert.deepEqual(p.op, cover(202, 200, 202, 259, 'width'));
  });

  it('adaptive swaps when the orientations differ (a square image counts as portrait)', () => {
    const p = planResize(
      { width: 100, height: 100 },
      req({ width: 200, height: 100, fitIn: true, adaptive: true }),
    );
    assert.deepEqual(p.box, { width: 100, height: 200 });
  });

  it('cover anchors: on load a lone alignment pins both axes, after load the excess axis decides', () => {
    const onLoad = planResize(img, req({ width: 100, height: 300, vAlign: 'top', onLoad: true })).op;
    assert.deepEqual(onLoad.kind === 'cover' && onLoad.anchor, { kind: 'align', x: 'low', y: 'low' });
    const after = planResize(img, req({ width: 100, height: 300, vAlign: 'top' })).op;
    assert.deepEqual(after.kind === 'cover' && after.anchor, { kind: 'align', x: 'centre', y: 'centre' });
    const left = planResize(img, req({ width: 100, height: 300, hAlign: 'left', vAlign: 'bottom' })).op;
    assert.deepEqual(left.kind === 'cover' && left.anchor, { kind: 'align', x: 'low', y: 'centre' });
    // an alignment pair is not made on load
    const pair = planResize(
      img,
      req({ width: 100, height: 300, hAlign: 'left', vAlign: 'bottom', onLoad: true }),
    ).op;
    assert.deepEqual(pair, left);
  });

  it('thumbnailSize rounds the other side; cover of an animated 121×128 at 100x200 is 189×200', () => {
    assert.deepEqual(coverSize(121, 128, 100, 200), { width: 189, height: 200 });
    assert.deepEqual(fitInside(600, 450, 100, 100), { width: 100, height: 75 });
    assert.deepEqual(fitInside(450, 600, 100, 100), { width: 75, height: 100 });
    assert.deepEqual(coverSize(600, 450, 100, 100), { width: 133, height: 100 });
    assert.deepEqual(thumbnailSize(202, 259, 500, 200, 'cover', 'down'), { width: 202, height: 259 });
  });

  it('resizesOnLoad follows the filters and URL parts that make imagor load the whole image', () => {
    const base = { crop: false, filters: [] };
    assert.equal(resizesOnLoad(base), true);
    assert.equal(resizesOnLoad({ ...base, trim: true }), false);
    assert.equal(resizesOnLoad({ ...base, vFlip: true }), false);
    assert.equal(resizesOnLoad({ ...base, fullFitIn: true }), false);
    assert.equal(resizesOnLoad({ ...base, adaptive: true }), false);
    assert.equal(resizesOnLoad({ ...base, crop: true }), false);
    for (const f of [
      'fill(auto)',
      'background_color(auto)',
      'orient(90)',
      'max_bytes(1000)',
      'trim()',
      'focal(1x1)',
      'rotate(0)',
    ]) {
      const m = /^(\w+)\((.*)\)$/.exec(f);
      assert.equal(
        resizesOnLoad({ ...base, filters: [{ name: m?.[1] ?? '', args: m?.[2] ?? '' }] }),
        false,
        f,
      );
    }
    assert.equal(
      resizesOnLoad({
        ...base,
        filters: [
          { name: 'fill', args: 'white' },
          { name: 'orient', args: '0' },
        ],
      }),
      true,
    );
  });
});

describe('crop anchors', () => {
  it('anchorOffset', () => {
    assert.equal(anchorOffset(400, 300, 'low'), 0);
    assert.equal(anchorOffset(400, 300, 'centre'), 50);
    assert.equal(anchorOffset(400, 300, 'high'), 100);
    assert.equal(anchorOffset(300, 300, 'high'), 0);
  });
  it('alignedCrop uses the axis with the excess', () => {
    assert.deepEqual(
      alignedCrop({ width: 400, height: 300 }, { width: 300, height: 300 }, 'left', 'bottom'),
      {
        left: 0,
        top: 0,
        width: 300,
        height: 300,
      },
    );
    assert.deepEqual(
      alignedCrop({ width: 300, height: 400 }, { width: 300, height: 300 }, 'left', 'bottom'),
      {
        left: 0,
        top: 100,
        width: 300,
        height: 300,
      },
    );
  });
  it('focal point is the area-weighted centroid', () => {
    assert.deepEqual(focalPoint([{ left: 0, top: 0, right: 10, bottom: 10 }]), { x: 5, y: 5 });
    const p = focalPoint([
      { left: 0, top: 0, right: 10, bottom: 10 },
      { left: 90, top: 90, right: 120, bottom: 120 },
    ]);
    assert.ok(p && Math.abs(p.x - 95) < 1e-9 && Math.abs(p.y - 95) < 1e-9);
    assert.equal(focalPoint([]), undefined);
  });
  it('focalCrop centres and clamps', () => {
    assert.deepEqual(focalCrop({ width: 400, height: 300 }, { width: 200, height: 300 }, 0.5, 0.5), {
      left: 100,
      top: 0,
      width: 200,
      height: 300,
    });
    assert.deepEqual(
      focalCrop({ width: 400, height: 300 }, { width: 200, height: 300 }, 0.99, 0.5).left,
      200,
    );
    assert.deepEqual(focalCrop({ width: 400, height: 300 }, { width: 200, height: 300 }, 0, 0.5).left, 0);
  });
  it('parseFocal reads regions and points, relative or absolute', () => {
    const size = { width: 600, height: 450 };
    assert.deepEqual(parseFocal('10x20:30x40', size), { left: 10, top: 20, right: 30, bottom: 40 });
    assert.deepEqual(parseFocal('0.5x0.5:1x1', size), { left: 300, top: 225, right: 600, bottom: 450 });
    assert.deepEqual(parseFocal('100,200', size), { left: 100, top: 200, right: 101, bottom: 201 });
    assert.deepEqual(parseFocal('0.5:0.5', size), { left: 300, top: 225, right: 301, bottom: 226 });
    assert.equal(parseFocal('abc', size), undefined);
  });
});

describe('misc', () => {
  it('orientedSize swaps for 5..8', () => {
    for (const o of [0, 1, 2, 3, 4]) assert.deepEqual(orientedSize(450, 600, o), { width: 450, height: 600 });
    for (const o of [5, 6, 7, 8]) assert.deepEqual(orientedSize(450, 600, o), { width: 600, height: 450 });
  });
  it('frameLimit', () => {
    assert.equal(frameLimit(undefined, -1), -1);
    assert.equal(frameLimit(3, -1), 3);
    assert.equal(frameLimit(undefined, 5), 5);
    assert.equal(frameLimit(3, 2), 2);
    // max_frames(0) and negative values are ignored (imagor)
    assert.equal(frameLimit(0, -1), -1);
    assert.equal(frameLimit(-3, 4), 4);
    assert.equal(frameLimit(9, 4), 4);
    assert.equal(frameLimit(undefined, -5), 1);
    assert.equal(frameLimit(undefined, 0), 1);
  });
  it('colorImageSize', () => {
    assert.deepEqual(colorImageSize(0, 0, 9999, 9999), { width: 1, height: 1 });
    assert.deepEqual(colorImageSize(50, 0, 9999, 9999), { width: 50, height: 50 });
    assert.deepEqual(colorImageSize(0, 70, 9999, 9999), { width: 70, height: 70 });
    assert.deepEqual(colorImageSize(20000, 10, 9999, 9999), { width: 9999, height: 10 });
  });
});

describe('manual crop edges (imagor)', () => {
  it('50x50:0x0 of 512×320 reaches the right/bottom edge minus one: 461×269', () => {
    const e = manualCropEdges({ left: 50, top: 50, right: 0, bottom: 0 }, 512, 320);
    assert.deepEqual(extractArea(e, undefined, 512, 320), { left: 50, top: 50, width: 461, height: 269 });
  });
  it('a crop combines with the trim box by intersection', () => {
    const e = manualCropEdges({ left: 50, top: 50, right: 0, bottom: 0 }, 512, 320);
    assert.deepEqual(extractArea(e, { left: 0, top: 0, width: 400, height: 300 }, 512, 320), {
      left: 50,
      top: 50,
      width: 350,
      height: 250,
    });
  });
});

describe('focal window (imagor focal thumbnail)', () => {
  it('truncates the window offset rather than rounding', () => {
    // 0.3 × 401 − 100 = 20.3 → 20; a round would give the same, 0.301 × 401 − 100 = 20.7 → 20 (round: 21)
    assert.equal(focalCrop({ width: 401, height: 100 }, { width: 200, height: 100 }, 0.301, 0.5).left, 20);
  });
});

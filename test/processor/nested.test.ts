import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { ImagorError } from '../../src/errors.js';
import { run } from './helpers.js';

interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  ch: number;
}

async function pixels(url: string): Promise<Pixels> {
  const { data, info } = await sharp((await run(url)).data)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, ch: info.channels };
}

function at(img: Pixels, x: number, y: number): number[] {
  const o = (y * img.width + x) * img.ch;
  return [...img.data.subarray(o, o + 3)];
}

const RED = [255, 0, 0];
const BLUE = [0, 0, 255];

function near(a: number[], b: number[], tol = 3): boolean {
  return a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= tol);
}

/** A 200×100 blue PNG base with the given filters. */
const base = (filters: string): string => `unsafe/200x100/filters:format(png):${filters}/color:0000ff`;

describe('image() with nested imagor paths', () => {
  it('f-N / full-N sizes are the parent size minus N', async () => {
    const img = await pixels(base('image(/f-50xfull-20/color:ff0000,0,0)'));
    assert.ok(near(at(img, 149, 79), RED));
    assert.ok(near(at(img, 150, 79), BLUE));
    assert.ok(near(at(img, 149, 80), BLUE));
  });

  it('f / full cover the whole parent', async () => {
    const img = await pixels(base('image(/fxfull/color:ff0000,0,0)'));
    assert.ok(near(at(img, 0, 0), RED));
    assert.ok(near(at(img, 199, 99), RED));
  });

  it('the parent is the current image, after earlier filters', async () => {
    const img = await pixels(base('padding(blue,10):image(/fxf/color:ff0000,0,0)'));
    assert.equal(`${img.width}x${img.height}`, '220x120');
    assert.ok(near(at(img, 219, 119), RED));
  });

  it('positions: negative, center, right/bottom, percentages', async () => {
    const neg = await pixels(base('image(/20x20/color:ff0000,-10,-10)'));
    assert.ok(near(at(neg, 170, 70), RED));
    assert.ok(near(at(neg, 189, 89), RED));
    assert.ok(near(at(neg, 190, 90), BLUE));
    const centre = await pixels(base('image(/20x20/color:ff0000,center,center)'));
    assert.ok(near(at(centre, 90, 40), RED));
    assert.ok(near(at(centre, 89, 40), BLUE));
    const edge = await pixels(base('image(/20x20/color:ff0000,right,bottom)'));
    assert.ok(near(at(edge, 199, 99), RED));
    assert.ok(near(at(edge, 179, 99), BLUE));
    const pct = await pixels(base('image(/20x20/color:ff0000,50p,0.5)'));
    assert.ok(near(at(pct, 100, 50), RED));
    assert.ok(near(at(pct, 99, 50), BLUE));
    const off = await pixels(base('image(/20x20/color:ff0000,500,500)'));
    assert.ok(near(at(off, 199, 99), BLUE));
  });

  it('alpha 50 blends half-way; alpha 100 shows nothing', async () => {
    const half = await pixels(base('image(/20x20/color:ff0000,0,0,50)'));
    assert.ok(near(at(half, 5, 5), [128, 0, 127], 3), String(at(half, 5, 5)));
    const none = await pixels(base('image(/20x20/color:ff0000,0,0,100)'));
    assert.ok(near(at(none, 5, 5), BLUE));
  });

  it('nested filters with commas and nested image() calls', async () => {
    const rounded = await pixels(base('image(/40x40/filters:round_corner(20,20)/color:ff0000,10,10)'));
    assert.ok(near(at(rounded, 10, 10), BLUE));
    assert.ok(near(at(rounded, 30, 30), RED));
    const deep = await pixels(base('image(/100x50/filters:image(/20x20/color:ff0000,0,0)/color:00ff00,0,0)'));
    assert.ok(near(at(deep, 5, 5), RED));
    assert.ok(near(at(deep, 50, 30), [0, 255, 0]));
    assert.ok(near(at(deep, 150, 80), BLUE));
  });

  it('flipped and fitted nested sources, and the `repeat` position', async () => {
    const tiled = await pixels(base('image(/30x30/color:ff0000,repeat,0)'));
    assert.ok(near(at(tiled, 195, 10), RED));
    const fitted = await pixels(
      'unsafe/200x200/filters:format(png):image(/fit-in/-100x100/imagor/gopher-front.png,0,0)/color:0000ff',
    );
    // gopher-front is 202×259: fitted to 78×100, the rest of the 200×200 base stays blue
    assert.ok(near(at(fitted, 150, 150), BLUE));
    assert.ok(!near(at(fitted, 40, 50), BLUE, 40));
  });

  it('nesting is bounded', async () => {
    let path = '/10x10/color:red';
    for (let i = 0; i < 10; i++) path = `/10x10/filters:image(${path},0,0)/color:blue`;
    await assert.rejects(run(base(`image(${path},0,0)`)), (err: unknown) => {
      assert.ok(err instanceof ImagorError);
      assert.equal(err.status, 400);
      return true;
    });
  });
});

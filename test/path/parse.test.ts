import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatePath } from '../../src/path/generate.js';
import { parse, scanFilters } from '../../src/path/parse.js';
import { ALL_CASES, IMAGOR_TEST_PATHS, comparable, f } from './cases.js';

describe('parse: imagor request paths table', () => {
  it('covers every path of imagor-test-paths.txt plus at least 150 more cases overall', () => {
    assert.equal(IMAGOR_TEST_PATHS.length, 383);
    assert.ok(ALL_CASES.length >= 500, `only ${ALL_CASES.length} cases`);
  });

  for (const { input, expected } of ALL_CASES) {
    const label = JSON.stringify(input.length > 120 ? input.slice(0, 120) + '…' : input);
    it(`parses ${label}`, () => {
      assert.deepStrictEqual(parse(input), expected);
    });
    it(`round-trips ${label} through generatePath`, () => {
      const p = parse(input);
      const again = parse('unsafe/' + generatePath(p));
      assert.deepStrictEqual(comparable(again), comparable(p));
      assert.equal(again.unsafe, true);
    });
  }
});

describe('parse: details', () => {
  it('keeps the escaped path after the hash as the signed string', () => {
    const p = parse('/HASHHASHHASHHASHHASH/fit-in/a%20b.jpg');
    assert.equal(p.hash, 'HASHHASHHASHHASHHASH');
    assert.equal(p.path, 'fit-in/a%20b.jpg');
    assert.equal(p.image, 'a b.jpg');
  });

  it('leaves zero values undefined instead of 0 or false', () => {
    const p = parse('unsafe/0x0/0x0:0x0/img.jpg');
    assert.deepStrictEqual(Object.keys(p).sort(), ['image', 'path', 'unsafe']);
  });

  it('treats a 16-character first segment as image and a 17-character one as hash', () => {
    assert.equal(parse('abcdefghijklmnop/a.jpg').hash, undefined);
    assert.equal(parse('abcdefghijklmnopq/a.jpg').hash, 'abcdefghijklmnopq');
  });

  it('does not take adaptive-full-fit-in for a signature', () => {
    const p = parse('adaptive-full-fit-in/10x10/a.jpg');
    assert.equal(p.hash, undefined);
    assert.equal(p.path, 'adaptive-full-fit-in/10x10/a.jpg');
    assert.equal(p.full_fit_in, true);
  });
});

describe('scanFilters', () => {
  it('splits nested imagor paths as one argument and returns the rest as image', () => {
    assert.deepStrictEqual(
      scanFilters('image(/fit-in/100x100/filters:grayscale()/a.png,10,10):blur(2)/x/y.png'),
      {
        filters: [f('image', '/fit-in/100x100/filters:grayscale()/a.png,10,10'), f('blur', '2')],
        image: 'x/y.png',
      },
    );
  });

  it('drops text between ) and the next :', () => {
    assert.deepStrictEqual(scanFilters('format()jpg:quality(5)junk'), {
      filters: [f('format'), f('quality', '5')],
      image: '',
    });
  });

  it('keeps names case-sensitive and unknown names as they are', () => {
    assert.deepStrictEqual(scanFilters('BLUR(5):Fill(Red)/a'), {
      filters: [f('BLUR', '5'), f('Fill', 'Red')],
      image: 'a',
    });
  });

  it('returns no filter for a name without parentheses at the end', () => {
    assert.deepStrictEqual(scanFilters('grayscale/a.jpg'), { filters: [], image: 'a.jpg' });
  });
});

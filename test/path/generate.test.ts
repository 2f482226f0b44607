import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFloat, generate, generatePath, generateUnsafe } from '../../src/path/generate.js';
import type { Filter, Params } from '../../src/path/params.js';
import { parse } from '../../src/path/parse.js';
import { createSigner } from '../../src/path/signer.js';
import { comparable } from './cases.js';

describe('generatePath: imagor output kept exactly', () => {
  // imagorpath/params_test.go: Generate*(Parse(uri)) == uri
  const paths = [
    'meta/trim/10x11:12x13/fit-in/-300x-200/left/top/smart/filters:some_filter()/img',
    'meta/trim:bottom-right:100/10x11:12x13/fit-in/-300x-200/left/top/smart/filters:some_filter()/s.glbimg.com/es/ge/f/original/2011/03/29/orlandosilva_60.jpg',
    'meta/trim/10x11:12x13/fit-in/-300x-200/left/top/smart/filters:some_filter()/b64:bXkgaW1hZ2UgKHNwZWNpYWwpPy5qcGc',
    'meta/trim/10x11:12x13/fit-in/-300x-200/left/top/smart/filters:some_filter()/b64:some-file.jpg',
    'filters:watermark(s.glbimg.com/es/ge/f/original/2011/03/29/orlandosilva_60.jpg,0,0,0)/img',
    'filters:watermark(s.glbimg.com/filters:label(abc):watermark(aaa.com/fit-in/filters:aaa(bbb))/aaa.jpg,0,0,0):brightness(-50):grayscale()/img',
    'filters:label(哈哈,1,2,3):brightness(-50):grayscale()/img',
    'meta/trim/0.2x0.15:0.45x0.67/fit-in/-300x-200/left/top/smart/filters:some_filter()/img',
    'adaptive-full-fit-in/300x200/img',
    'full-fit-in/300x200/smart/img',
  ];
  for (const path of paths) {
    it(`GeneratePath(Parse(${JSON.stringify(path)}))`, () => {
      assert.equal(generatePath(parse(path)), path);
    });
  }
  const unsafe = [
    'unsafe/https://foobar/en/latest/_images/man_before_sharpen.png',
    'unsafe/https:%2F%2Ffoobar%2Fen%2Flatest%2F_images%2Fman_before_sharpen.png%3Ffoo=bar',
    ...['trim', 'meta', 'center', 'smart', 'fit-in', 'stretch', 'top', 'left', 'right', 'bottom'].map(
      (k) => `unsafe/${k}%2Fimg`,
    ),
    'unsafe/photo%281%29.jpg',
    'unsafe/photo%2Cversion2.jpg',
    'unsafe/my%20image%20%28special%2C%20v2%29.jpg',
    'unsafe/filters:blur(5)/photo%281%29.jpg',
    'unsafe/fit-in/0x0/5x6:7x8/https://foobar/en/latest/_images/man_before_sharpen.png',
    'unsafe/stretch/500x350/filters:watermark(http://thumborize.me/static/img/beach.jpg,100,100,50)/http://thumborize.me/static/img/beach.jpg',
  ];
  for (const uri of unsafe) {
    it(`GenerateUnsafe(Parse(${JSON.stringify(uri)}))`, () => {
      assert.equal(generateUnsafe(parse(uri)), uri);
    });
  }

  it('signs with Generate (sha1 and sha256/40 vectors of params_test.go)', () => {
    const path = 'meta/10x11:12x13/fit-in/-300x-200/5x6/left/top/smart/filters:some_filter()/img';
    const sha1 = 'VTAq7YIRbEXgtwAcsTMhAjvBuT8=/' + path;
    const sha256 = 'XBCO7esuLsNQuSF2v9ie36pESRGx2rzLjhUxXWnV/' + path;
    assert.equal(generate(parse(sha1), createSigner({ secret: '1234' })), sha1);
    assert.equal(
      generate(parse(sha256), createSigner({ secret: '1234', type: 'sha256', truncate: 40 })),
      sha256,
    );
  });

  it('normalises negative dimensions to flips', () => {
    assert.equal(generateUnsafe({ width: -167, height: -169, image: 'foobar' }), 'unsafe/-167x-169/foobar');
    assert.equal(generatePath({ width: -10, h_flip: true, image: 'a' }), '10x0/a');
  });

  it('regenerates -x- as -0x-0 and drops center/middle', () => {
    assert.equal(generatePath(parse('unsafe/-x-/img.jpg')), '-0x-0/img.jpg');
    assert.equal(generatePath(parse('unsafe/600x400/center/middle/img.jpg')), '600x400/img.jpg');
  });

  it('writes the canonical order with minimal crop floats and the short padding form', () => {
    assert.equal(
      generatePath(parse('unsafe/meta/trim:top-left:7/.5x.25:1.5x.75/full-fit-in/stretch/x/4x4:4x4/smart/a')),
      'meta/trim:7/0.5x0.25:1.5x0.75/full-fit-in/stretch/0x0/4x4/smart/a',
    );
  });

  it('emits a dimension segment whenever padding is set', () => {
    assert.equal(generatePath({ padding_right: 7, image: 'a' }), '0x0/0x0:7x0/a');
    assert.equal(generatePath({ padding_left: 3, padding_right: 3, image: 'a' }), '0x0/3x0/a');
  });

  it('writes the readme example with an empty image and a trailing slash', () => {
    const p: Params = {
      fit_in: true,
      width: 500,
      height: 400,
      padding_top: 20,
      padding_bottom: 20,
      filters: [{ name: 'fill', args: 'white' }],
    };
    assert.equal(generatePath(p), 'fit-in/500x400/0x20/filters:fill(white)/');
    assert.equal(generatePath({}), '');
    assert.equal(generateUnsafe({}), 'unsafe/');
  });

  it('writes filters as name(args) joined by colons', () => {
    assert.equal(
      generatePath({
        filters: [{ name: 'a' }, { name: 'b', args: 'x,(y:z)' }, { name: '', args: '' }, { name: 'c' }],
      }),
      'filters:a():b(x,(y:z)):():c()/',
    );
    assert.equal(generatePath({ filters: [{ name: 'a' }, { name: '', args: 'z' }] }), 'filters:a():(z):/');
    assert.deepStrictEqual(parse('unsafe/filters:a():(z):/').filters, [
      { name: 'a' },
      { name: '', args: 'z' },
    ]);
  });
});

describe('generatePath: image escaping', () => {
  const cases: [Params, string][] = [
    [{ image: 'https://example.com/a.jpg?x=1' }, 'https:%2F%2Fexample.com%2Fa.jpg%3Fx=1'],
    [{ image: 'a+b.jpg' }, 'a%2Bb.jpg'],
    [{ width: 10, image: '100x100/img.jpg' }, '10x0/100x100%2Fimg.jpg'],
    [{ image: '100x100/img.jpg' }, '100x100%2Fimg.jpg'],
    [{ filters: [{ name: 'x' }], image: '100x100/img.jpg' }, 'filters:x()/100x100/img.jpg'],
    [{ image: 'filters:x()/a.jpg' }, 'filters%3Ax%28%29%2Fa.jpg'],
    [{ image: 'filters:a.jpg' }, 'filters%3Aa.jpg'],
    [{ image: 'a b/c.jpg' }, 'a b/c.jpg'],
    [{ image: 'photo(1).jpg' }, 'photo%281%29.jpg'],
    [{ image: 'line\nbreak.jpg' }, 'line%0Abreak.jpg'],
    [{ image: 'u\u2028v\u0085.jpg' }, 'u%E2%80%A8v%C2%85.jpg'],
    [{ image: '100%.jpg' }, '100%.jpg'],
    [{ image: '50%25.jpg' }, '50%2525.jpg'],
    [{ image: '/lead.jpg' }, '%2Flead.jpg'],
    [{ width: 1, image: '/lead.jpg' }, '1x0//lead.jpg'],
    [{ image: '日本/語.png' }, '日本/語.png'],
    [{ image: '日本(1)+.png' }, '%E6%97%A5%E6%9C%AC%281%29%2B.png'],
    [{ image: '?' }, '%3F'],
    [{ image: 'middle/img' }, 'middle%2Fimg'],
    [{ image: 'meta/img' }, 'meta%2Fimg'],
    [{ image: '10x5:1x2/a' }, '10x5:1x2%2Fa'],
    [{ image: 'trim:10/a' }, 'trim:10%2Fa'],
    [{ width: 10, image: 'trim:10/a' }, '10x0/trim:10/a'],
    [{ image: 'color:red' }, 'color:red'],
    [{ image: 'b64:some-file.jpg' }, 'b64:some-file.jpg'],
    [
      { image: 'https://example.com/a.jpg?x=1', base64_image: true },
      'b64:aHR0cHM6Ly9leGFtcGxlLmNvbS9hLmpwZz94PTE',
    ],
    [{ image: '', base64_image: true }, 'b64:'],
  ];
  for (const [p, expected] of cases) {
    it(`writes ${JSON.stringify(p)} as ${JSON.stringify(expected)}`, () => {
      assert.equal(generatePath(p), expected);
      const back = parse('unsafe/' + expected);
      assert.equal(back.image ?? '', p.image);
      assert.equal(back.base64_image ?? false, p.base64_image ?? false);
    });
  }

  it('has to write a literal b64:<valid base64> name as b64: (it would be decoded otherwise)', () => {
    assert.equal(generatePath({ image: 'b64:YWJj' }), 'b64:YjY0OllXSmo');
    assert.deepStrictEqual(parse('unsafe/b64:YjY0OllXSmo').image, 'b64:YWJj');
  });
});

describe('formatFloat', () => {
  const cases: [number, string][] = [
    [0.5, '0.5'],
    [10, '10'],
    [0.00612, '0.00612'],
    [1e-7, '0.0000001'],
    [1.5e-10, '0.00000000015'],
    [-2.5e-7, '-0.00000025'],
    [1e21, '1000000000000000000000'],
    [1.5e22, '15000000000000000000000'],
    [1.25e-9, '0.00000000125'],
  ];
  for (const [n, s] of cases) {
    it(`formats ${n} as ${s}`, () => assert.equal(formatFloat(n), s));
  }
});

/** Deterministic PRNG (mulberry32) so that failures reproduce. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('round trip fuzzing', () => {
  const IMAGE_PIECES = [
    'a',
    'img.jpg',
    '/',
    '//',
    '%',
    '%2F',
    '%zz',
    '+',
    ' ',
    '?',
    '(',
    ')',
    ',',
    ':',
    '=',
    '&',
    '#',
    '~',
    '\n',
    '\r',
    '\u2028',
    '\u0085',
    'é',
    '日本',
    '😀',
    'filters:',
    'b64:',
    'meta/',
    'trim/',
    'trim:5/',
    'fit-in/',
    'adaptive-fit-in/',
    'stretch/',
    '10x10/',
    '-x-/',
    '1x2:3x4/',
    '0.5x0.5:1x1/',
    'left/',
    'center/',
    'middle/',
    'bottom/',
    'smart/',
    'color:red',
    'https://a.com/b.jpg?x=1',
    'unsafe/',
    'params/',
    'abcdefghijklmnopqrstu/',
  ];
  const ARG_PIECES = [
    '1',
    'a',
    ',',
    '/',
    ':',
    '%2F',
    '+',
    ' ',
    '(x)',
    '(/a/b:c(d))',
    'é',
    'http://x.y/z.png?q=1',
    '-10',
  ];
  const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

  function randomParams(r: () => number): Params {
    const p: Params = {};
    if (r() < 0.3) p.meta = true;
    if (r() < 0.3) {
      p.trim = true;
      p.trim_by = r() < 0.5 ? 'top-left' : 'bottom-right';
      if (r() < 0.5) p.trim_tolerance = Math.floor(r() * 100) + 1;
    }
    if (r() < 0.3) {
      const crop = (): number => (r() < 0.5 ? Math.floor(r() * 1000) : Math.floor(r() * 1000) / 1000);
      p.crop_left = crop();
      p.crop_top = crop();
      p.crop_right = crop();
      p.crop_bottom = crop();
      for (const k of ['crop_left', 'crop_top', 'crop_right', 'crop_bottom'] as const)
        if (p[k] === 0) delete p[k];
    }
    if (r() < 0.4) {
      p.fit_in = true;
      if (r() < 0.3) p.adaptive_fit_in = true;
      if (r() < 0.3) p.full_fit_in = true;
    }
    if (r() < 0.2) p.stretch = true;
    if (r() < 0.6) p.width = Math.floor(r() * 2000) - 500;
    if (r() < 0.6) p.height = Math.floor(r() * 2000) - 500;
    if (r() < 0.2) p.h_flip = true;
    if (r() < 0.2) p.v_flip = true;
    if (r() < 0.3) {
      p.padding_left = Math.floor(r() * 20);
      p.padding_top = Math.floor(r() * 20);
      p.padding_right = r() < 0.5 ? p.padding_left : Math.floor(r() * 20);
      p.padding_bottom = r() < 0.5 ? p.padding_top : Math.floor(r() * 20);
    }
    if (r() < 0.3) p.h_align = pick(r, ['left', 'right', 'center'] as const);
    if (r() < 0.3) p.v_align = pick(r, ['top', 'bottom', 'middle'] as const);
    if (r() < 0.2) p.smart = true;
    if (r() < 0.5) {
      const filters: Filter[] = [];
      const n = 1 + Math.floor(r() * 3);
      for (let i = 0; i < n; i++) {
        let args = '';
        const m = Math.floor(r() * 4);
        for (let j = 0; j < m; j++) args += pick(r, ARG_PIECES);
        filters.push(
          args === '' ? { name: pick(r, ['blur', 'fill', 'watermark', 'BLUR', 'x_y']) } : { name: 'f', args },
        );
      }
      p.filters = filters;
    }
    let image = '';
    const n = Math.floor(r() * 6);
    for (let i = 0; i < n; i++) image += pick(r, IMAGE_PIECES);
    if (image !== '') p.image = image;
    if (r() < 0.1) p.base64_image = true;
    return p;
  }

  /** What parsing a generated path must give back for a programmatic p. */
  function expectedBack(p: Params): Params {
    const q: Params = { ...p };
    for (const [size, flip] of [
      ['width', 'h_flip'],
      ['height', 'v_flip'],
    ] as const) {
      const v = q[size] ?? 0;
      if (v < 0) {
        q[size] = -v;
        if (q[flip]) delete q[flip];
        else q[flip] = true;
      }
      if (q[size] === 0) delete q[size];
    }
    for (const k of ['padding_left', 'padding_top', 'padding_right', 'padding_bottom'] as const) {
      if (q[k] === 0) delete q[k];
    }
    return comparable(q);
  }

  it('parse(unsafe/ + generatePath(p)) gives p back for 3000 random programmatic Params', () => {
    const r = rng(12345);
    for (let i = 0; i < 3000; i++) {
      const p = randomParams(r);
      const path = generatePath(p);
      const back = comparable(parse('unsafe/' + path));
      const want = expectedBack(p);
      if (!want.base64_image && back.base64_image && p.image?.startsWith('b64:')) {
        // documented: a literal `b64:<valid>` name comes back flagged as base64
        want.base64_image = true;
      }
      assert.deepStrictEqual(back, want, `p=${JSON.stringify(p)} path=${JSON.stringify(path)}`);
    }
  });

  it('parse → generate → parse is stable for 3000 random request paths', () => {
    const r = rng(777);
    const PATH_PIECES = [
      ...IMAGE_PIECES,
      'filters:blur(5)/',
      'filters:a(b(c)/d):e()/',
      'filters:x)y(/',
      '-10x-0/',
      '.5x.5:1.5x.5/',
    ];
    for (let i = 0; i < 3000; i++) {
      let path = r() < 0.5 ? 'unsafe/' : '';
      const n = Math.floor(r() * 8);
      for (let j = 0; j < n; j++) path += pick(r, PATH_PIECES);
      const p = parse(path);
      const generated = generatePath(p);
      const back = parse('unsafe/' + generated);
      assert.deepStrictEqual(
        comparable(back),
        comparable(p),
        `path=${JSON.stringify(path)} generated=${JSON.stringify(generated)}`,
      );
      assert.equal(generatePath(back), generated, 'generation is idempotent');
    }
  });
});

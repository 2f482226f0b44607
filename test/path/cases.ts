import type { Filter, Params } from '../../src/path/params.js';

/** One request path and the Params imagor v1.9.5 parses from it (worked out by hand from spec §1). */
export interface ParseCase {
  input: string;
  expected: Params;
}

export const f = (name: string, args?: string): Filter => (args === undefined ? { name } : { name, args });

/** A path without `unsafe/` or a hash: `path` is the input after leading slashes. */
const N = (input: string, fields: Params): ParseCase => {
  const path = input.replace(/^\/+/, '');
  return { input, expected: path === '' ? fields : { path, ...fields } };
};
/** `unsafe/` + rest. */
const U = (rest: string, fields: Params): ParseCase => ({
  input: 'unsafe/' + rest,
  expected: { path: rest, unsafe: true, ...fields },
});
/** HASH/ + rest. */
const H = (hash: string, rest: string, fields: Params): ParseCase => ({
  input: hash + '/' + rest,
  expected: rest === '' ? { hash, ...fields } : { path: rest, hash, ...fields },
});

const gopher = { image: 'gopher.png' };
const front = { image: 'gopher-front.png' };
const banana = { image: 'dancing-banana.gif' };
const fit = (width: number, height: number): Params => ({ fit_in: true, width, height });
const wh = (width: number, height: number): Params => ({ width, height });
const pad = (l: number, t: number, r = l, b = t): Params => ({
  padding_left: l,
  padding_top: t,
  padding_right: r,
  padding_bottom: b,
});
const full6 = {
  meta: true,
  crop_left: 10,
  crop_top: 11,
  crop_right: 12,
  crop_bottom: 13,
  fit_in: true,
  width: 300,
  height: 200,
  h_flip: true,
  v_flip: true,
  h_align: 'left',
  v_align: 'top',
  smart: true,
  filters: [f('some_filter')],
} as const satisfies Params;
const NESTED_WM = 's.glbimg.com/filters:label(abc):watermark(aaa.com/fit-in/filters:aaa(bbb))/aaa.jpg,0,0,0';
const GLOBO = 's.glbimg.com/es/ge/f/original/2011/03/29/orlandosilva_60.jpg';
const FOOBAR = 'https://foobar/en/latest/_images/man_before_sharpen.png';
const fillFormatFocal = (focal: string): Filter[] => [
  f('fill', 'white'),
  f('format', 'jpeg'),
  f('focal', focal),
];

/** Every request path of /work/shared/docs/imagor-test-paths.txt, in file order. */
export const IMAGOR_TEST_PATHS: ParseCase[] = [
  // 1. imagorpath/params_test.go
  N('meta/trim/10x11:12x13/fit-in/-300x-200/left/top/smart/filters:some_filter()/img', {
    ...full6,
    trim: true,
    trim_by: 'top-left',
    image: 'img',
  }),
  N(
    'meta/trim:bottom-right:100/10x11:12x13/fit-in/-300x-200/left/top/smart/filters:some_filter()/s.glbimg.com/es/ge/f/original/2011/03/29/orlandosilva_60.jpg',
    { ...full6, trim: true, trim_by: 'bottom-right', trim_tolerance: 100, image: GLOBO },
  ),
  N(
    'meta/trim/10x11:12x13/fit-in/-300x-200/left/top/smart/filters:some_filter()/b64:bXkgaW1hZ2UgKHNwZWNpYWwpPy5qcGc',
    { ...full6, trim: true, trim_by: 'top-left', image: 'my image (special)?.jpg', base64_image: true },
  ),
  N('meta/trim/10x11:12x13/fit-in/-300x-200/left/top/smart/filters:some_filter()/b64:some-file.jpg', {
    ...full6,
    trim: true,
    trim_by: 'top-left',
    image: 'b64:some-file.jpg',
  }),
  N(`filters:watermark(${GLOBO},0,0,0)/img`, { image: 'img', filters: [f('watermark', GLOBO + ',0,0,0')] }),
  N(`filters:watermark(${GLOBO},0,0,0):brightness(-50):grayscale()/img`, {
    image: 'img',
    filters: [f('watermark', GLOBO + ',0,0,0'), f('brightness', '-50'), f('grayscale')],
  }),
  N(`filters:watermark(${NESTED_WM}):brightness(-50):grayscale()/img`, {
    image: 'img',
    filters: [f('watermark', NESTED_WM), f('brightness', '-50'), f('grayscale')],
  }),
  N('filters:label(哈哈,1,2,3):brightness(-50):grayscale()/img', {
    image: 'img',
    filters: [f('label', '哈哈,1,2,3'), f('brightness', '-50'), f('grayscale')],
  }),
  U(FOOBAR, { image: FOOBAR }),
  U('https:%2F%2Ffoobar%2Fen%2Flatest%2F_images%2Fman_before_sharpen.png%3Ffoo=bar', {
    image: FOOBAR + '?foo=bar',
  }),
  U('trim%2Fimg', { image: 'trim/img' }),
  U('meta%2Fimg', { image: 'meta/img' }),
  U('center%2Fimg', { image: 'center/img' }),
  U('smart%2Fimg', { image: 'smart/img' }),
  U('fit-in%2Fimg', { image: 'fit-in/img' }),
  U('stretch%2Fimg', { image: 'stretch/img' }),
  U('top%2Fimg', { image: 'top/img' }),
  U('left%2Fimg', { image: 'left/img' }),
  U('right%2Fimg', { image: 'right/img' }),
  U('bottom%2Fimg', { image: 'bottom/img' }),
  U('photo%281%29.jpg', { image: 'photo(1).jpg' }),
  U('photo%2Cversion2.jpg', { image: 'photo,version2.jpg' }),
  U('my%20image%20%28special%2C%20v2%29.jpg', { image: 'my image (special, v2).jpg' }),
  U('filters:blur(5)/photo%281%29.jpg', { image: 'photo(1).jpg', filters: [f('blur', '5')] }),
  U(`fit-in/0x0/5x6:7x8/${FOOBAR}`, { fit_in: true, ...pad(5, 6, 7, 8), image: FOOBAR }),
  U(
    'stretch/500x350/filters:watermark(http://thumborize.me/static/img/beach.jpg,100,100,50)/http://thumborize.me/static/img/beach.jpg',
    {
      stretch: true,
      ...wh(500, 350),
      filters: [f('watermark', 'http://thumborize.me/static/img/beach.jpg,100,100,50')],
      image: 'http://thumborize.me/static/img/beach.jpg',
    },
  ),
  H(
    'VTAq7YIRbEXgtwAcsTMhAjvBuT8=',
    'meta/10x11:12x13/fit-in/-300x-200/5x6/left/top/smart/filters:some_filter()/img',
    { ...full6, ...pad(5, 6), image: 'img' },
  ),
  H(
    'XBCO7esuLsNQuSF2v9ie36pESRGx2rzLjhUxXWnV',
    'meta/10x11:12x13/fit-in/-300x-200/5x6/left/top/smart/filters:some_filter()/img',
    { ...full6, ...pad(5, 6), image: 'img' },
  ),
  N('meta/trim/0.2x0.15:0.45x0.67/fit-in/-300x-200/left/top/smart/filters:some_filter()/img', {
    ...full6,
    trim: true,
    trim_by: 'top-left',
    crop_left: 0.2,
    crop_top: 0.15,
    crop_right: 0.45,
    crop_bottom: 0.67,
    image: 'img',
  }),
  N('adaptive-fit-in/300x200/img', { fit_in: true, adaptive_fit_in: true, ...wh(300, 200), image: 'img' }),
  N('full-fit-in/300x200/img', { fit_in: true, full_fit_in: true, ...wh(300, 200), image: 'img' }),
  N('adaptive-full-fit-in/300x200/img', {
    fit_in: true,
    adaptive_fit_in: true,
    full_fit_in: true,
    ...wh(300, 200),
    image: 'img',
  }),
  N('adaptive-fit-in/300x200/filters:blur(5)/img', {
    fit_in: true,
    adaptive_fit_in: true,
    ...wh(300, 200),
    filters: [f('blur', '5')],
    image: 'img',
  }),
  N('full-fit-in/300x200/smart/img', {
    fit_in: true,
    full_fit_in: true,
    ...wh(300, 200),
    smart: true,
    image: 'img',
  }),
  N('949x1000/img.jpg', { ...wh(949, 1000), image: 'img.jpg' }),
  N('1000x1000/img.jpg', { ...wh(1000, 1000), image: 'img.jpg' }),
  N('1920x1080/img.jpg', { ...wh(1920, 1080), image: 'img.jpg' }),
  N('-1920x-1080/img.jpg', { h_flip: true, v_flip: true, ...wh(1920, 1080), image: 'img.jpg' }),
  U('949x1000/Google Photos/IMG_20180519_191530.jpg', {
    ...wh(949, 1000),
    image: 'Google Photos/IMG_20180519_191530.jpg',
  }),
  N('99999x99999/img.jpg', { ...wh(99999, 99999), image: 'img.jpg' }),
  {
    input:
      '/unsafe/fit-in/800x800/filters:fill(white):watermark(raw.githubusercontent.com/cshum/imagor/master/testdata/gopher.png,repeat,bottom,10):format(jpeg)/https://raw.githubusercontent.com/golang-samples/gopher-vector/master/gopher .png///',
    expected: {
      path: 'fit-in/800x800/filters:fill(white):watermark(raw.githubusercontent.com/cshum/imagor/master/testdata/gopher.png,repeat,bottom,10):format(jpeg)/https://raw.githubusercontent.com/golang-samples/gopher-vector/master/gopher .png///',
      unsafe: true,
      ...fit(800, 800),
      filters: [
        f('fill', 'white'),
        f('watermark', 'raw.githubusercontent.com/cshum/imagor/master/testdata/gopher.png,repeat,bottom,10'),
        f('format', 'jpeg'),
      ],
      image: 'https://raw.githubusercontent.com/golang-samples/gopher-vector/master/gopher .png///',
    },
  },
  N('a-+', { image: 'a- ' }),
  N(`filters:watermark(${NESTED_WM}):brightness(-50):grayscale()/some/example/img`, {
    image: 'some/example/img',
    filters: [f('watermark', NESTED_WM), f('brightness', '-50'), f('grayscale')],
  }),
  N(`filters:watermark(${NESTED_WM}):brightness(-50):grayscale()`, {
    filters: [f('watermark', NESTED_WM), f('brightness', '-50'), f('grayscale')],
  }),
  N(`filters:watermark(${NESTED_WM}):brightness(-50):grayscale()/`, {
    filters: [f('watermark', NESTED_WM), f('brightness', '-50'), f('grayscale')],
  }),
  N('some/example/img', { image: 'some/example/img' }),
  N(`filters:watermark(${NESTED_WM}):format()jpg:brightness(-50):grayscale()`, {
    filters: [f('watermark', NESTED_WM), f('format'), f('brightness', '-50'), f('grayscale')],
  }),
  U('filters:image(/150x150/filters:image(/50x50/gopher-front.png,center,center)/gopher.png,10,10)/img', {
    filters: [f('image', '/150x150/filters:image(/50x50/gopher-front.png,center,center)/gopher.png,10,10')],
    image: 'img',
  }),
  U(
    'filters:image(/200x200/filters:image(/100x100/filters:image(/50x50/gopher.png,center,center)/demo.jpg,center,center)/base.jpg,center,center)/img',
    {
      filters: [
        f(
          'image',
          '/200x200/filters:image(/100x100/filters:image(/50x50/gopher.png,center,center)/demo.jpg,center,center)/base.jpg,center,center',
        ),
      ],
      image: 'img',
    },
  ),

  // 2. imagorpath/hasher_test.go
  N('fit-in/16x17/foobar', { ...fit(16, 17), image: 'foobar' }),
  N('17x19/smart/example.com/foobar', { ...wh(17, 19), smart: true, image: 'example.com/foobar' }),
  N('smart/example.com/foobar', { smart: true, image: 'example.com/foobar' }),
  N('166x169/top/foobar.jpg', { ...wh(166, 169), v_align: 'top', image: 'foobar.jpg' }),

  // 3. imagor_test.go
  U('foo.jpg', { image: 'foo.jpg' }),
  N('foo.jpg', { image: 'foo.jpg' }),
  U('testdata/gopher.png', { image: 'testdata/gopher.png' }),
  U('filters:attachment()/testdata/gopher.png', { filters: [f('attachment')], image: 'testdata/gopher.png' }),
  U('filters:attachment(foo.png)/testdata/demo1.jpg', {
    filters: [f('attachment', 'foo.png')],
    image: 'testdata/demo1.jpg',
  }),
  U('filters:attachment(foo.jpeg)/testdata/demo1.jpg', {
    filters: [f('attachment', 'foo.jpeg')],
    image: 'testdata/demo1.jpg',
  }),
  H('_-19cQt1szHeUV0WyWFntvTImDI=', 'foo.jpg', { image: 'foo.jpg' }),
  H('_-19cQt1szHeUV0WyWFntvTIm', 'foo.jpg', { image: 'foo.jpg' }),
  H('91DBDJtTFePFnbaj5Qq8JLvq5sM5VTipE685f4Gp', 'foo.jpg', { image: 'foo.jpg' }),
  U('filters%3Afill%28red%29/gopher.png', { image: 'filters:fill(red)/gopher.png' }),
  H('GSqGN9NrCj-DlGT38BaycScxM9g=', 'filters%3Afill%28red%29/gopher.png', {
    image: 'filters:fill(red)/gopher.png',
  }),
  U('filters:fill(red)/gopher.png', { filters: [f('fill', 'red')], ...gopher }),
  U('filters:fill(red):raw()/gopher.png', { filters: [f('fill', 'red'), f('raw')], ...gopher }),
  U('foobar', { image: 'foobar' }),
  U('filters:foo(bar)/foo.jpg', { filters: [f('foo', 'bar')], image: 'foo.jpg' }),
  U('foo', { image: 'foo' }),
  U('bar', { image: 'bar' }),
  U('ping', { image: 'ping' }),
  { input: 'unsafe/', expected: { unsafe: true } },
  U('empty', { image: 'empty' }),
  U('boooo', { image: 'boooo' }),
  U('boom', { image: 'boom' }),
  U('dood', { image: 'dood' }),
  U('poop', { image: 'poop' }),
  U('bond', { image: 'bond' }),
  U('filters:preview()/hi', { filters: [f('preview')], image: 'hi' }),
  U('err', { image: 'err' }),
  U('beep', { image: 'beep' }),
  U('fit-in/200x0/filters:format(jpg)/abc.png', {
    fit_in: true,
    width: 200,
    filters: [f('format', 'jpg')],
    image: 'abc.png',
  }),
  U('abc.png', { image: 'abc.png' }),
  U('filters:format(jpg)/abc.png', { filters: [f('format', 'jpg')], image: 'abc.png' }),
  U('filters:format(png)/abc.png', { filters: [f('format', 'png')], image: 'abc.png' }),
  U('test', { image: 'test' }),
  U('test-image', { image: 'test-image' }),
  U('200x200/color:red', { ...wh(200, 200), image: 'color:red' }),
  U('100x100/filters:format(png)/color:ff0000', {
    ...wh(100, 100),
    filters: [f('format', 'png')],
    image: 'color:ff0000',
  }),
  U('50x50/color:blue', { ...wh(50, 50), image: 'color:blue' }),
  U('100x100/color:transparent', { ...wh(100, 100), image: 'color:transparent' }),
  U('200x200/filters:preview()/cached.jpg', {
    ...wh(200, 200),
    filters: [f('preview')],
    image: 'cached.jpg',
  }),
  U('200x200/cached.jpg', { ...wh(200, 200), image: 'cached.jpg' }),
  U('filters:preview()/cached.jpg', { filters: [f('preview')], image: 'cached.jpg' }),
  U('500x0/filters:preview()/cached.jpg', { width: 500, filters: [f('preview')], image: 'cached.jpg' }),
  U('5000x4000/filters:preview()/cached.jpg', {
    ...wh(5000, 4000),
    filters: [f('preview')],
    image: 'cached.jpg',
  }),
  U('200x200/filters:preview()/other.jpg', { ...wh(200, 200), filters: [f('preview')], image: 'other.jpg' }),
  U('30x20:100x150/200x200/filters:preview()/cached.jpg', {
    crop_left: 30,
    crop_top: 20,
    crop_right: 100,
    crop_bottom: 150,
    ...wh(200, 200),
    filters: [f('preview')],
    image: 'cached.jpg',
  }),
  U('200x200/filters:preview():focal(0.5x0.5)/cached.jpg', {
    ...wh(200, 200),
    filters: [f('preview'), f('focal', '0.5x0.5')],
    image: 'cached.jpg',
  }),
  U('test.jpg', { image: 'test.jpg' }),
  U('photo.jpg', { image: 'photo.jpg' }),
  U('300x200/photo.jpg', { ...wh(300, 200), image: 'photo.jpg' }),

  // 4. processor/vipsprocessor/processor_test.go
  U('gopher-front.png', front),
  U('fit-in/100x100/demo1.jpg', { ...fit(100, 100), image: 'demo1.jpg' }),
  U('fit-in/100x100/demo3.webp', { ...fit(100, 100), image: 'demo3.webp' }),
  U('fit-in/100x100/gopher.tiff', { ...fit(100, 100), image: 'gopher.tiff' }),
  U('fit-in/100x100/gopher-front.avif', { ...fit(100, 100), image: 'gopher-front.avif' }),
  U('fit-in/100x100/jxl-isobmff.jxl', { ...fit(100, 100), image: 'jxl-isobmff.jxl' }),
  U('filters:format(gif):quality(70)/gopher-front.png', {
    filters: [f('format', 'gif'), f('quality', '70')],
    ...front,
  }),
  U('filters:format(webp):quality(70)/gopher-front.png', {
    filters: [f('format', 'webp'), f('quality', '70')],
    ...front,
  }),
  U('filters:format(tiff):quality(70)/gopher-front.png', {
    filters: [f('format', 'tiff'), f('quality', '70')],
    ...front,
  }),
  U('filters:format(jxl):quality(70)/gopher-front.png', {
    filters: [f('format', 'jxl'), f('quality', '70')],
    ...front,
  }),
  U('filters:format(avif):quality(70)/gopher-front.png', {
    filters: [f('format', 'avif'), f('quality', '70')],
    ...front,
  }),
  U('filters:format(heif):quality(70)/gopher-front.png', {
    filters: [f('format', 'heif'), f('quality', '70')],
    ...front,
  }),
  U('filters:format(webp):lossless()/gopher-front.png', {
    filters: [f('format', 'webp'), f('lossless')],
    ...front,
  }),
  U('filters:format(webp):lossless():quality(60)/gopher-front.png', {
    filters: [f('format', 'webp'), f('lossless'), f('quality', '60')],
    ...front,
  }),
  U('filters:format(jpeg):lossless():quality(70)/gopher-front.png', {
    filters: [f('format', 'jpeg'), f('lossless'), f('quality', '70')],
    ...front,
  }),
  U('filters:format(png):lossless()/gopher-front.png', {
    filters: [f('format', 'png'), f('lossless')],
    ...front,
  }),
  U('filters:format(webp):lossless():max_bytes(100)/gopher-front.png', {
    filters: [f('format', 'webp'), f('lossless'), f('max_bytes', '100')],
    ...front,
  }),
  U('meta/fit-in/100x100/demo1.jpg', { meta: true, ...fit(100, 100), image: 'demo1.jpg' }),
  U('meta/fit-in/100x100/dancing-banana.gif', { meta: true, ...fit(100, 100), ...banana }),
  U('meta/test.svg', { meta: true, image: 'test.svg' }),
  U('meta/gopher.jp2', { meta: true, image: 'gopher.jp2' }),
  U('meta/sample.pdf', { meta: true, image: 'sample.pdf' }),
  U('meta/gopher-front.heif', { meta: true, image: 'gopher-front.heif' }),
  U('meta/gopher.tiff', { meta: true, image: 'gopher.tiff' }),
  U('meta/fit-in/100x100/filters:format(jpg)/dancing-banana.gif', {
    meta: true,
    ...fit(100, 100),
    filters: [f('format', 'jpg')],
    ...banana,
  }),
  U('meta/Canon_40D.jpg', { meta: true, image: 'Canon_40D.jpg' }),
  U('meta/filters:strip_exif()/Canon_40D.jpg', {
    meta: true,
    filters: [f('strip_exif')],
    image: 'Canon_40D.jpg',
  }),
  U('fit-in/67x67/gopher-front.png', { ...fit(67, 67), ...front }),
  U('fit-in/67x67/demo1.jpg', { ...fit(67, 67), image: 'demo1.jpg' }),
  U('fit-in/67x67/demo3.webp', { ...fit(67, 67), image: 'demo3.webp' }),
  U('fit-in/67x67/gopher.tiff', { ...fit(67, 67), image: 'gopher.tiff' }),
  U('fit-in/67x67/dancing-banana.gif', { ...fit(67, 67), ...banana }),
  U('fit-in/67x67/gopher-front.avif', { ...fit(67, 67), image: 'gopher-front.avif' }),
  U('fit-in/67x67/filters:strip_metadata()/demo1.jpg', {
    ...fit(67, 67),
    filters: [f('strip_metadata')],
    image: 'demo1.jpg',
  }),
  U('fit-in/67x67/filters:strip_metadata()/demo3.webp', {
    ...fit(67, 67),
    filters: [f('strip_metadata')],
    image: 'demo3.webp',
  }),
  U('fit-in/67x67/filters:strip_metadata()/gopher.tiff', {
    ...fit(67, 67),
    filters: [f('strip_metadata')],
    image: 'gopher.tiff',
  }),
  U('fit-in/67x67/filters:strip_metadata()/dancing-banana.gif', {
    ...fit(67, 67),
    filters: [f('strip_metadata')],
    ...banana,
  }),
  U('fit-in/67x67/filters:strip_metadata()/gopher-front.avif', {
    ...fit(67, 67),
    filters: [f('strip_metadata')],
    image: 'gopher-front.avif',
  }),
  U(
    'filters:background_color():round_corner():padding():rotate():proportion():proportion(9999):proportion(0.0000000001):proportion(-10)/gopher-front.png',
    {
      filters: [
        f('background_color'),
        f('round_corner'),
        f('padding'),
        f('rotate'),
        f('proportion'),
        f('proportion', '9999'),
        f('proportion', '0.0000000001'),
        f('proportion', '-10'),
      ],
      ...front,
    },
  ),
  U(
    'trim/filters:watermark():blur(2):sharpen(2):brightness():contrast():hue():saturation():rgb():modulate()/dancing-banana.gif',
    {
      trim: true,
      trim_by: 'top-left',
      filters: [
        f('watermark'),
        f('blur', '2'),
        f('sharpen', '2'),
        f('brightness'),
        f('contrast'),
        f('hue'),
        f('saturation'),
        f('rgb'),
        f('modulate'),
      ],
      ...banana,
    },
  ),
  U(
    'filters:proportion():proportion(9999):proportion(0.0000000001):proportion(-10):sharpen(-1)/gopher-front.png',
    {
      filters: [
        f('proportion'),
        f('proportion', '9999'),
        f('proportion', '0.0000000001'),
        f('proportion', '-10'),
        f('sharpen', '-1'),
      ],
      ...front,
    },
  ),
  U('100x100/filters:quality(70):format(jpeg)/gopher.png', {
    ...wh(100, 100),
    filters: [f('quality', '70'), f('format', 'jpeg')],
    ...gopher,
  }),
  U('100x100/smart/filters:autojpg()/gopher.png', {
    ...wh(100, 100),
    smart: true,
    filters: [f('autojpg')],
    ...gopher,
  }),
  U('300x100/filters:fill(white):format(jpeg):focal(589x401:1000x814)/gopher.png', {
    ...wh(300, 100),
    filters: fillFormatFocal('589x401:1000x814'),
    ...gopher,
  }),
  U('100x300/filters:fill(white):format(jpeg):focal(589x401:1000x814)/gopher.png', {
    ...wh(100, 300),
    filters: fillFormatFocal('589x401:1000x814'),
    ...gopher,
  }),
  U('0x100:9999x9999/300x100/filters:fill(white):format(jpeg):focal(589x401:1000x814)/gopher.png', {
    crop_top: 100,
    crop_right: 9999,
    crop_bottom: 9999,
    ...wh(300, 100),
    filters: fillFormatFocal('589x401:1000x814'),
    ...gopher,
  }),
  U('300x100/filters:fill(white):format(jpeg):focal(0.35x0.25:0.6x0.3)/gopher.png', {
    ...wh(300, 100),
    filters: fillFormatFocal('0.35x0.25:0.6x0.3'),
    ...gopher,
  }),
  U('300x100/filters:fill(white):format(jpeg):focal(589x401):focal(1000x814)/gopher.png', {
    ...wh(300, 100),
    filters: [...fillFormatFocal('589x401'), f('focal', '1000x814')],
    ...gopher,
  }),
  U('300x100/filters:fill(white):format(jpeg):focal(9999x9999)/gopher.png', {
    ...wh(300, 100),
    filters: fillFormatFocal('9999x9999'),
    ...gopher,
  }),
  U('300x300/filters:format(jpeg):focal(150:150)/gopher-exif-orientation-cw90.png', {
    ...wh(300, 300),
    filters: [f('format', 'jpeg'), f('focal', '150:150')],
    image: 'gopher-exif-orientation-cw90.png',
  }),
  U('200x100/top/filters:quality(70):format(tiff)/gopher.png', {
    ...wh(200, 100),
    v_align: 'top',
    filters: [f('quality', '70'), f('format', 'tiff')],
    ...gopher,
  }),
  U('200x100/right/top/gopher.png', { ...wh(200, 100), h_align: 'right', v_align: 'top', ...gopher }),
  U('200x100/bottom/gopher.png', { ...wh(200, 100), v_align: 'bottom', ...gopher }),
  U('200x100/left/bottom/gopher.png', { ...wh(200, 100), h_align: 'left', v_align: 'bottom', ...gopher }),
  U('100x200/left/gopher.png', { ...wh(100, 200), h_align: 'left', ...gopher }),
  U('100x200/left/bottom/gopher.png', { ...wh(100, 200), h_align: 'left', v_align: 'bottom', ...gopher }),
  U('100x200/right/gopher.png', { ...wh(100, 200), h_align: 'right', ...gopher }),
  U('100x200/right/top/gopher.png', { ...wh(100, 200), h_align: 'right', v_align: 'top', ...gopher }),
  U('filters:proportion(10)/gopher.png', { filters: [f('proportion', '10')], ...gopher }),
  U('filters:proportion(0.1)/gopher.png', { filters: [f('proportion', '0.1')], ...gopher }),
  U('100x200/left/filters:orient(90)/gopher.png', {
    ...wh(100, 200),
    h_align: 'left',
    filters: [f('orient', '90')],
    ...gopher,
  }),
  U('200x200/filters:format(png):palette():bitdepth(4):compression(8)/gopher.png', {
    ...wh(200, 200),
    filters: [f('format', 'png'), f('palette'), f('bitdepth', '4'), f('compression', '8')],
    ...gopher,
  }),
  U('fit-in/50x0/filters:fill(white):format(jpg)/Canon_40D.jpg', {
    fit_in: true,
    width: 50,
    filters: [f('fill', 'white'), f('format', 'jpg')],
    image: 'Canon_40D.jpg',
  }),
  U('50x0/filters:fill(white):format(jpg)/Canon_40D.jpg', {
    width: 50,
    filters: [f('fill', 'white'), f('format', 'jpg')],
    image: 'Canon_40D.jpg',
  }),
  U('fit-in/0x50/filters:fill(white):format(jpg)/Canon_40D.jpg', {
    fit_in: true,
    height: 50,
    filters: [f('fill', 'white'), f('format', 'jpg')],
    image: 'Canon_40D.jpg',
  }),
  U('0x50/filters:fill(white):format(jpg)/Canon_40D.jpg', {
    height: 50,
    filters: [f('fill', 'white'), f('format', 'jpg')],
    image: 'Canon_40D.jpg',
  }),
  U('500x400/filters:no_upscale()/gopher-front.png', {
    ...wh(500, 400),
    filters: [f('no_upscale')],
    ...front,
  }),
  U('500x0/filters:no_upscale()/gopher-front.png', { width: 500, filters: [f('no_upscale')], ...front }),
  U('500x200/filters:no_upscale()/gopher-front.png', {
    ...wh(500, 200),
    filters: [f('no_upscale')],
    ...front,
  }),
  U('adaptive-fit-in/100x200/gopher.png', { ...fit(100, 200), adaptive_fit_in: true, ...gopher }),
  U('adaptive-fit-in/200x100/gopher-front.png', { ...fit(200, 100), adaptive_fit_in: true, ...front }),
  U('adaptive-fit-in/200x100/gopher.png', { ...fit(200, 100), adaptive_fit_in: true, ...gopher }),
  U('adaptive-fit-in/200x100/filters:fill(white):format(jpeg)/gopher-front.png', {
    ...fit(200, 100),
    adaptive_fit_in: true,
    filters: [f('fill', 'white'), f('format', 'jpeg')],
    ...front,
  }),
  U('adaptive-fit-in/200x300/filters:format(png)/gopher-landscape-exif-cw90.png', {
    ...fit(200, 300),
    adaptive_fit_in: true,
    filters: [f('format', 'png')],
    image: 'gopher-landscape-exif-cw90.png',
  }),
  U('full-fit-in/300x200/gopher.png', { ...fit(300, 200), full_fit_in: true, ...gopher }),
  U('full-fit-in/200x300/gopher-front.png', { ...fit(200, 300), full_fit_in: true, ...front }),
  U('full-fit-in/300x200/smart/gopher.png', { ...fit(300, 200), full_fit_in: true, smart: true, ...gopher }),
  U('full-fit-in/500x400/gopher-front.png', { ...fit(500, 400), full_fit_in: true, ...front }),
  U('full-fit-in/74x11/gopher-front.png', { ...fit(74, 11), full_fit_in: true, ...front }),
  U('full-fit-in/30x39/gopher-front.png', { ...fit(30, 39), full_fit_in: true, ...front }),
  U('full-fit-in/100x65/jpg-24bit-icc-adobe-rgb.jpg', {
    ...fit(100, 65),
    full_fit_in: true,
    image: 'jpg-24bit-icc-adobe-rgb.jpg',
  }),
  U('full-fit-in/102x30/Canon_40D.jpg', { ...fit(102, 30), full_fit_in: true, image: 'Canon_40D.jpg' }),
  U('full-fit-in/300x200/filters:format(png)/gopher-landscape-exif-cw90.png', {
    ...fit(300, 200),
    full_fit_in: true,
    filters: [f('format', 'png')],
    image: 'gopher-landscape-exif-cw90.png',
  }),
  U('adaptive-full-fit-in/100x200/gopher.png', {
    ...fit(100, 200),
    adaptive_fit_in: true,
    full_fit_in: true,
    ...gopher,
  }),
  U('adaptive-full-fit-in/200x100/filters:fill(yellow):format(jpeg)/gopher-front.png', {
    ...fit(200, 100),
    adaptive_fit_in: true,
    full_fit_in: true,
    filters: [f('fill', 'yellow'), f('format', 'jpeg')],
    ...front,
  }),
  U('adaptive-full-fit-in/500x400/gopher-front.png', {
    ...fit(500, 400),
    adaptive_fit_in: true,
    full_fit_in: true,
    ...front,
  }),
  U('adaptive-full-fit-in/200x300/filters:format(png)/gopher-landscape-exif-cw90.png', {
    ...fit(200, 300),
    adaptive_fit_in: true,
    full_fit_in: true,
    filters: [f('format', 'png')],
    image: 'gopher-landscape-exif-cw90.png',
  }),
  U('stretch/100x100/filters:modulate(-10,30,20)/gopher.png', {
    stretch: true,
    ...wh(100, 100),
    filters: [f('modulate', '-10,30,20')],
    ...gopher,
  }),
  U('fit-in/-200x0/filters:hue(290):saturation(100):fill(FFO):upscale()/gopher.png', {
    fit_in: true,
    h_flip: true,
    width: 200,
    filters: [f('hue', '290'), f('saturation', '100'), f('fill', 'FFO'), f('upscale')],
    ...gopher,
  }),
  U('fit-in/100x100/10x5/filters:fill(white)/gopher.png', {
    ...fit(100, 100),
    ...pad(10, 5),
    filters: [f('fill', 'white')],
    ...gopher,
  }),
  U('fit-in/100x100/10x5/filters:fill(none)/gopher.png', {
    ...fit(100, 100),
    ...pad(10, 5),
    filters: [f('fill', 'none')],
    ...gopher,
  }),
  U('fit-in/100x120/10x5/filters:fill(none):format(png)/demo1.jpg', {
    ...fit(100, 120),
    ...pad(10, 5),
    filters: [f('fill', 'none'), f('format', 'png')],
    image: 'demo1.jpg',
  }),
  U('fit-in/stretch/100x100/10x10/filters:fill(transparent)/gopher.png', {
    ...fit(100, 100),
    stretch: true,
    ...pad(10, 10),
    filters: [f('fill', 'transparent')],
    ...gopher,
  }),
  U('fit-in/300x0/filters:max_bytes(999999):format(jpeg)/gopher-landscape-exif-cw90.png', {
    fit_in: true,
    width: 300,
    filters: [f('max_bytes', '999999'), f('format', 'jpeg')],
    image: 'gopher-landscape-exif-cw90.png',
  }),
  U('100x100/10x5/top/filters:fill(white)/gopher.png', {
    ...wh(100, 100),
    ...pad(10, 5),
    v_align: 'top',
    filters: [f('fill', 'white')],
    ...gopher,
  }),
  U('stretch/100x100/10x5/filters:fill(white)/gopher.png', {
    stretch: true,
    ...wh(100, 100),
    ...pad(10, 5),
    filters: [f('fill', 'white')],
    ...gopher,
  }),
  U('0x0/40x50/filters:fill(white)/gopher-front.png', {
    ...pad(40, 50),
    filters: [f('fill', 'white')],
    ...front,
  }),
  U('filters:max_bytes(60000):format(jpg):fill(white)/gopher.png', {
    filters: [f('max_bytes', '60000'), f('format', 'jpg'), f('fill', 'white')],
    ...gopher,
  }),
  U('filters:max_bytes(6000):format(jpg):fill(white)/gopher.png', {
    filters: [f('max_bytes', '6000'), f('format', 'jpg'), f('fill', 'white')],
    ...gopher,
  }),
  U('fit-in/400x400/filters:fill(auto)/find_trim.png', {
    ...fit(400, 400),
    filters: [f('fill', 'auto')],
    image: 'find_trim.png',
  }),
  U('200x-210/top/filters:blur(5):sharpen(5):background_color(ffff00):format(jpeg):quality(70)/gopher.png', {
    width: 200,
    v_flip: true,
    height: 210,
    v_align: 'top',
    filters: [
      f('blur', '5'),
      f('sharpen', '5'),
      f('background_color', 'ffff00'),
      f('format', 'jpeg'),
      f('quality', '70'),
    ],
    ...gopher,
  }),
  U('200x-210/top/filters:blur(1,2):sharpen(1,2):background_color(ff0):format(jpeg):quality(70)/gopher.png', {
    width: 200,
    v_flip: true,
    height: 210,
    v_align: 'top',
    filters: [
      f('blur', '1,2'),
      f('sharpen', '1,2'),
      f('background_color', 'ff0'),
      f('format', 'jpeg'),
      f('quality', '70'),
    ],
    ...gopher,
  }),
  U(
    '10x20:3000x5000/stretch/100x200/filters:brightness(-20):contrast(50):rgb(10,-50,30):fill(black)/gopher.png',
    {
      crop_left: 10,
      crop_top: 20,
      crop_right: 3000,
      crop_bottom: 5000,
      stretch: true,
      ...wh(100, 200),
      filters: [f('brightness', '-20'), f('contrast', '50'), f('rgb', '10,-50,30'), f('fill', 'black')],
      ...gopher,
    },
  ),
  U(
    '0.006120x0.008993:1.0x1.0/stretch/100x200/filters:brightness(-20):contrast(50):rgb(10,-50,30):fill(black)/gopher.png',
    {
      crop_left: 0.00612,
      crop_top: 0.008993,
      crop_right: 1,
      crop_bottom: 1,
      stretch: true,
      ...wh(100, 200),
      filters: [f('brightness', '-20'), f('contrast', '50'), f('rgb', '10,-50,30'), f('fill', 'black')],
      ...gopher,
    },
  ),
  U('/fit-in/200x210/20x20/filters:rotate(90):rotate(270):rotate(180):fill(blur):grayscale()/gopher.png', {
    ...fit(200, 210),
    ...pad(20, 20),
    filters: [f('rotate', '90'), f('rotate', '270'), f('rotate', '180'), f('fill', 'blur'), f('grayscale')],
    ...gopher,
  }),
  U('fit-in/0x210/filters:fill(yellow):round_corner(40,60,green)/gopher.png', {
    fit_in: true,
    height: 210,
    filters: [f('fill', 'yellow'), f('round_corner', '40,60,green')],
    ...gopher,
  }),
  U('fit-in/100x100/filters:fill(none)/2bands.png', {
    ...fit(100, 100),
    filters: [f('fill', 'none')],
    image: '2bands.png',
  }),
  U('trim/find_trim_alpha.png', { trim: true, trim_by: 'top-left', image: 'find_trim_alpha.png' }),
  U('trim:bottom-right/50x50:0x0/find_trim.png', {
    trim: true,
    trim_by: 'bottom-right',
    crop_left: 50,
    crop_top: 50,
    image: 'find_trim.png',
  }),
  U('trim:bottom-right/500x500/filters:strip_exif():upscale():no_upscale()/find_trim.png', {
    trim: true,
    trim_by: 'bottom-right',
    ...wh(500, 500),
    filters: [f('strip_exif'), f('upscale'), f('no_upscale')],
    image: 'find_trim.png',
  }),
  U('trim/fit-in/1000x1000/filters:upscale():strip_icc()/find_trim.png', {
    trim: true,
    trim_by: 'top-left',
    ...fit(1000, 1000),
    filters: [f('upscale'), f('strip_icc')],
    image: 'find_trim.png',
  }),
  U('trim:50/500x500/filters:stretch()/find_trim.png', {
    trim: true,
    trim_by: 'top-left',
    trim_tolerance: 50,
    ...wh(500, 500),
    filters: [f('stretch')],
    image: 'find_trim.png',
  }),
  U('50x50:0x0/filters:trim(50,bottom-right)/find_trim.png', {
    crop_left: 50,
    crop_top: 50,
    filters: [f('trim', '50,bottom-right')],
    image: 'find_trim.png',
  }),
  U('/fit-in/100x100/filters:fill(auto):trim(50)/find_trim.png', {
    ...fit(100, 100),
    filters: [f('fill', 'auto'), f('trim', '50')],
    image: 'find_trim.png',
  }),
  U(
    'fit-in/500x500/filters:fill(white):watermark(gopher.png,10p,repeat,30,20,20):watermark(gopher.png,repeat,bottom,30,30,30):watermark(gopher-front.png,center,-10p)/gopher.png',
    {
      ...fit(500, 500),
      filters: [
        f('fill', 'white'),
        f('watermark', 'gopher.png,10p,repeat,30,20,20'),
        f('watermark', 'gopher.png,repeat,bottom,30,30,30'),
        f('watermark', 'gopher-front.png,center,-10p'),
      ],
      ...gopher,
    },
  ),
  U(
    'fit-in/500x500/filters:fill(white):watermark(b64:Z29waGVyLnBuZw,10p,repeat,30,20,20):watermark(gopher.png,repeat,bottom,30,30,30):watermark(gopher-front.png,center,-10p)/gopher.png',
    {
      ...fit(500, 500),
      filters: [
        f('fill', 'white'),
        f('watermark', 'b64:Z29waGVyLnBuZw,10p,repeat,30,20,20'),
        f('watermark', 'gopher.png,repeat,bottom,30,30,30'),
        f('watermark', 'gopher-front.png,center,-10p'),
      ],
      ...gopher,
    },
  ),
  U('filters:watermark(demo1.jpg,repeat,repeat,40,25,50)/demo1.jpg', {
    filters: [f('watermark', 'demo1.jpg,repeat,repeat,40,25,50')],
    image: 'demo1.jpg',
  }),
  U('filters:background_color(yellow)/demo1.jpg', {
    filters: [f('background_color', 'yellow')],
    image: 'demo1.jpg',
  }),
  U('filters:watermark(2bands.png,repeat,bottom,40,25,50)/demo1.jpg', {
    filters: [f('watermark', '2bands.png,repeat,bottom,40,25,50')],
    image: 'demo1.jpg',
  }),
  U(
    'fit-in/500x500/filters:fill(white):watermark(gopher.png,0.1,repeat,30,20,20):watermark(gopher.png,repeat,bottom,30,30,30):watermark(gopher-front.png,center,-0.1)/gopher.png',
    {
      ...fit(500, 500),
      filters: [
        f('fill', 'white'),
        f('watermark', 'gopher.png,0.1,repeat,30,20,20'),
        f('watermark', 'gopher.png,repeat,bottom,30,30,30'),
        f('watermark', 'gopher-front.png,center,-0.1'),
      ],
      ...gopher,
    },
  ),
  U(
    'fit-in/500x500/filters:fill(white):watermark(gopher.png,left,top,30,20,20):watermark(gopher.png,right,center,30,30,30):watermark(gopher-front.png,-20,-10)/gopher.png',
    {
      ...fit(500, 500),
      filters: [
        f('fill', 'white'),
        f('watermark', 'gopher.png,left,top,30,20,20'),
        f('watermark', 'gopher.png,right,center,30,30,30'),
        f('watermark', 'gopher-front.png,-20,-10'),
      ],
      ...gopher,
    },
  ),
  ...(
    [
      'gopher-front.png,left-20,top-10',
      'gopher-front.png,right-30,bottom-20',
      'gopher-front.png,l-20,t-10',
      'gopher-front.png,r-30,b-20',
    ] as const
  ).map((args) =>
    U(`fit-in/500x500/filters:fill(white):image(${args})/gopher.png`, {
      ...fit(500, 500),
      filters: [f('fill', 'white'), f('image', args)],
      ...gopher,
    }),
  ),
  ...(['/100x100/gopher-front.png', '/100x100/gopher-front.png,center,center'] as const).map((args) =>
    U(`fit-in/500x500/filters:image(${args})/gopher.png`, {
      ...fit(500, 500),
      filters: [f('image', args)],
      ...gopher,
    }),
  ),
  U('fit-in/500x500/filters:rotate(90):image(/100x100/gopher-front.png,center,center)/gopher.png', {
    ...fit(500, 500),
    filters: [f('rotate', '90'), f('image', '/100x100/gopher-front.png,center,center')],
    ...gopher,
  }),
  ...(
    [
      '/100x100/filters:rotate(90)/gopher-front.png,center,center',
      '/100x100/gopher-front.png,center,center,50',
      '/100x100/gopher-front.png,center,center,0,mask',
      '/100x100/gopher-front.png,center,center,50,invalid-mode',
      '/100x100/gopher-front.png,center,center,30,multiply',
      '/100x100/gopher-front.png,-10,-10',
    ] as const
  ).map((args) =>
    U(`fit-in/500x500/filters:image(${args})/gopher.png`, {
      ...fit(500, 500),
      filters: [f('image', args)],
      ...gopher,
    }),
  ),
  U('fit-in/300x300/filters:image(/50x50/gopher-front.png,repeat,repeat)/gopher.png', {
    ...fit(300, 300),
    filters: [f('image', '/50x50/gopher-front.png,repeat,repeat')],
    ...gopher,
  }),
  U(
    'fit-in/500x500/filters:image(/150x150/filters:image(/50x50/gopher-front.png,center,center)/gopher.png,10,10)/demo1.jpg',
    {
      ...fit(500, 500),
      filters: [f('image', '/150x150/filters:image(/50x50/gopher-front.png,center,center)/gopher.png,10,10')],
      image: 'demo1.jpg',
    },
  ),
  U(
    'fit-in/500x500/filters:image(/200x200/filters:image(/100x100/filters:image(/50x50/gopher-front.png,center,center)/gopher.png,center,center)/demo1.jpg,center,center)/gopher.png',
    {
      ...fit(500, 500),
      filters: [
        f(
          'image',
          '/200x200/filters:image(/100x100/filters:image(/50x50/gopher-front.png,center,center)/gopher.png,center,center)/demo1.jpg,center,center',
        ),
      ],
      ...gopher,
    },
  ),
  U(
    'filters:image(/150x150/filters:grayscale():image(/50x50/filters:rotate(90)/gopher-front.png,center,center)/gopher.png,center,center)/demo1.jpg',
    {
      filters: [
        f(
          'image',
          '/150x150/filters:grayscale():image(/50x50/filters:rotate(90)/gopher-front.png,center,center)/gopher.png,center,center',
        ),
      ],
      image: 'demo1.jpg',
    },
  ),
  ...(
    [
      'fxf/gopher-front.png,0,0',
      'f-50xf-50/gopher-front.png,center,center',
      'fx0/gopher-front.png,0,0',
      '0xf/gopher-front.png,0,0',
      'fit-in/fxf/gopher-front.png,center,center',
      'stretch/fxf/gopher-front.png,0,0',
      'fxf/filters:image(f-50xf-50/gopher-front.png,center,center)/gopher.png,0,0',
      'fullxfull/gopher-front.png,0,0',
      'full-50xfull-50/gopher-front.png,center,center',
    ] as const
  ).map((args) =>
    U(`fit-in/500x500/filters:fill(white):image(${args})/gopher.png`, {
      ...fit(500, 500),
      filters: [f('fill', 'white'), f('image', args)],
      ...gopher,
    }),
  ),
  ...(
    ['250,50', '50,250', '-50,50', '50,-50', '400,50', '5000,0', '0,5000', '-5000,0', '0,-5000'] as const
  ).map((xy) =>
    U(`fit-in/300x300/filters:image(/100x100/gopher-front.png,${xy})/gopher.png`, {
      ...fit(300, 300),
      filters: [f('image', `/100x100/gopher-front.png,${xy}`)],
      ...gopher,
    }),
  ),
  U(
    'fit-in/100x100/filters:fill(yellow):image(/fit-in/150x150/filters:grayscale()/gopher-front.png,center,center)/dancing-banana.gif',
    {
      ...fit(100, 100),
      filters: [
        f('fill', 'yellow'),
        f('image', '/fit-in/150x150/filters:grayscale()/gopher-front.png,center,center'),
      ],
      ...banana,
    },
  ),
  U('filters:fill(white):format(jpeg)/dancing-banana.gif', {
    filters: [f('fill', 'white'), f('format', 'jpeg')],
    ...banana,
  }),
  U('dancing-banana.gif', banana),
  U('filters:quality(60)/dancing-banana.gif', { filters: [f('quality', '60')], ...banana }),
  U('filters:max_frames(3)/dancing-banana.gif', { filters: [f('max_frames', '3')], ...banana }),
  U('filters:page(5)/dancing-banana.gif', { filters: [f('page', '5')], ...banana }),
  U('filters:page(999)/dancing-banana.gif', { filters: [f('page', '999')], ...banana }),
  U('filters:strip_exif()/dancing-banana.gif', { filters: [f('strip_exif')], ...banana }),
  U('fit-in/100x150/filters:rotate(90):fill(yellow)/dancing-banana.gif', {
    ...fit(100, 150),
    filters: [f('rotate', '90'), f('fill', 'yellow')],
    ...banana,
  }),
  U('30x20:100x150/dancing-banana.gif', {
    crop_left: 30,
    crop_top: 20,
    crop_right: 100,
    crop_bottom: 150,
    ...banana,
  }),
  U('0.1x0.2:0.89x0.72/dancing-banana.gif', {
    crop_left: 0.1,
    crop_top: 0.2,
    crop_right: 0.89,
    crop_bottom: 0.72,
    ...banana,
  }),
  U('100x30/filters:focal(0.1x0:0.89x0.72)/dancing-banana.gif', {
    ...wh(100, 30),
    filters: [f('focal', '0.1x0:0.89x0.72')],
    ...banana,
  }),
  U('100x30/filters:focal(0.89x0.72)/dancing-banana.gif', {
    ...wh(100, 30),
    filters: [f('focal', '0.89x0.72')],
    ...banana,
  }),
  U('fit-in/-180x180/10x10/filters:fill(yellow):padding(white,10,20,30,40):format(jpeg)/gopher.png', {
    fit_in: true,
    h_flip: true,
    ...wh(180, 180),
    ...pad(10, 10),
    filters: [f('fill', 'yellow'), f('padding', 'white,10,20,30,40'), f('format', 'jpeg')],
    ...gopher,
  }),
  U('fit-in/100x210/10x20:15x3/filters:rotate(90):fill(yellow)/gopher-front.png', {
    ...fit(100, 210),
    ...pad(10, 20, 15, 3),
    filters: [f('rotate', '90'), f('fill', 'yellow')],
    ...front,
  }),
  U('100x100/dancing-banana.gif', { ...wh(100, 100), ...banana }),
  U('200x100/top/dancing-banana.gif', { ...wh(200, 100), v_align: 'top', ...banana }),
  U('200x100/right/top/dancing-banana.gif', { ...wh(200, 100), h_align: 'right', v_align: 'top', ...banana }),
  U('200x100/bottom/dancing-banana.gif', { ...wh(200, 100), v_align: 'bottom', ...banana }),
  U('200x100/left/bottom/dancing-banana.gif', {
    ...wh(200, 100),
    h_align: 'left',
    v_align: 'bottom',
    ...banana,
  }),
  U('100x200/left/dancing-banana.gif', { ...wh(100, 200), h_align: 'left', ...banana }),
  U('100x200/left/bottom/dancing-banana.gif', {
    ...wh(100, 200),
    h_align: 'left',
    v_align: 'bottom',
    ...banana,
  }),
  U('100x200/right/dancing-banana.gif', { ...wh(100, 200), h_align: 'right', ...banana }),
  U('100x200/right/top/dancing-banana.gif', { ...wh(100, 200), h_align: 'right', v_align: 'top', ...banana }),
  U('stretch/100x200/dancing-banana.gif', { stretch: true, ...wh(100, 200), ...banana }),
  U('100x100/10x5/top/filters:fill(yellow)/dancing-banana.gif', {
    ...wh(100, 100),
    ...pad(10, 5),
    v_align: 'top',
    filters: [f('fill', 'yellow')],
    ...banana,
  }),
  U(
    'fit-in/200x150/filters:fill(yellow):watermark(gopher-front.png,repeat,bottom,0,30,30)/dancing-banana.gif',
    {
      ...fit(200, 150),
      filters: [f('fill', 'yellow'), f('watermark', 'gopher-front.png,repeat,bottom,0,30,30')],
      ...banana,
    },
  ),
  U('fit-in/200x150/filters:fill(yellow):watermark(gopher-front.png,-20,-10,0,30,30)/dancing-banana.gif', {
    ...fit(200, 150),
    filters: [f('fill', 'yellow'), f('watermark', 'gopher-front.png,-20,-10,0,30,30')],
    ...banana,
  }),
  U(
    'fit-in/200x150/filters:fill(yellow):watermark(dancing-banana.gif,-20,-10,0,30,30):watermark(nyan-cat.gif,0,10,0,40,30)/dancing-banana.gif',
    {
      ...fit(200, 150),
      filters: [
        f('fill', 'yellow'),
        f('watermark', 'dancing-banana.gif,-20,-10,0,30,30'),
        f('watermark', 'nyan-cat.gif,0,10,0,40,30'),
      ],
      ...banana,
    },
  ),
  U(
    'fit-in/200x150/filters:fill(yellow):watermark(dancing-banana.gif,30,-10,0,40,40):watermark(dancing-banana.gif,0,10,0,40,40)/nyan-cat.gif',
    {
      ...fit(200, 150),
      filters: [
        f('fill', 'yellow'),
        f('watermark', 'dancing-banana.gif,30,-10,0,40,40'),
        f('watermark', 'dancing-banana.gif,0,10,0,40,40'),
      ],
      image: 'nyan-cat.gif',
    },
  ),
  U(
    '200x0/20x20:100x20/filters:fill(yellow):watermark(dancing-banana.gif,-10,-10,0,50,50):watermark(dancing-banana.gif,-30,10,0,50,50)/nyan-cat.gif',
    {
      width: 200,
      ...pad(20, 20, 100, 20),
      filters: [
        f('fill', 'yellow'),
        f('watermark', 'dancing-banana.gif,-10,-10,0,50,50'),
        f('watermark', 'dancing-banana.gif,-30,10,0,50,50'),
      ],
      image: 'nyan-cat.gif',
    },
  ),
  U(
    'fit-in/200x150/filters:fill(cyan):watermark(dancing-banana.gif,repeat,bottom,0,50,50)/dancing-banana.gif',
    {
      ...fit(200, 150),
      filters: [f('fill', 'cyan'), f('watermark', 'dancing-banana.gif,repeat,bottom,0,50,50')],
      ...banana,
    },
  ),
  U('filters:fill(cyan):round_corner(60)/dancing-banana.gif', {
    filters: [f('fill', 'cyan'), f('round_corner', '60')],
    ...banana,
  }),
  ...(
    [
      'IMAGOR,15,10,30,blue,30',
      'IMAGOR,left,top,30,red,30',
      'IMAGOR,right,center,30,red,30',
      'IMAGOR,center,bottom,30,red,30',
      'IMAGOR,-15,-10,30,red,30',
      'IMAGOR,-15p,10p,30,red,30',
      'IMAGOR,-0.15,0.1,30,red,30',
      'IMAGOR,left-20,top-10,30,blue,30',
      'IMAGOR,right-30,bottom-20,30,green,30',
      'IMAGOR,l-20,t-10,30,blue,30',
      'IMAGOR,r-30,b-20,30,green,30',
    ] as const
  ).map((args) =>
    U(`fit-in/300x200/10x10/filters:fill(yellow):label(${args})/gopher-front.png`, {
      ...fit(300, 200),
      ...pad(10, 10),
      filters: [f('fill', 'yellow'), f('label', args)],
      ...front,
    }),
  ),
  U('fit-in/150x200/10x00:10x50/filters:fill(yellow):label(IMAGOR,center,-30,25,black)/dancing-banana.gif', {
    ...fit(150, 200),
    padding_left: 10,
    padding_right: 10,
    padding_bottom: 50,
    filters: [f('fill', 'yellow'), f('label', 'IMAGOR,center,-30,25,black')],
    ...banana,
  }),
  U(
    'fit-in/150x200/10x00:10x50/filters:fill(cyan):label(IMAGOR,center,-30,25,white,0,monospace)/dancing-banana.gif',
    {
      ...fit(150, 200),
      padding_left: 10,
      padding_right: 10,
      padding_bottom: 50,
      filters: [f('fill', 'cyan'), f('label', 'IMAGOR,center,-30,25,white,0,monospace')],
      ...banana,
    },
  ),
  U('fit-in/filters:label(imagor,-1,0,50)/2bands.png', {
    fit_in: true,
    filters: [f('label', 'imagor,-1,0,50')],
    image: '2bands.png',
  }),
  ...(
    [
      'fill(yellow):text(IMAGOR,15,10,sans-bold-24,blue,30)',
      'fill(yellow):text(IMAGOR,15,10,sans-bold-24,blue,30,multiply)',
      'fill(yellow):text(IMAGOR,left,top,sans-20,red,30)',
      'fill(yellow):text(IMAGOR,right,bottom,sans-20,green,30)',
      'fill(white):text(b64:SGVsbG8gV29ybGQgZnJvbSBpbWFnb3I,20,20,sans-18,black,80,,120)',
      'fill(white):text(b64:SGVsbG8gV29ybGQgZnJvbSBpbWFnb3I,center,40,sans-18,red,80,,120,centre)',
      'fill(white):text(b64:SGVsbG8gV29ybGQgZnJvbSBpbWFnb3I,20,20,sans-18,black,80,,60p)',
      'fill(white):text(b64:SGVsbG8gV29ybGQgZnJvbSBpbWFnb3I,0,20,sans-18,black,80,,f-40)',
    ] as const
  ).map((chain) => {
    const [fill, text] = chain.split(':text(') as [string, string];
    return U(`fit-in/300x200/10x10/filters:${chain}/gopher-front.png`, {
      ...fit(300, 200),
      ...pad(10, 10),
      filters: [f('fill', fill.slice(5, -1)), f('text', text.slice(0, -1))],
      ...front,
    });
  }),
  U(
    'fit-in/150x200/10x00:10x50/filters:fill(cyan):text(GO,center,-30,sans-bold-18,white,0)/dancing-banana.gif',
    {
      ...fit(150, 200),
      padding_left: 10,
      padding_right: 10,
      padding_bottom: 50,
      filters: [f('fill', 'cyan'), f('text', 'GO,center,-30,sans-bold-18,white,0')],
      ...banana,
    },
  ),
  U('fit-in/filters:text(imagor,-1,0,sans-30)/2bands.png', {
    fit_in: true,
    filters: [f('text', 'imagor,-1,0,sans-30')],
    image: '2bands.png',
  }),
  U('filters:strip_exif()/Canon_40D.jpg', { filters: [f('strip_exif')], image: 'Canon_40D.jpg' }),
  U('100x100/bmp_24.bmp', { ...wh(100, 100), image: 'bmp_24.bmp' }),
  U('100x100/lena_gray.bmp', { ...wh(100, 100), image: 'lena_gray.bmp' }),
  U('test.svg', { image: 'test.svg' }),
  U('300x300/filters:crop(50,50,200,200)/gopher.png', {
    ...wh(300, 300),
    filters: [f('crop', '50,50,200,200')],
    ...gopher,
  }),
  U('300x300/filters:crop(0.1,0.1,0.8,0.8)/gopher.png', {
    ...wh(300, 300),
    filters: [f('crop', '0.1,0.1,0.8,0.8')],
    ...gopher,
  }),
  U('300x300/filters:crop(250,250,200,200)/gopher.png', {
    ...wh(300, 300),
    filters: [f('crop', '250,250,200,200')],
    ...gopher,
  }),
  U('200x200/filters:crop(20,20,160,160)/dancing-banana.gif', {
    ...wh(200, 200),
    filters: [f('crop', '20,20,160,160')],
    ...banana,
  }),
  U('400x400/filters:fill(yellow):crop(50,50,300,300)/gopher.png', {
    ...wh(400, 400),
    filters: [f('fill', 'yellow'), f('crop', '50,50,300,300')],
    ...gopher,
  }),
  U('200x200/filters:strip_icc():to_colorspace()/jpg-24bit-icc-adobe-rgb.jpg', {
    ...wh(200, 200),
    filters: [f('strip_icc'), f('to_colorspace')],
    image: 'jpg-24bit-icc-adobe-rgb.jpg',
  }),
  U('200x200/filters:to_colorspace(cmyk)/jpg-24bit-icc-adobe-rgb.jpg', {
    ...wh(200, 200),
    filters: [f('to_colorspace', 'cmyk')],
    image: 'jpg-24bit-icc-adobe-rgb.jpg',
  }),
  U('100x50/color:0000ff', { ...wh(100, 50), image: 'color:0000ff' }),
  U('300x200/filters:format(png)/color:transparent', {
    ...wh(300, 200),
    filters: [f('format', 'png')],
    image: 'color:transparent',
  }),
  U('50x50/filters:format(png)/color:ff000080', {
    ...wh(50, 50),
    filters: [f('format', 'png')],
    image: 'color:ff000080',
  }),
  U('10x10/color:fff', { ...wh(10, 10), image: 'color:fff' }),
  U('color:green', { image: 'color:green' }),
  U('100x100/filters:format(png)/color:red', {
    ...wh(100, 100),
    filters: [f('format', 'png')],
    image: 'color:red',
  }),
  U('200x200/filters:round_corner(20):format(png)/color:ff6600', {
    ...wh(200, 200),
    filters: [f('round_corner', '20'), f('format', 'png')],
    image: 'color:ff6600',
  }),
  U('50x50/filters:grayscale()/color:red', { ...wh(50, 50), filters: [f('grayscale')], image: 'color:red' }),
  U('-100x-50/color:blue', { h_flip: true, v_flip: true, ...wh(100, 50), image: 'color:blue' }),
  U('600x600/filters:format(png):image(/300x300/color:red,center,center)/color:none', {
    ...wh(600, 600),
    filters: [f('format', 'png'), f('image', '/300x300/color:red,center,center')],
    image: 'color:none',
  }),
  U('trim/dancing-banana.gif', { trim: true, trim_by: 'top-left', ...banana }),
  U('filters:max_frames(6)/dancing-banana.gif', { filters: [f('max_frames', '6')], ...banana }),
  U('fit-in/200x150/filters:fill(yellow)/dancing-banana.gif', {
    ...fit(200, 150),
    filters: [f('fill', 'yellow')],
    ...banana,
  }),
  U('filters:format(png)/memory-test.png', { filters: [f('format', 'png')], image: 'memory-test.png' }),
  U('30x0/filters:format(png)/memory-test.png', {
    width: 30,
    filters: [f('format', 'png')],
    image: 'memory-test.png',
  }),
  U('600x400/center/middle/filters:grayscale():watermark(gopher-front.png,-10,-10,0,13,none)/demo1.jpg', {
    ...wh(600, 400),
    h_align: 'center',
    v_align: 'middle',
    filters: [f('grayscale'), f('watermark', 'gopher-front.png,-10,-10,0,13,none')],
    image: 'demo1.jpg',
  }),
  U(
    '600x400/center/middle/filters:grayscale():contrast(20):watermark(gopher-front.png,-10,-10,30,25,none)/demo1.jpg',
    {
      ...wh(600, 400),
      h_align: 'center',
      v_align: 'middle',
      filters: [f('grayscale'), f('contrast', '20'), f('watermark', 'gopher-front.png,-10,-10,30,25,none')],
      image: 'demo1.jpg',
    },
  ),
  U('filters:grayscale():round_corner(20):format(png)/demo1.jpg', {
    filters: [f('grayscale'), f('round_corner', '20'), f('format', 'png')],
    image: 'demo1.jpg',
  }),
  U('filters:grayscale():redact_oval()/demo1.jpg', {
    filters: [f('grayscale'), f('redact_oval')],
    image: 'demo1.jpg',
  }),
  U('filters:pixelate(8)/dancing-banana.gif', { filters: [f('pixelate', '8')], ...banana }),
  U('filters:saturation(-50)/dancing-banana.gif', { filters: [f('saturation', '-50')], ...banana }),
  U('filters:hue(60)/dancing-banana.gif', { filters: [f('hue', '60')], ...banana }),
  U('filters:draw_detections()/gopher-front.png', { filters: [f('draw_detections')], ...front }),
  U('filters:pixelate()/gopher-front.png', { filters: [f('pixelate')], ...front }),
  U('filters:pixelate(20)/gopher-front.png', { filters: [f('pixelate', '20')], ...front }),
  ...(['redact', 'redact_oval'] as const).flatMap((name) =>
    [undefined, 'blur,25', 'pixelate', 'pixelate,20', 'black', 'white', 'ff0000'].map((args) =>
      U(`filters:${name}(${args ?? ''})/gopher-front.png`, { filters: [f(name, args)], ...front }),
    ),
  ),
  U('README.md', { image: 'README.md' }),
  U('meta/README.md', { meta: true, image: 'README.md' }),
  U('1000x1000/gopher-front.png', { ...wh(1000, 1000), ...front }),
  U('gopher.png', gopher),
  U('1000x0/gopher-front.png', { width: 1000, ...front }),
  U('fit-in/256x256/filters:format(webp):page(1)/dancing-banana.gif', {
    ...fit(256, 256),
    filters: [f('format', 'webp'), f('page', '1')],
    ...banana,
  }),
  U('fit-in/256x256/demo3.webp', { ...fit(256, 256), image: 'demo3.webp' }),
  U('fit-in/256x256/demo1.jpg', { ...fit(256, 256), image: 'demo1.jpg' }),
  U('fit-in/256x256/gopher-front.png', { ...fit(256, 256), ...front }),
  U('fit-in/256x256/gopher.tiff', { ...fit(256, 256), image: 'gopher.tiff' }),
  U('filters:error()/gopher-front.png', { filters: [f('error')], ...front }),
  U('meta/filters:avgcolor(red)/gopher.png', { meta: true, filters: [f('avgcolor', 'red')], ...gopher }),
  U('meta/filters:thumbhash(foo)/gopher.png', { meta: true, filters: [f('thumbhash', 'foo')], ...gopher }),
  U('meta/filters:blurhash(4)/gopher.png', { meta: true, filters: [f('blurhash', '4')], ...gopher }),
  U('meta/filters:blurhash()/gopher.png', { meta: true, filters: [f('blurhash')], ...gopher }),
  U('meta/filters:blurhash(bad,args)/gopher.png', {
    meta: true,
    filters: [f('blurhash', 'bad,args')],
    ...gopher,
  }),
  U('meta/filters:blurhash(0,3)/gopher.png', { meta: true, filters: [f('blurhash', '0,3')], ...gopher }),
  U('meta/filters:blurhash(4,10)/gopher.png', { meta: true, filters: [f('blurhash', '4,10')], ...gopher }),
];

/** Examples from spec §1 and §2 (observed imagor behaviour). */
export const SPEC_EXAMPLES: ParseCase[] = [
  U('stretch/fit-in/100x100/img.jpg', { stretch: true, image: 'fit-in/100x100/img.jpg' }),
  U('trim/meta/img.jpg', { trim: true, trim_by: 'top-left', image: 'meta/img.jpg' }),
  U('smart/left/img.jpg', { smart: true, image: 'left/img.jpg' }),
  U('x300/img.jpg', { height: 300, image: 'img.jpg' }),
  U('0x300/img.jpg', { height: 300, image: 'img.jpg' }),
  U('300x/img.jpg', { width: 300, image: 'img.jpg' }),
  U('-x-/img.jpg', { h_flip: true, v_flip: true, image: 'img.jpg' }),
  U('-0x-0/img.jpg', { h_flip: true, v_flip: true, image: 'img.jpg' }),
  U('-300x200/img.jpg', { h_flip: true, width: 300, height: 200, image: 'img.jpg' }),
  U('origx100/img.jpg', { image: 'origx100/img.jpg' }),
  U('1.5x2.5:3x4/img.jpg', { image: '1.5x2.5:3x4/img.jpg' }),
  U('.5x.25:1.5x.75/img.jpg', {
    crop_left: 0.5,
    crop_top: 0.25,
    crop_right: 1.5,
    crop_bottom: 0.75,
    image: 'img.jpg',
  }),
  U('1.0x0.5:1.0x1.0/img.jpg', { image: '1.0x0.5:1.0x1.0/img.jpg' }),
  U('0.5x0.5:2.5x1/img.jpg', { image: '0.5x0.5:2.5x1/img.jpg' }),
  U('center/middle/img.jpg', { h_align: 'center', v_align: 'middle', image: 'img.jpg' }),
  U('filters:fill(white)filters:x()/img.jpg', { filters: [f('fill', 'white'), f('x')], image: 'img.jpg' }),
  U('filters:BLUR(5)/img.jpg', { filters: [f('BLUR', '5')], image: 'img.jpg' }),
  U('filters:quality(80)/filters:format(png)/img.jpg', {
    filters: [f('quality', '80')],
    image: 'filters:format(png)/img.jpg',
  }),
  U('filters:format(webp)', { filters: [f('format', 'webp')] }),
  U('filters:blur(5)/photo(1).jpg', { filters: [f('blur', '5')], image: 'photo(1).jpg' }),
  U('a b/c.jpg', { image: 'a b/c.jpg' }),
  U('a+b.jpg', { image: 'a b.jpg' }),
  U('a%2Bb.jpg', { image: 'a+b.jpg' }),
  U('https://a.com//b.jpg', { image: 'https://a.com//b.jpg' }),
  U('10x0/100x100/img.jpg', { width: 10, ...pad(100, 100), image: 'img.jpg' }),
  U('https:%2F%2Fexample.com%2Fa.jpg%3Fx=1', { image: 'https://example.com/a.jpg?x=1' }),
  U('a b/c(d)[e]é?.jpg', { image: 'a b/c(d)[e]é?.jpg' }),
  {
    input: '//unsafe//10x10/img.jpg',
    expected: { unsafe: true, path: '/10x10/img.jpg', ...wh(10, 10), image: 'img.jpg' },
  },
  N('abcdefghijklmnop/img.jpg', { image: 'abcdefghijklmnop/img.jpg' }),
  H('abcdefghijklmnopq', 'img.jpg', { image: 'img.jpg' }),
  {
    input: 'params/unsafe/fit-in/300x200/img.jpg',
    expected: {
      params: true,
      unsafe: true,
      path: 'fit-in/300x200/img.jpg',
      ...fit(300, 200),
      image: 'img.jpg',
    },
  },
  {
    input: '/params/g5bMqZvxaQK65qFPaP1qlJOTuLM=/fit-in/500x400/0x20/filters:fill(white)/',
    expected: {
      params: true,
      hash: 'g5bMqZvxaQK65qFPaP1qlJOTuLM=',
      path: 'fit-in/500x400/0x20/filters:fill(white)/',
      ...fit(500, 400),
      padding_top: 20,
      padding_bottom: 20,
      filters: [f('fill', 'white')],
    },
  },
  N('500x500/top/raw.githubusercontent.com/cshum/imagor/master/testdata/gopher.png', {
    ...wh(500, 500),
    v_align: 'top',
    image: 'raw.githubusercontent.com/cshum/imagor/master/testdata/gopher.png',
  }),
  H(
    'cST4Ko5_FqwT3BDn-Wf4gO3RFSk=',
    '500x500/top/raw.githubusercontent.com/cshum/imagor/master/testdata/gopher.png',
    {
      ...wh(500, 500),
      v_align: 'top',
      image: 'raw.githubusercontent.com/cshum/imagor/master/testdata/gopher.png',
    },
  ),
  U('b64:aHR0cHM6Ly9leGFtcGxlLmNvbS9hLmpwZz94PTE', {
    image: 'https://example.com/a.jpg?x=1',
    base64_image: true,
  }),
];

/** Hostile and corner-case inputs, reasoned from §1.1–1.3. */
export const HOSTILE: ParseCase[] = [
  U('filters%3Ablur%285%29/a.jpg', { image: 'filters:blur(5)/a.jpg' }),
  U('%66ilters:blur(5)/a.jpg', { image: 'filters:blur(5)/a.jpg' }),
  U('100%25.jpg', { image: '100%.jpg' }),
  U('100%.jpg', { image: '100%.jpg' }),
  U('a+b%zz.jpg', { image: 'a+b%zz.jpg' }),
  U('a%2', { image: 'a%2' }),
  U('a%20b+c.jpg', { image: 'a b c.jpg' }),
  U('%E6%97%A5%E6%9C%AC.jpg', { image: '日本.jpg' }),
  U('日本/語.png', { image: '日本/語.png' }),
  U('%F0%9F%98%80.png', { image: '😀.png' }),
  U('%ef%bb%bfbom.png', { image: '\ufeffbom.png' }),
  U('color:ff0000', { image: 'color:ff0000' }),
  U('color:red/x', { image: 'color:red/x' }),
  U('https://a.com/b.jpg?x=1&y=2', { image: 'https://a.com/b.jpg?x=1&y=2' }),
  U('https%3A%2F%2Fa.com%2Fb.jpg%3Fx%3D1%26y%3D2', { image: 'https://a.com/b.jpg?x=1&y=2' }),
  U('fit-in//300x200/img.jpg', { fit_in: true, image: '/300x200/img.jpg' }),
  U('300x200//img.jpg', { ...wh(300, 200), image: '/img.jpg' }),
  U('300x200/', { ...wh(300, 200) }),
  U('300x200', { image: '300x200' }),
  U('meta', { image: 'meta' }),
  U('meta/meta/img', { meta: true, image: 'meta/img' }),
  U('fit-in/fit-in/img', { fit_in: true, image: 'fit-in/img' }),
  U('TRIM/img', { image: 'TRIM/img' }),
  U('trim:top-left:5/img', { trim: true, trim_by: 'top-left', trim_tolerance: 5, image: 'img' }),
  U('trim:5:bottom-right/img', { image: 'trim:5:bottom-right/img' }),
  U('trim:0/img', { trim: true, trim_by: 'top-left', image: 'img' }),
  U('10x10x10/img', { image: '10x10x10/img' }),
  U('fit-in/1x2:3/img', { fit_in: true, image: '1x2:3/img' }),
  U('0x0:0x0/img', { image: 'img' }),
  U('10x00:10x50/img', { crop_left: 10, crop_right: 10, crop_bottom: 50, image: 'img' }),
  U('001x002/img', { width: 1, height: 2, image: 'img' }),
  U('--1x1/img', { image: '--1x1/img' }),
  U('fit-in/stretch/smart/img', { fit_in: true, stretch: true, smart: true, image: 'img' }),
  U('full-adaptive-fit-in/img', { image: 'full-adaptive-fit-in/img' }),
  U('left/top/img', { h_align: 'left', v_align: 'top', image: 'img' }),
  U('top/left/img', { v_align: 'top', image: 'left/img' }),
  U('middle/img', { v_align: 'middle', image: 'img' }),
  U('filters:grayscale/img.jpg', { image: 'img.jpg' }),
  U('filters:/img.jpg', { image: 'img.jpg' }),
  U('filters:', {}),
  U('filters:x():y(1)/', { filters: [f('x'), f('y', '1')] }),
  U('filters::x()/img', { filters: [{ name: '' }, f('x')], image: 'img' }),
  U('filters:blur(5/img.jpg', { filters: [f('blur')] }),
  U('filters:a)b(c)/img', {}),
  U('filters:a(b)c(d', { filters: [f('c', 'b')] }),
  U('Filters:blur(5)/img', { image: 'Filters:blur(5)/img' }),
  U('filters:watermark(https://a.com/w.png?x=(1),0,0):blur(2)/https://b.com/i.jpg', {
    filters: [f('watermark', 'https://a.com/w.png?x=(1),0,0'), f('blur', '2')],
    image: 'https://b.com/i.jpg',
  }),
  U('filters:watermark(https%3A%2F%2Fa.com%2Fw.png,0,0)/i%2Bj.jpg', {
    filters: [f('watermark', 'https%3A%2F%2Fa.com%2Fw.png,0,0')],
    image: 'i+j.jpg',
  }),
  U('filters:image(/fit-in/100x100/filters:grayscale()/a.png,10,10)/b.png', {
    filters: [f('image', '/fit-in/100x100/filters:grayscale()/a.png,10,10')],
    image: 'b.png',
  }),
  U('filters:label(a%3Ab,1,2)/img', { filters: [f('label', 'a%3Ab,1,2')], image: 'img' }),
  U('filters:blur(5)/filters:blur(5)', { filters: [f('blur', '5')], image: 'filters:blur(5)' }),
  U('filters:blur(5)//double', { filters: [f('blur', '5')], image: '/double' }),
  U('b64:some-file.jpg', { image: 'b64:some-file.jpg' }),
  U('b64:YWJj=', { image: 'b64:YWJj=' }),
  U('b64:YWJjZ', { image: 'b64:YWJjZ' }),
  U('b64:YjY0OllXSmo', { image: 'b64:YWJj', base64_image: true }),
  U('b64:YStiJTIwYy5qcGc', { image: 'a+b%20c.jpg', base64_image: true }),
  U('b64:5pel5pysL-iqni5wbmc', { image: '日本/語.png', base64_image: true }),
  U('b64:', { base64_image: true }),
  U('B64:YWJj', { image: 'B64:YWJj' }),
  U('filters:fill(red)/b64:aHR0cHM6Ly9leGFtcGxlLmNvbS9hLmpwZz94PTE', {
    filters: [f('fill', 'red')],
    image: 'https://example.com/a.jpg?x=1',
    base64_image: true,
  }),
  // unescaping happens first, so a percent-encoded prefix is still a b64 image (inferred ordering)
  U('b64%3AYWJj', { image: 'abc', base64_image: true }),
  {
    input: 'unsafe/fit-\nin/300x\r200/a\r\nb\u2028.jpg\u0085\v\f\u2029',
    expected: { unsafe: true, path: 'fit-in/300x200/ab.jpg', ...fit(300, 200), image: 'ab.jpg' },
  },
  { input: 'unsa\nfe/img.jpg', expected: { unsafe: true, path: 'img.jpg', image: 'img.jpg' } },
  N('unsafe', { image: 'unsafe' }),
  N('UNSAFE/img.jpg', { image: 'UNSAFE/img.jpg' }),
  N('', {}),
  N('/', {}),
  N('abcdefghijklmnopq.jpg/x', { image: 'abcdefghijklmnopq.jpg/x' }),
  H('abc=defghijklmnopqrs', 'img.jpg', { image: 'img.jpg' }),
  H('-_-_-_-_-_-_-_-_-_', '300x200/img.jpg', { ...wh(300, 200), image: 'img.jpg' }),
  H('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '', {}),
  {
    input: 'unsafe/adaptive-full-fit-in',
    expected: { unsafe: true, path: 'adaptive-full-fit-in', image: 'adaptive-full-fit-in' },
  },
  N('adaptive-full-fit-in/', { fit_in: true, adaptive_fit_in: true, full_fit_in: true }),
  { input: 'params/img.jpg', expected: { params: true, path: 'img.jpg', image: 'img.jpg' } },
  { input: 'params', expected: { path: 'params', image: 'params' } },
  {
    input: 'unsafe/params/img.jpg',
    expected: { unsafe: true, path: 'params/img.jpg', image: 'params/img.jpg' },
  },
  {
    input: 'params//unsafe/img.jpg',
    expected: { params: true, path: '/unsafe/img.jpg', image: 'unsafe/img.jpg' },
  },
  U('a'.repeat(5000) + '/' + 'b/'.repeat(2000) + 'c.jpg', {
    image: 'a'.repeat(5000) + '/' + 'b/'.repeat(2000) + 'c.jpg',
  }),
  U('fit-in/300x200/filters:' + 'blur(1):'.repeat(300) + 'x()/img.jpg', {
    ...fit(300, 200),
    filters: [...Array.from({ length: 300 }, () => f('blur', '1')), f('x')],
    image: 'img.jpg',
  }),
  U('99999999999999999999x1/img', { width: 2 ** 63, height: 1, image: 'img' }),
  U('filters:text(<b>&amp;</b>,0,0)/"quoted"\\.jpg', {
    filters: [f('text', '<b>&amp;</b>,0,0')],
    image: '"quoted"\\.jpg',
  }),
  U('%00%1F%7F.jpg', { image: '\u0000\u001f\u007f.jpg' }),
  U('%C3%28.jpg', { image: '\ufffd(.jpg' }),
];

export const ALL_CASES: ParseCase[] = [...IMAGOR_TEST_PATHS, ...SPEC_EXAMPLES, ...HOSTILE];

/** What a regenerated path is expected to preserve: everything but path/hash/unsafe/params and center/middle. */
export function comparable(p: Params): Params {
  const { path: _path, hash: _hash, unsafe: _unsafe, params: _params, ...rest } = p;
  if (rest.h_align === 'center') delete rest.h_align;
  if (rest.v_align === 'middle') delete rest.v_align;
  return rest;
}

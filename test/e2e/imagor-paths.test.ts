import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import type { BuiltServer } from '../../src/build.js';
import { parse } from '../../src/path/parse.js';
import { IMAGOR_TEST_PATHS } from '../path/cases.js';
import { fixturePath } from '../helpers/fixtures.js';
import { get, startServer } from '../helpers/server.js';

/** The metadata-filter argument errors of imagor's own suite (spec §3.5): 400 by design. */
const META_ARG_ERROR =
  /meta\/filters:(blurhash\((|4|bad,args|0,3|4,10)\)|thumbhash\(foo\)|avgcolor\(red\))\//;

/**
 * What imagor answers for each request path of its own test suite, served from its test images
 * (test/fixtures/imagor): an image when the source exists, 404 when it does not, and 400 for the
 * documented argument errors — never a 5xx.
 */
function expectedStatus(path: string): number {
  if (META_ARG_ERROR.test(path)) return 400;
  const image = parse(path).image ?? '';
  if (image === '') return 400;
  if (/^color:/i.test(image)) return 200;
  if (/^[a-z]+:\/\//i.test(image)) return 404; // no network here
  return existsSync(fixturePath(`imagor/${image}`)) ? 200 : 404;
}

describe("imagor's own request paths through the real server", () => {
  let s: BuiltServer;
  before(async () => {
    s = await startServer([
      '-imagor-unsafe',
      '-file-loader-base-dir',
      fixturePath('imagor'),
      '-http-loader-disable',
    ]);
  });
  after(() => s.close());

  const paths = IMAGOR_TEST_PATHS.map((c) => c.input.replace(/^\/+/, '')).filter((p) =>
    p.startsWith('unsafe/'),
  );

  it('covers the suite', () => {
    assert.ok(paths.length > 300, String(paths.length));
  });

  for (const path of paths) {
    it(`GET /${path}`, async () => {
      const wire = path.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
      const r = await get(`${s.url}/${wire}`);
      const want = expectedStatus(path);
      assert.equal(r.status, want, `${r.status} ${r.body.subarray(0, 200).toString()}`);
      if (want !== 200) {
        assert.equal((JSON.parse(r.body.toString()) as { status: number }).status, want);
        return;
      }
      const type = r.headers.get('content-type') ?? '';
      if (parse(path).meta) {
        assert.equal(type, 'application/json');
        return;
      }
      if (/filters:[^/]*raw\(\)/.test(path)) return;
      // formats sharp cannot read back (JPEG XL, JPEG 2000, HEVC HEIF): check the signature
      const box = r.body.toString('latin1', 4, 12);
      if (type === 'image/jxl') return assert.ok(box.startsWith('JXL ') || r.body[0] === 0xff, box);
      if (type === 'image/jp2') return assert.ok(box.startsWith('jP  '), box);
      if (type === 'image/heif') return assert.equal(box, 'ftypheic');
      const m = await sharp(r.body, { animated: true }).metadata();
      assert.ok((m.width ?? 0) > 0 && (m.height ?? 0) > 0);
      assert.equal(type, `image/${m.format === 'heif' ? 'avif' : m.format}`);
    });
  }
});

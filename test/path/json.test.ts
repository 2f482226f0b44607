import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { paramsToJSON } from '../../src/path/json.js';
import { parse } from '../../src/path/parse.js';

describe('paramsToJSON', () => {
  it('writes the readme /params example in imagor field order with 2-space indent', () => {
    assert.equal(
      paramsToJSON(parse('params/g5bMqZvxaQK65qFPaP1qlJOTuLM=/fit-in/500x400/0x20/filters:fill(white)/')),
      `{
  "path": "fit-in/500x400/0x20/filters:fill(white)/",
  "hash": "g5bMqZvxaQK65qFPaP1qlJOTuLM=",
  "fit_in": true,
  "width": 500,
  "height": 400,
  "padding_top": 20,
  "padding_bottom": 20,
  "filters": [
    {
      "name": "fill",
      "args": "white"
    }
  ]
}`,
    );
  });

  it('writes every field in struct order', () => {
    const p = parse(
      'params/unsafe/meta/trim:bottom-right:10/0.5x.25:1.0x10/adaptive-full-fit-in/stretch/-300x-0/1x2:3x4/right/bottom/smart/filters:a(1):b()/b64:YWJj',
    );
    assert.equal(
      paramsToJSON(p),
      `{
  "path": "meta/trim:bottom-right:10/0.5x.25:1.0x10/adaptive-full-fit-in/stretch/-300x-0/1x2:3x4/right/bottom/smart/filters:a(1):b()/b64:YWJj",
  "image": "abc",
  "base64_image": true,
  "unsafe": true,
  "meta": true,
  "trim": true,
  "trim_by": "bottom-right",
  "trim_tolerance": 10,
  "crop_left": 0.5,
  "crop_top": 0.25,
  "crop_right": 1,
  "crop_bottom": 10,
  "fit_in": true,
  "adaptive_fit_in": true,
  "full_fit_in": true,
  "stretch": true,
  "width": 300,
  "height": 0,
  "padding_left": 1,
  "padding_top": 2,
  "padding_right": 3,
  "padding_bottom": 4,
  "h_flip": true,
  "v_flip": true,
  "h_align": "right",
  "v_align": "bottom",
  "smart": true,
  "filters": [
    {
      "name": "a",
      "args": "1"
    },
    {
      "name": "b"
    }
  ]
}`.replace('  "height": 0,\n', ''),
    );
  });

  it('writes {} for nothing and never writes the params flag', () => {
    assert.equal(paramsToJSON({}), '{}');
    assert.equal(paramsToJSON({ params: true, width: 0, image: '', smart: false, filters: [] }), '{}');
  });

  it('writes an empty filter as {}', () => {
    assert.equal(
      paramsToJSON({ filters: [{ name: '' }, { name: 'x', args: '' }] }),
      `{
  "filters": [
    {},
    {
      "name": "x"
    }
  ]
}`,
    );
  });

  it('escapes strings like Go encoding/json (HTML-safe, \\u00xx controls)', () => {
    assert.equal(
      paramsToJSON({ image: '<a href="x">&\u2028\u2029\b\f\n\r\t\u0001\u007f\\é😀' }),
      '{\n  "image": "\\u003ca href=\\"x\\"\\u003e\\u0026\\u2028\\u2029\\u0008\\u000c\\n\\r\\t\\u0001\u007f\\\\é😀"\n}',
    );
  });

  it('writes lone surrogates as \\ufffd', () => {
    assert.equal(paramsToJSON({ image: 'a\ud800b\udc00' }), '{\n  "image": "a\\ufffdb\\ufffd"\n}');
  });

  it('writes crop floats the way Go does', () => {
    assert.equal(
      paramsToJSON(parse('unsafe/0.006120x0.0000001:1.0x1.0/a')),
      `{
  "path": "0.006120x0.0000001:1.0x1.0/a",
  "image": "a",
  "unsafe": true,
  "crop_left": 0.00612,
  "crop_top": 1e-7,
  "crop_right": 1,
  "crop_bottom": 1
}`,
    );
    assert.equal(
      paramsToJSON({ crop_left: 1e21, crop_top: 123456789 }),
      '{\n  "crop_left": 1e+21,\n  "crop_top": 123456789\n}',
    );
  });
});

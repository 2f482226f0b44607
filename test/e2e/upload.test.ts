import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { BuiltServer } from '../../src/build.js';
import { startServer } from '../helpers/server.js';

/**
 * Upload through the real server. Needs src/server/handler.ts to hand the request body to the
 * app (`body: req`, `contentType: req.headers['content-type']`).
 */
const u8 = (b: Buffer): Uint8Array<ArrayBuffer> => new Uint8Array(b);

let png: Buffer;
let on: BuiltServer;
let off: BuiltServer;

before(async () => {
  png = await sharp({ create: { width: 50, height: 50, channels: 3, background: '#00ff00' } })
    .png()
    .toBuffer();
  on = await startServer([
    '-imagor-unsafe',
    '-upload-loader-enable',
    '-upload-loader-max-allowed-size',
    String(png.length + 10),
  ]);
  off = await startServer(['-imagor-unsafe']);
});

after(async () => {
  await on.close();
  await off.close();
});

describe('POST upload through the real server', () => {
  it('multipart and raw uploads are processed', async () => {
    const form = new FormData();
    form.set('image', new Blob([u8(png)], { type: 'image/png' }), 'g.png');
    const a = await fetch(`${on.url}/unsafe/20x10/filters:format(jpeg)/`, { method: 'POST', body: form });
    assert.equal(a.status, 200);
    assert.equal(a.headers.get('content-type'), 'image/jpeg');
    const ma = await sharp(Buffer.from(await a.arrayBuffer())).metadata();
    assert.deepEqual([ma.width, ma.height], [20, 10]);

    const b = await fetch(`${on.url}/unsafe/10x10/`, {
      method: 'POST',
      body: u8(png),
      headers: { 'Content-Type': 'image/png' },
    });
    assert.equal(b.status, 200);
    const mb = await sharp(Buffer.from(await b.arrayBuffer())).metadata();
    assert.deepEqual([mb.format, mb.width], ['png', 10]);
  });

  it('upload errors are reported as themselves (not masked by the HTTP loader)', async () => {
    const text = await fetch(`${on.url}/unsafe/10x10/`, {
      method: 'POST',
      body: 'x',
      headers: { 'Content-Type': 'text/plain' },
    });
    assert.equal(text.status, 406);
    assert.deepEqual(await text.json(), { message: 'unsupported format', status: 406 });
    const big = await fetch(`${on.url}/unsafe/10x10/`, {
      method: 'POST',
      body: u8(Buffer.concat([png, Buffer.alloc(100)])),
      headers: { 'Content-Type': 'image/png' },
    });
    assert.equal(big.status, 400);
    assert.deepEqual(await big.json(), { message: 'maximum size exceeded', status: 400 });
  });

  it('POST is 405 when uploads are off', async () => {
    const r = await fetch(`${off.url}/unsafe/10x10/`, {
      method: 'POST',
      body: u8(png),
      headers: { 'Content-Type': 'image/png' },
    });
    assert.equal(r.status, 405);
  });
});

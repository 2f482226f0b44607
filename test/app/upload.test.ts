import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import sharp from 'sharp';
import { buildApp } from '../../src/build.js';
import type { App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/load.js';

/**
 * The upload path of the app, driven over HTTP by a minimal listener that hands the request body
 * to `app.handle` the way src/server/handler.ts is meant to (`body: req`).
 */
interface Running {
  url: string;
  app: App;
  processed: () => number;
  close(): Promise<void>;
}

async function startApp(args: string[]): Promise<Running> {
  const r = loadConfig(args, {}, { readFile: () => undefined });
  if (r.kind !== 'config') throw new Error('bad config');
  let processed = 0;
  const app = buildApp(r.config, pino({ level: 'silent' }), { hooks: { processed: () => processed++ } });
  const server = http.createServer((req, res) => {
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    const contentType = req.headers['content-type'];
    app
      .handle({
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0] ?? '/',
        headers: req.headers,
        signal: ac.signal,
        body: req,
        ...(contentType !== undefined ? { contentType } : {}),
      })
      .then(
        (out) => {
          res.writeHead(out.status, out.headers);
          res.end(out.body);
        },
        (err: { status?: number; message?: string }) => {
          const body = JSON.stringify({ message: err.message, status: err.status ?? 500 });
          res.writeHead(err.status ?? 500, { 'Content-Type': 'application/json' });
          res.end(body);
        },
      );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    app,
    processed: () => processed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A copy on a plain ArrayBuffer (what BodyInit and BlobPart want). */
const u8 = (b: Buffer): Uint8Array<ArrayBuffer> => new Uint8Array(b);

async function post(
  url: string,
  body: Buffer | FormData | string | Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const init = Buffer.isBuffer(body) ? u8(body) : body;
  const res = await fetch(url, { method: 'POST', body: init, headers });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body: buf };
}

const message = (b: Buffer): unknown => JSON.parse(b.toString()) as unknown;

let png: Buffer;
let on: Running;
let small: Running;
let off: Running;
let signed: Running;

before(async () => {
  png = await sharp({ create: { width: 80, height: 60, channels: 3, background: '#ff0000' } })
    .png()
    .toBuffer();
  on = await startApp(['-imagor-unsafe', '-upload-loader-enable']);
  small = await startApp([
    '-imagor-unsafe',
    '-upload-loader-enable',
    '-upload-loader-max-allowed-size',
    '1000',
    '-upload-loader-accept',
    'image/png,image/webp',
    '-upload-loader-form-field-name',
    'file',
    '-imagor-result-storage-path-style',
    'original',
  ]);
  off = await startApp(['-imagor-unsafe']);
  signed = await startApp(['-imagor-secret', 's3cret', '-upload-loader-enable']);
});

after(async () => {
  for (const r of [on, small, off, signed]) await r.close();
});

describe('POST upload (spec §4.4)', () => {
  it('processes a multipart upload', async () => {
    const form = new FormData();
    form.set('image', new Blob([u8(png)], { type: 'image/png' }), 'red.png');
    const r = await post(`${on.url}/unsafe/40x30/filters:format(webp)/`, form);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'image/webp');
    const m = await sharp(r.body).metadata();
    assert.deepEqual([m.format, m.width, m.height], ['webp', 40, 30]);
  });

  it('processes a raw body with an image Content-Type; the image part of the path is ignored', async () => {
    const r = await post(`${on.url}/unsafe/20x20/whatever.jpg`, png, { 'Content-Type': 'image/png' });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'image/png');
    const m = await sharp(r.body).metadata();
    assert.deepEqual([m.width, m.height], [20, 20]);
  });

  it('uploads are never de-duplicated: identical concurrent uploads each get processed', async () => {
    const before = on.processed();
    const rs = await Promise.all(
      [1, 2, 3].map(() => post(`${on.url}/unsafe/10x10/`, png, { 'Content-Type': 'image/png' })),
    );
    for (const r of rs) assert.equal(r.status, 200);
    assert.equal(on.processed() - before, 3);
  });

  it('missing Content-Type → 400, type not accepted → 406, too large → 400 maximum size exceeded', async () => {
    const none = await post(`${on.url}/unsafe/10x10/`, u8(png));
    // fetch labels a bare Uint8Array body with no Content-Type
    assert.equal(none.status, 400);
    assert.deepEqual(message(none.body), { message: 'invalid', status: 400 });

    const text = await post(`${on.url}/unsafe/10x10/`, 'hello', { 'Content-Type': 'text/plain' });
    assert.equal(text.status, 406);
    assert.deepEqual(message(text.body), { message: 'unsupported format', status: 406 });

    const jpeg = await sharp(png).jpeg().toBuffer();
    const notAccepted = await post(`${small.url}/unsafe/10x10/`, jpeg, { 'Content-Type': 'image/jpeg' });
    assert.equal(notAccepted.status, 406);

    const big = Buffer.concat([png, Buffer.alloc(2000)]);
    const tooBig = await post(`${small.url}/unsafe/10x10/`, big, { 'Content-Type': 'image/png' });
    assert.equal(tooBig.status, 400);
    assert.deepEqual(message(tooBig.body), { message: 'maximum size exceeded', status: 400 });

    // no Content-Length: the limit is enforced while streaming
    const stream = new ReadableStream<Uint8Array>({
      start(ctrl) {
        for (let i = 0; i < 10; i++) ctrl.enqueue(new Uint8Array(500));
        ctrl.close();
      },
    });
    const res = await fetch(`${small.url}/unsafe/10x10/`, {
      method: 'POST',
      body: stream,
      headers: { 'Content-Type': 'image/png' },
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { message: 'maximum size exceeded', status: 400 });

    const form = new FormData();
    form.set('file', new Blob([u8(big)], { type: 'image/png' }), 'big.png');
    const bigPart = await post(`${small.url}/unsafe/10x10/`, form);
    assert.equal(bigPart.status, 400);
    assert.deepEqual(message(bigPart.body), { message: 'maximum size exceeded', status: 400 });
  });

  it('multipart: the configured field name is used; a missing field is 400; a part type is checked', async () => {
    const wrong = new FormData();
    wrong.set('image', new Blob([u8(png)], { type: 'image/png' }), 'a.png');
    const r1 = await post(`${small.url}/unsafe/10x10/`, wrong);
    assert.equal(r1.status, 400);
    assert.deepEqual(message(r1.body), { message: 'missing form field "file"', status: 400 });

    const right = new FormData();
    right.set('file', new Blob([u8(png)], { type: 'image/png' }), 'a.png');
    assert.equal((await post(`${small.url}/unsafe/10x10/`, right)).status, 200);

    const text = new FormData();
    text.set('file', new Blob(['not an image'], { type: 'text/plain' }), 'a.txt');
    assert.equal((await post(`${small.url}/unsafe/10x10/`, text)).status, 406);
  });

  it('POST is 405 unless both -imagor-unsafe and -upload-loader-enable are set', async () => {
    const r = await post(`${off.url}/unsafe/10x10/`, png, { 'Content-Type': 'image/png' });
    assert.equal(r.status, 405);
    const s = await post(`${signed.url}/unsafe/10x10/`, png, { 'Content-Type': 'image/png' });
    assert.equal(s.status, 405);
  });

  it('GET of an unsafe path without image shows the upload form when uploads are on', async () => {
    const res = await fetch(`${on.url}/unsafe/100x100/filters:format(png)/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const html = await res.text();
    assert.match(html, /<form method="post" enctype="multipart\/form-data"/);
    assert.match(html, /name="image"/);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { gifFrameBomb, pngHeaderBomb, svgFilterBomb, svgUseBomb } from '../helpers/bombs.js';
import { startCli, rawRequest, type Cli } from '../helpers/cli.js';
import { readFixture } from '../helpers/fixtures.js';

/**
 * Hostile input against the real built server (supervisor + worker processes, sockets on 127.0.0.1),
 * at default settings plus uploads and a short request timeout. After every attack: the worker that
 * answered is still the same process, the answer came within the timeout, no message names a file
 * system path, and the tree's RSS (supervisor + workers) stayed under 1 GiB.
 */
const GiB = 1024 ** 3;
const REQUEST_TIMEOUT_S = 5;
/** slack on top of the timeout for a loaded 2-core machine */
const SLACK_MS = 2500;

let cli: Cli;
let workers: number[];
let peakRss = 0;
let sampler: NodeJS.Timeout | undefined;

const noPath = (text: string): void => {
  assert.doesNotMatch(text, /\/(?:work|tmp|home|usr|var|proc|etc)\//, text);
  assert.doesNotMatch(text, /\bE[A-Z]{3,}:/, text);
};

/** A POST whose multipart body ends before the closing boundary, sent chunked and then finished. */
function truncatedMultipart(port: number, path: string): ReturnType<typeof rawRequest> {
  return rawRequest(port, (s) => {
    const boundary = 'xBOUNDARYx';
    const part =
      `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n` +
      'Content-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\nsome bytes';
    s.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\n` +
        'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
    );
    s.write(`${Buffer.byteLength(part, 'latin1').toString(16)}\r\n${part}\r\n0\r\n\r\n`, 'latin1');
  });
}

let dir: string;

/** A port that was free a moment ago: with port 0, a replacement worker would listen elsewhere. */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'imagor-hostile-'));
  await writeFile(path.join(dir, 'frames.gif'), gifFrameBomb(5000));
  await writeFile(path.join(dir, 'huge.png'), pngHeaderBomb(30_000, 30_000));
  await writeFile(path.join(dir, 'wide.png'), pngHeaderBomb(100_000, 10));
  await writeFile(path.join(dir, 'filter.svg'), svgFilterBomb());
  await writeFile(path.join(dir, 'use.svg'), svgUseBomb());
  await sharp({ create: { width: 4000, height: 4000, channels: 3, background: '#336699' } })
    .png()
    .toFile(path.join(dir, 'canvas.png'));
  const avif = readFixture('imagor/gopher-front.avif');
  const jpeg = readFixture('imagor/demo1.jpg');
  for (const cut of [512, 1017, 1024, 1695, 2000, 3389]) {
    await writeFile(path.join(dir, `cut-${cut}.avif`), avif.subarray(0, cut));
    await writeFile(path.join(dir, `cut-${cut}.jpg`), jpeg.subarray(0, cut + 3000));
  }
  await sharp({ create: { width: 1, height: 1, channels: 4, background: '#ff000080' } })
    .png()
    .toFile(path.join(dir, 'dot.png'));
  const port = await freePort();
  cli = await startCli(
    [
      '-imagor-unsafe',
      '-upload-loader-enable',
      '-http-loader-disable',
      '-file-loader-base-dir',
      dir,
      '-imagor-request-timeout',
      `${REQUEST_TIMEOUT_S}s`,
    ],
    30_000,
    port,
  );
  workers = cli.tree().slice(1);
  sampler = setInterval(() => {
    peakRss = Math.max(peakRss, cli.rss());
  }, 200);
});

after(async () => {
  if (sampler) clearInterval(sampler);
  await cli.stop();
  await rm(dir, { recursive: true, force: true });
});

/** GETs a path; asserts the answer came in time and names no path; returns status and body. */
async function hit(p: string): Promise<{ status: number; body: string }> {
  const started = Date.now();
  const r = await fetch(cli.url + p, { signal: AbortSignal.timeout(60_000) });
  const body = Buffer.from(await r.arrayBuffer());
  const took = Date.now() - started;
  assert.ok(took < REQUEST_TIMEOUT_S * 1000 + SLACK_MS, `${p} answered after ${took} ms`);
  const text = r.headers.get('content-type')?.includes('json') ? body.toString() : '';
  noPath(text);
  return { status: r.status, body: text };
}

const sameWorkers = (): void => {
  const now = cli.tree().slice(1);
  for (const pid of workers) assert.ok(now.includes(pid), `worker ${pid} died (now ${now.join(',')})`);
};

describe('hostile input against the real server', () => {
  it('a multipart upload cut before its closing boundary answers 400 and the worker lives', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await truncatedMultipart(cli.port, '/unsafe/10x10/');
      assert.equal(r.status, 400, r.text);
      noPath(r.body);
    }
    await sleep(300);
    sameWorkers();
  });

  it('an upload sent at 1 byte per second gets 408 within the request timeout', async () => {
    const r = await rawRequest(
      cli.port,
      async (s) => {
        s.write(
          'POST /unsafe/10x10/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n' +
            'Content-Length: 1000\r\n\r\n',
        );
        for (let i = 0; i < 30 && !s.destroyed; i++) {
          s.write('x');
          await sleep(1000);
        }
      },
      (REQUEST_TIMEOUT_S + 5) * 1000,
    );
    assert.equal(r.status, 408, r.text);
    assert.ok(r.elapsedMs < (REQUEST_TIMEOUT_S + 2) * 1000, `answered after ${r.elapsedMs} ms`);
    sameWorkers();
  });

  it('an animated GIF of 5000 frames resized per frame is refused with 422 at once', async () => {
    for (const p of ['/unsafe/300x300/smart/frames.gif', '/unsafe/500x500/frames.gif']) {
      const r = await hit(p);
      assert.equal(r.status, 422, r.body);
      assert.deepEqual(JSON.parse(r.body), { message: 'maximum resolution exceeded', status: 422 });
    }
    // within the budget: processed (or 408 on a slow machine), in time either way
    const small = await hit('/unsafe/10x10/frames.gif');
    assert.ok([200, 408].includes(small.status), `${small.status} ${small.body}`);
    sameWorkers();
  });

  it('truncated AVIF and JPEG sources decoded side by side are all 406, never 500', async () => {
    const names = [512, 1017, 1024, 1695, 2000, 3389].flatMap((c) => [`cut-${c}.avif`, `cut-${c}.jpg`]);
    const paths = names.flatMap((n) => [`/unsafe/${n}`, `/unsafe/fit-in/100x100/${n}`, `/unsafe/meta/${n}`]);
    for (let round = 0; round < 4; round++) {
      const answers = await Promise.all(paths.map(async (p) => ({ p, ...(await hit(p)) })));
      for (const a of answers) {
        assert.equal(a.status, 406, `${a.p}: ${a.body}`);
        const body = JSON.parse(a.body) as { message: string; status: number };
        assert.equal(body.status, 406);
        assert.ok(body.message.length > 0);
      }
    }
    sameWorkers();
  });

  it('attachment names with line breaks, control or non-ASCII characters are sent safely', async () => {
    const cases: Array<[string, string]> = [
      ['attachment(%0D%0ASet-Cookie:x=1)', 'attachment; filename="  Set-Cookie:x=1.png"'],
      ['attachment(a%00b%7Fc%09d.png)', 'attachment; filename="a%00b%7Fc%09d.png"'],
      ['attachment(%E6%97%A5%E6%9C%AC.png)', 'attachment; filename="%E6%97%A5%E6%9C%AC.png"'],
    ];
    for (const [filter, want] of cases) {
      const r = await fetch(`${cli.url}/unsafe/filters:${filter}/dot.png`);
      assert.equal(r.status, 200, filter);
      assert.equal(r.headers.get('set-cookie'), null);
      assert.equal(r.headers.get('content-disposition'), want, filter);
    }
    sameWorkers();
  });

  it('a thousand growing paddings end at the request timeout; the worker keeps answering meanwhile', async () => {
    const chain = Array.from({ length: 1000 }, () => 'padding(red,5)').join(':');
    const r = await hit(`/unsafe/filters:${chain}/dot.png`);
    assert.ok([408, 422].includes(r.status), `${r.status} ${r.body}`);
    assert.ok(!cli.lines.some((l) => l.msg === 'worker does not answer the heartbeat; killing it'));
    sameWorkers();
  });

  it('a PNG header claiming a huge canvas is 422 without decoding', async () => {
    for (const p of ['/unsafe/100x100/huge.png', '/unsafe/filters:blur(3)/huge.png', '/unsafe/wide.png']) {
      const r = await hit(p);
      assert.equal(r.status, 422, `${p}: ${r.body}`);
    }
    sameWorkers();
  });

  it('a 1×1 watermark repeated over a 4000×4000 canvas is answered in time', async () => {
    const r = await hit('/unsafe/filters:watermark(dot.png,repeat,repeat,0)/canvas.png');
    assert.ok(r.status === 200 || r.status === 408, `${r.status} ${r.body}`);
    sameWorkers();
  });

  it('concurrent large uploads wait for the upload byte budget instead of piling up', async () => {
    const body = new Uint8Array(24 * 2 ** 20).fill(7);
    const statuses = await Promise.all(
      Array.from({ length: 16 }, async () => {
        const started = Date.now();
        const r = await fetch(`${cli.url}/unsafe/10x10/`, {
          method: 'POST',
          body,
          headers: { 'Content-Type': 'image/png' },
        }).catch(() => undefined);
        const text = r ? await r.text() : '';
        noPath(text);
        assert.ok(Date.now() - started < REQUEST_TIMEOUT_S * 1000 + 3 * SLACK_MS, 'answered late');
        return r?.status ?? 0;
      }),
    );
    for (const s of statuses) assert.ok([406, 408, 429].includes(s), statuses.join(','));
    sameWorkers();
  });

  it('SVG filter and <use> bombs answer 408 in time; a worker left computing is replaced', async () => {
    for (const p of ['/unsafe/filters:blur(2)/filter.svg', '/unsafe/200x200/use.svg']) {
      const r = await hit(p);
      assert.equal(r.status, 408, `${p}: ${r.body}`);
      assert.deepEqual(JSON.parse(r.body), { message: 'timeout', status: 408 });
    }
    // librsvg does not stop for sharp's timeout: the worker drains and a fresh one takes over
    const deadline = Date.now() + 60_000;
    let replaced = false;
    while (Date.now() < deadline && !replaced) {
      await sleep(1000);
      const now = cli.tree().slice(1);
      replaced = now.length > 0 && !now.some((pid) => workers.includes(pid));
    }
    assert.ok(replaced, 'the stuck worker was not replaced');
    assert.ok(cli.lines.some((l) => l.msg === 'pixel work outlived its request; replacing this worker'));
    let ok = false;
    while (Date.now() < deadline && !ok) {
      ok = await fetch(`${cli.url}/unsafe/10x10/dot.png`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (!ok) await sleep(500);
    }
    assert.ok(ok, 'no worker serves after the replacement');
  });

  it('the tree stayed under 1 GiB', (t) => {
    peakRss = Math.max(peakRss, cli.rss());
    t.diagnostic(`peak RSS of the tree: ${Math.round(peakRss / 2 ** 20)} MiB`);
    assert.ok(peakRss > 0);
    assert.ok(peakRss < GiB, `peak RSS ${Math.round(peakRss / 2 ** 20)} MiB`);
  });
});

describe('names the file system refuses, through the real server', () => {
  it('a 10 000-character image name is 404 without a path or a system error text', async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'imagor-long-name-'));
    const server = await startCli(['-imagor-unsafe', '-http-loader-disable', '-file-loader-base-dir', base]);
    try {
      for (const name of ['a'.repeat(10_000) + '.jpg', 'b'.repeat(300) + '/c.jpg']) {
        const r = await fetch(`${server.url}/unsafe/10x10/${name}`);
        const text = await r.text();
        assert.equal(r.status, 404, text);
        assert.deepEqual(JSON.parse(text), { message: 'not found', status: 404 });
        noPath(text);
      }
    } finally {
      await server.stop();
      await rm(base, { recursive: true, force: true });
    }
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCli, rawRequest, type Cli } from '../helpers/cli.js';

/**
 * Hostile input against the real built server (supervisor + worker processes, sockets on 127.0.0.1),
 * at default settings plus uploads and a short request timeout. After every attack: the worker that
 * answered is still the same process, the answer came within the timeout, no message names a file
 * system path, and the tree's RSS (supervisor + workers) stayed under 1 GiB.
 */
const GiB = 1024 ** 3;
const REQUEST_TIMEOUT_S = 3;

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

before(async () => {
  cli = await startCli([
    '-imagor-unsafe',
    '-upload-loader-enable',
    '-http-loader-disable',
    '-imagor-request-timeout',
    `${REQUEST_TIMEOUT_S}s`,
  ]);
  workers = cli.tree().slice(1);
  sampler = setInterval(() => {
    peakRss = Math.max(peakRss, cli.rss());
  }, 200);
});

after(async () => {
  if (sampler) clearInterval(sampler);
  await cli.stop();
});

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

  it('the tree stayed under 1 GiB', () => {
    peakRss = Math.max(peakRss, cli.rss());
    assert.ok(peakRss > 0);
    assert.ok(peakRss < GiB, `peak RSS ${Math.round(peakRss / 2 ** 20)} MiB`);
  });
});

describe('names the file system refuses, through the real server', () => {
  it('a 10 000-character image name is 404 without a path or a system error text', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const os = await import('node:os');
    const path = await import('node:path');
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

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { buildServer, type BuiltServer } from '../../src/build.js';
import { loadConfig } from '../../src/config/load.js';
import { createSigner } from '../../src/path/signer.js';
import { fixturePath } from '../helpers/fixtures.js';
import { get, json } from '../helpers/server.js';

type Rec = Record<string, unknown>;

/** The real server with a logger whose JSON lines are collected in `lines`. */
async function start(
  args: string[],
  level: 'info' | 'debug',
): Promise<{ server: BuiltServer; lines: Rec[] }> {
  const lines: Rec[] = [];
  const r = loadConfig(
    ['-bind', '127.0.0.1:0', '-file-loader-base-dir', fixturePath('imagor'), '-http-loader-disable', ...args],
    {},
    { readFile: () => undefined },
  );
  if (r.kind !== 'config') throw new Error('bad configuration');
  const logger = pino({ level }, { write: (s: string) => lines.push(JSON.parse(s) as Rec) });
  return { server: await buildServer(r.config, logger), lines };
}

const accessLines = (lines: Rec[]): Rec[] => lines.filter((l) => typeof l['status'] === 'number');

describe('access log', () => {
  let s: { server: BuiltServer; lines: Rec[] };
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'imagor-access-'));
    s = await start(['-imagor-unsafe', '-server-access-log', '-file-result-storage-base-dir', dir], 'info');
  });
  after(async () => {
    await s.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a 200 logs method, path, status, bytes, ms and the result-storage outcome in one compact line', async () => {
    const url = '/unsafe/40x30/demo1.jpg';
    const r = await get(s.server.url + url);
    assert.equal(r.status, 200);
    const line = accessLines(s.lines).find((l) => l['uri'] === url);
    assert.ok(line, 'access line');
    assert.equal(line['level'], 30);
    assert.equal(line['method'], 'GET');
    assert.equal(line['status'], 200);
    assert.equal(line['bytes'], r.body.length);
    assert.equal(typeof line['took'], 'number');
    assert.equal(line['cache'], 'miss');
    assert.match(
      String(line['msg']),
      new RegExp(`^GET /unsafe/40x30/demo1\\.jpg 200 ${r.body.length}B \\d+ms miss$`),
    );
    await s.server.app.idle();
    await get(s.server.url + url);
    const second = accessLines(s.lines).filter((l) => l['uri'] === url);
    assert.equal(second.at(-1)?.['cache'], 'hit');
    // timings are -debug detail
    assert.equal(line['timings'], undefined);
  });

  it('a 4xx is logged at info with the reason', async () => {
    const r = await get(s.server.url + '/unsafe/10x10/no-such-file.jpg');
    assert.equal(r.status, 404);
    const line = accessLines(s.lines).find((l) => l['uri'] === '/unsafe/10x10/no-such-file.jpg');
    assert.ok(line);
    assert.equal(line['level'], 30);
    assert.equal(line['status'], 404);
    assert.equal(line['bytes'], r.body.length);
    assert.equal(typeof line['reason'], 'string');
  });

  it('the health check is not logged', async () => {
    await get(s.server.url + '/healthcheck');
    assert.equal(accessLines(s.lines).filter((l) => l['uri'] === '/healthcheck').length, 0);
  });
});

describe('access log in signed mode', () => {
  let s: { server: BuiltServer; lines: Rec[] };
  before(async () => {
    s = await start(['-imagor-secret', 'top-secret-1', '-server-access-log'], 'info');
  });
  after(() => s.server.close());

  it('a 403 is logged at info, and an unsafe URL says unsafe mode is off', async () => {
    const r = await get(s.server.url + '/unsafe/10x10/demo1.jpg');
    assert.equal(r.status, 403);
    const line = accessLines(s.lines).find((l) => l['uri'] === '/unsafe/10x10/demo1.jpg');
    assert.ok(line);
    assert.equal(line['level'], 30);
    assert.equal(line['status'], 403);
    assert.match(String(line['reason']), /url signature mismatch.*-imagor-unsafe/);
    assert.match(String(line['msg']), /^GET \/unsafe\/10x10\/demo1\.jpg 403 \d+B \d+ms$/);
  });

  it('without -debug a mismatch logs no signing detail', async () => {
    await get(s.server.url + '/AAAAAAAAAAAAAAAAAAAAAAAAAAA=/10x10/demo1.jpg');
    assert.equal(s.lines.filter((l) => l['msg'] === 'url signature mismatch').length, 0);
  });
});

describe('-debug', () => {
  let s: { server: BuiltServer; lines: Rec[] };
  const secret = 'top-secret-2';
  before(async () => {
    // no -server-access-log: -debug alone turns the access line on
    s = await start(['-imagor-secret', secret, '-debug'], 'debug');
  });
  after(() => s.server.close());

  it('the access line carries load and process timings', async () => {
    const signed = '20x20/demo1.jpg';
    const hash = createSigner({ secret }).sign(signed);
    const r = await get(`${s.server.url}/${hash}/${signed}`);
    assert.equal(r.status, 200);
    const line = accessLines(s.lines).find((l) => String(l['uri']).endsWith(signed));
    assert.ok(line);
    const timings = line['timings'] as Record<string, number>;
    assert.equal(typeof timings['load'], 'number');
    assert.equal(typeof timings['process'], 'number');
  });

  it('a signature mismatch logs the signed path and the expected hash, never the secret', async () => {
    const signed = '30x30/demo1.jpg';
    const wrong = 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    const r = await get(`${s.server.url}/${wrong}/${signed}`);
    assert.equal(r.status, 403);
    const line = s.lines.find((l) => l['msg'] === 'url signature mismatch' && l['signedPath'] === signed);
    assert.ok(line, JSON.stringify(s.lines));
    assert.equal(line['level'], 20);
    assert.equal(line['hash'], wrong);
    assert.equal(line['expected'], createSigner({ secret }).sign(signed));
    for (const l of s.lines) assert.ok(!JSON.stringify(l).includes(secret), 'secret in a log line');
  });
});

describe('400 answers name the problem', () => {
  let s: { server: BuiltServer; lines: Rec[] };
  before(async () => {
    s = await start(['-imagor-unsafe'], 'info');
  });
  after(() => s.server.close());

  it('/unsafe/300x200/ says the image path is missing', async () => {
    const r = await get(s.server.url + '/unsafe/300x200/');
    assert.equal(r.status, 400);
    assert.deepEqual(json(r), {
      message: 'invalid: missing image path (the URL ends before the image)',
      status: 400,
    });
  });

  it('an unclosed filter says which filter is not closed', async () => {
    const r = await get(s.server.url + '/unsafe/filters:brightness(10/demo1.jpg');
    assert.equal(r.status, 400);
    assert.deepEqual(json(r), {
      message: 'invalid filters: brightness( is not closed with ")", so no image path follows',
      status: 400,
    });
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startCli, type Cli } from '../helpers/cli.js';
import { readFixture } from '../helpers/fixtures.js';
import { parseMetrics } from '../metrics/scrape.js';

const MiB = 1024 * 1024;
const SOURCE = 3 * MiB;
/** gopher.png followed by zeros: a PNG decoder stops at IEND, the loader holds every byte */
const PADDED = Buffer.alloc(SOURCE);
readFixture('imagor/gopher.png').copy(PADDED);

/** An origin serving large sources, with a declared length (`/sized/…`) or chunked (`/chunked/…`). */
function route(req: IncomingMessage, res: ServerResponse): void {
  const p = req.url ?? '';
  if (p.startsWith('/huge/')) {
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(16 * MiB) });
    res.end(Buffer.alloc(16 * MiB));
    return;
  }
  const chunked = p.startsWith('/chunked/');
  if (!chunked && !p.startsWith('/sized/')) {
    res.writeHead(404);
    res.end();
    return;
  }
  res.writeHead(
    200,
    chunked
      ? { 'content-type': 'image/png' }
      : {
          'content-type': 'image/png',
          'content-length': String(PADDED.length),
        },
  );
  let off = 0;
  const pump = (): void => {
    while (off < PADDED.length) {
      const end = Math.min(PADDED.length, off + 256 * 1024);
      const ok = res.write(PADDED.subarray(off, end));
      off = end;
      if (!ok) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

let origin: http.Server;
let originUrl = '';
let cli: Cli;
let metricsUrl = '';

before(async () => {
  origin = http.createServer(route);
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
  cli = await startCli([
    '-imagor-unsafe',
    '-http-loader-block-loopback-networks=false',
    // room for two of the 3 MiB sources at once
    '-imagor-load-max-bytes-in-flight',
    String(8 * MiB),
    '-prometheus-bind',
    '127.0.0.1:0',
    '-prometheus-path',
    '/metrics',
  ]);
  const line = cli.lines.find((l) => l.msg === 'metrics listening');
  metricsUrl = String(line?.url ?? '').replace(/\/+$/, '');
});

after(async () => {
  await cli.stop();
  origin.closeAllConnections();
  origin.close();
});

async function scrape(): Promise<Map<string, number>> {
  return parseMetrics(await (await fetch(`${metricsUrl}/metrics`)).text());
}

describe('-imagor-load-max-bytes-in-flight on the built server', () => {
  it('concurrent requests for large sources all answer, the worker survives, the held bytes return to 0', async () => {
    assert.notEqual(metricsUrl, '');
    const paths = Array.from({ length: 12 }, (_, i) => {
      const kind = i % 3 === 2 ? 'chunked' : 'sized';
      const src = `${originUrl}/${kind}/${i}.png`;
      return {
        kind,
        url: i % 3 === 0 ? `${cli.url}/unsafe/filters:raw()/${src}` : `${cli.url}/unsafe/40x40/${src}`,
      };
    });
    const answers = await Promise.all(
      paths.map(async (p) => {
        const res = await fetch(p.url);
        const body = Buffer.from(await res.arrayBuffer());
        return { ...p, status: res.status, body };
      }),
    );
    for (const a of answers) {
      if (a.kind === 'sized') {
        // a declared length waits for room: always served
        assert.equal(a.status, 200, a.url);
      } else if (a.status !== 200) {
        // a chunked body that outgrows the room left while others hold theirs
        assert.equal(a.status, 503, a.url);
        assert.deepEqual(JSON.parse(a.body.toString()), {
          message: 'too many source bytes in flight',
          status: 503,
        });
      }
    }
    const raw = answers.find((a) => a.url.includes('filters:raw()'));
    assert.equal(raw?.body.length, SOURCE);

    // alone, a chunked source grows into the room it needs
    const alone = await fetch(`${cli.url}/unsafe/40x40/${originUrl}/chunked/alone.png`);
    assert.equal(alone.status, 200);
    await alone.arrayBuffer();

    const huge = await fetch(`${cli.url}/unsafe/40x40/${originUrl}/huge/1.png`);
    assert.equal(huge.status, 400);
    assert.deepEqual(await huge.json(), { message: 'maximum size exceeded', status: 400 });

    const m = await scrape();
    assert.equal(m.get('imagor_load_bytes_in_flight'), 0);
    assert.equal(m.get('imagor_load_bytes_queued'), 0);
    assert.equal(m.get('imagor_worker_restarts_total'), 0);
    assert.equal(cli.child.exitCode, null);
    assert.equal(cli.lines.filter((l) => l.msg === 'imagor listening').length, 1);
    assert.equal(cli.lines.filter((l) => /worker died/.test(l.msg ?? '')).length, 0);
  });
});

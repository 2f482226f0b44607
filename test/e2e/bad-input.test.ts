import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import type { BuiltServer } from '../../src/build.js';
import { readFixture } from '../helpers/fixtures.js';
import { get, json, startServer } from '../helpers/server.js';

/** A PNG header that declares 100000×100000 pixels, followed by a tiny valid IDAT: a decompression bomb. */
function bombPng(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer): number => {
    let c = 0xffffffff;
    for (const x of b) c = (crcTable[(c ^ x) & 0xff] ?? 0) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(100_000, 0);
  ihdr.writeUInt32BE(100_000, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('bad input never hurts the server', () => {
  let origin: http.Server;
  let base: string;
  let s: BuiltServer;
  let resultDir: string;
  const bodies: Record<string, { type: string; body: Buffer }> = {
    '/good.png': { type: 'image/png', body: readFixture('imagor/gopher.png') },
    '/empty.jpg': { type: 'image/jpeg', body: Buffer.alloc(0) },
    '/text.jpg': { type: 'image/jpeg', body: Buffer.from('<html>not an image</html>') },
    '/truncated.jpg': { type: 'image/jpeg', body: readFixture('sharp/truncated.jpg') },
    '/truncated.png': { type: 'image/png', body: readFixture('sharp/truncated.png') },
    '/corrupt-header.jpg': { type: 'image/jpeg', body: readFixture('sharp/corrupt-header.jpg') },
    '/bomb.png': { type: 'image/png', body: bombPng() },
  };

  before(async () => {
    origin = http.createServer((req, res) => {
      if (req.url === '/stall.jpg') {
        res.writeHead(200, { 'Content-Type': 'image/jpeg' });
        res.write(readFixture('sharp/Landscape_1.jpg').subarray(0, 100));
        return; // never ends
      }
      const entry = bodies[req.url ?? ''];
      if (!entry) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': entry.type, 'Content-Length': entry.body.length });
      res.end(entry.body);
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
    resultDir = await mkdtemp(path.join(os.tmpdir(), 'imagor-bad-'));
    s = await startServer([
      '-imagor-unsafe',
      '-http-loader-block-loopback-networks=false',
      '-imagor-load-timeout',
      '1s',
      '-file-result-storage-base-dir',
      resultDir,
    ]);
  });
  after(async () => {
    await s.close();
    origin.closeAllConnections();
    origin.close();
    await rm(resultDir, { recursive: true, force: true });
  });

  const cases: Array<[string, number[]]> = [
    ['/empty.jpg', [400, 404, 406]],
    ['/text.jpg', [406]],
    ['/truncated.jpg', [406]],
    ['/truncated.png', [406]],
    ['/corrupt-header.jpg', [406]],
    ['/bomb.png', [422]],
    ['/stall.jpg', [408]],
  ];
  for (const [file, statuses] of cases) {
    it(`answers ${file} with a clear 4xx JSON error, then serves the next request`, async () => {
      const bad = await get(`${s.url}/unsafe/100x100/${base}${file}`);
      assert.ok(statuses.includes(bad.status), `${file}: ${bad.status} ${bad.body.toString()}`);
      const body = json(bad) as { message: string; status: number };
      assert.equal(body.status, bad.status);
      assert.ok(body.message.length > 0);
      const ok = await get(`${s.url}/unsafe/100x100/${base}/good.png`);
      assert.equal(ok.status, 200);
    });
  }

  it('stores no result for any bad input', async () => {
    await s.app.idle();
    const stored = await readdir(resultDir, { recursive: true });
    const files = stored.filter((f) => !f.includes('good.png') && /\.(jpg|png)$/.test(f));
    assert.deepEqual(files, []);
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ByteBudget, type RequestBytes } from '../../src/app/byte-budget.js';
import { ImagorError } from '../../src/errors.js';
import { createHttpLoader, type HttpLoader } from '../../src/loader/http.js';
import type { LoadContext } from '../../src/types.js';

const MiB = 1024 * 1024;

/** A body of `n` bytes that starts like a PNG (the loader does not care what follows). */
function body(n: number): Buffer {
  const b = Buffer.alloc(n, 7);
  Buffer.from([0x89, 0x50, 0x4e, 0x47]).copy(b);
  return b;
}

/** Writes `data` in 64 KiB chunks, waiting for drain (a slow reader holds the origin back). */
function stream(res: ServerResponse, data: Buffer, stopAt = data.length, cut = false): void {
  let off = 0;
  const pump = (): void => {
    while (off < stopAt && !res.destroyed) {
      const end = Math.min(stopAt, off + 64 * 1024);
      const ok = res.write(data.subarray(off, end));
      off = end;
      if (!ok) {
        res.once('drain', pump);
        return;
      }
    }
    if (cut) res.destroy();
    else res.end();
  };
  pump();
}

function route(req: IncomingMessage, res: ServerResponse): void {
  const m = /^\/(sized|chunked|gzip|cut)\/(\d+)$/.exec(req.url ?? '');
  if (!m) {
    res.writeHead(404);
    res.end();
    return;
  }
  const n = Number(m[2]);
  const data = body(n);
  if (m[1] === 'sized') {
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(n) });
    stream(res, data);
  } else if (m[1] === 'chunked') {
    res.writeHead(200, { 'content-type': 'image/png' });
    stream(res, data);
  } else if (m[1] === 'gzip') {
    const z = zlib.gzipSync(data);
    res.writeHead(200, {
      'content-type': 'image/png',
      'content-encoding': 'gzip',
      'content-length': String(z.length),
    });
    res.end(z);
  } else {
    // declares the whole length, sends half of it and drops the connection
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(n) });
    stream(res, data, Math.floor(n / 2), true);
  }
}

let origin: http.Server;
let port = 0;
let loader: HttpLoader;

before(async () => {
  origin = http.createServer(route);
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  port = (origin.address() as AddressInfo).port;
  loader = createHttpLoader({ blockLoopbackNetworks: false });
});

after(() => {
  loader.close();
  origin.closeAllConnections();
  origin.close();
});

const url = (path: string): string => `http://127.0.0.1:${port}${path}`;
const ctx = (bytes: RequestBytes, signal = new AbortController().signal): LoadContext => ({
  signal,
  headers: {},
  bytes,
});
const tick = (ms = 50): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function rejectsWith(p: Promise<unknown>, status: number, message?: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ImagorError, `expected ImagorError, got ${String(err)}`);
    assert.equal(err.status, status);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

describe('HTTP loader bodies counted against the source byte budget', () => {
  test('a declared Content-Length is reserved before the body is read; the load waits for room', async () => {
    const budget = new ByteBudget(4 * MiB, 8);
    const other = budget.hold();
    await other.reserve(3 * MiB, new AbortController().signal);
    const mine = budget.hold();
    const p = loader.get(url('/sized/2097152'), ctx(mine));
    await tick();
    // the response has arrived, its body stays unread until 2 MiB are free
    assert.equal(budget.queued, 1);
    assert.equal(mine.held, 0);
    other.release();
    const blob = await p;
    assert.equal(blob.size, 2 * MiB);
    assert.equal(mine.held, 2 * MiB);
    mine.release();
    assert.equal(budget.held, 0);
  });

  test('a declared body larger than the whole budget is 400 at once and holds nothing', async () => {
    const budget = new ByteBudget(1 * MiB, 8);
    const mine = budget.hold();
    await rejectsWith(loader.get(url('/sized/4194304'), ctx(mine)), 400, 'maximum size exceeded');
    assert.equal(budget.held, 0);
    assert.equal(budget.queued, 0);
  });

  test('a chunked body reserves a first chunk, grows as it streams and keeps only its size', async () => {
    const budget = new ByteBudget(8 * MiB, 8);
    const small = budget.hold();
    const a = await loader.get(url('/chunked/1000'), ctx(small));
    assert.equal(a.size, 1000);
    assert.equal(small.held, 1000);
    const large = budget.hold();
    const b = await loader.get(url('/chunked/3145728'), ctx(large));
    assert.equal(b.size, 3 * MiB);
    assert.equal(large.held, 3 * MiB);
    small.release();
    large.release();
    assert.equal(budget.held, 0);
  });

  test('a chunked body that outgrows the whole budget is 400; its bytes come back', async () => {
    const budget = new ByteBudget(2 * MiB, 8);
    const mine = budget.hold();
    await rejectsWith(loader.get(url('/chunked/3145728'), ctx(mine)), 400, 'maximum size exceeded');
    assert.equal(budget.held, 0);
  });

  test('a chunked body that outgrows the room left is 503, without waiting; the other holder keeps its bytes', async () => {
    const budget = new ByteBudget(4 * MiB, 8);
    const other = budget.hold();
    await other.reserve(2 * MiB, new AbortController().signal);
    const mine = budget.hold();
    await rejectsWith(loader.get(url('/chunked/3145728'), ctx(mine)), 503, 'too many source bytes in flight');
    assert.equal(budget.held, 2 * MiB);
    other.release();
    assert.equal(budget.held, 0);
  });

  test('a compressed body is counted by its decoded bytes', async () => {
    const budget = new ByteBudget(8 * MiB, 8);
    const mine = budget.hold();
    const blob = await loader.get(url('/gzip/2097152'), ctx(mine));
    assert.equal(blob.size, 2 * MiB);
    assert.equal(mine.held, 2 * MiB);
    mine.release();
    const small = new ByteBudget(1 * MiB, 8);
    await rejectsWith(loader.get(url('/gzip/2097152'), ctx(small.hold())), 400, 'maximum size exceeded');
    assert.equal(small.held, 0);
  });

  test('a body cut mid-way fails cleanly and gives its bytes back', async () => {
    const budget = new ByteBudget(8 * MiB, 8);
    const mine = budget.hold();
    await rejectsWith(loader.get(url('/cut/2097152'), ctx(mine)), 404, 'not found');
    assert.equal(mine.held, 0);
    assert.equal(budget.held, 0);
  });

  test('a load whose deadline fires while it waits for room is 408 and leaves the line', async () => {
    const budget = new ByteBudget(1 * MiB, 8);
    const other = budget.hold();
    await other.reserve(1 * MiB, new AbortController().signal);
    const timed = createHttpLoader({ blockLoopbackNetworks: false, timeoutMs: 200 });
    try {
      await rejectsWith(timed.get(url('/sized/1000'), ctx(budget.hold())), 408, 'timeout');
      assert.equal(budget.queued, 0);
      assert.equal(budget.held, 1 * MiB);
    } finally {
      timed.close();
      other.release();
    }
  });
});

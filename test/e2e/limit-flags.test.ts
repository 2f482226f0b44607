import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { pino } from 'pino';
import { buildServer, type BuiltServer } from '../../src/build.js';
import { loadConfig } from '../../src/config/load.js';
import { fixturePath } from '../helpers/fixtures.js';

let server: BuiltServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(flags: string[]): Promise<string> {
  const r = loadConfig(
    ['-bind', '127.0.0.1:0', '-imagor-unsafe', '-file-loader-base-dir', fixturePath('imagor'), ...flags],
    {},
    { readFile: () => undefined },
  );
  if (r.kind !== 'config') throw new Error('bad configuration');
  server = await buildServer(r.config, pino({ level: 'silent' }));
  return server.url;
}

describe('limit flags reach the server', () => {
  it('-vips-max-animation-pixels refuses an animation whose frames together exceed it (422)', async () => {
    const url = await start(['-vips-max-animation-pixels', '10000']);
    const res = await fetch(`${url}/unsafe/dancing-banana.gif`);
    assert.equal(res.status, 422);
    const body = (await res.json()) as { message: string; status: number };
    assert.equal(body.status, 422);
  });

  it('the default animation budget serves the same animation', async () => {
    const url = await start([]);
    const res = await fetch(`${url}/unsafe/dancing-banana.gif`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/gif');
  });

  it('-upload-loader-max-bytes-in-flight and -upload-loader-max-queue: an upload finding no room and no queue place is 429', async () => {
    const url = await start([
      '-upload-loader-enable',
      '-upload-loader-max-bytes-in-flight',
      '1',
      '-upload-loader-max-queue',
      '0',
    ]);
    const { port } = new URL(url);
    // the first upload declares its length, sends a few bytes and stalls: it holds the whole budget
    const held = net.connect(Number(port), '127.0.0.1');
    await new Promise<void>((r) => held.once('connect', () => r()));
    held.write(
      'POST /unsafe/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n' +
        'Content-Length: 100000\r\n\r\n--b\r\n',
    );
    try {
      await new Promise((r) => setTimeout(r, 200));
      const form = new FormData();
      form.append('image', new Blob([new Uint8Array(64)], { type: 'image/png' }), 'a.png');
      const res = await fetch(`${url}/unsafe/`, { method: 'POST', body: form });
      assert.equal(res.status, 429);
      assert.equal(((await res.json()) as { status: number }).status, 429);
    } finally {
      held.destroy();
    }
  });
});

import { it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { buildServer } from '../../src/build.js';
import { loadConfig } from '../../src/config/load.js';
import { readFixture } from '../helpers/fixtures.js';

it('records 499 without a body when the client goes away, and keeps serving', async () => {
  const png = readFixture('imagor/gopher.png');
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  let arrived: () => void = () => undefined;
  const reached = new Promise<void>((r) => (arrived = r));
  const origin = http.createServer((req, res) => {
    const send = (): void => {
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': png.length });
      res.end(png);
    };
    if (req.url === '/slow.png') {
      arrived();
      void gate.then(send);
    } else send();
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const port = (origin.address() as AddressInfo).port;
  const cfg = loadConfig(
    ['-bind', '127.0.0.1:0', '-imagor-unsafe', '-http-loader-block-loopback-networks=false'],
    {},
    { readFile: () => undefined },
  );
  assert.equal(cfg.kind, 'config');
  if (cfg.kind !== 'config') return;
  const statuses: number[] = [];
  let answered: () => void = () => undefined;
  const firstAnswer = new Promise<void>((r) => (answered = r));
  const s = await buildServer(cfg.config, pino({ level: 'silent' }), {
    onResponse: ({ status }) => {
      statuses.push(status);
      answered();
    },
  });
  try {
    const ac = new AbortController();
    const pending = fetch(`${s.url}/unsafe/20x20/http://127.0.0.1:${port}/slow.png`, { signal: ac.signal });
    await reached;
    ac.abort();
    await assert.rejects(pending);
    await firstAnswer;
    assert.deepEqual(statuses, [499]);
    release();
    const ok = await fetch(`${s.url}/unsafe/20x20/http://127.0.0.1:${port}/fast.png`);
    assert.equal(ok.status, 200);
  } finally {
    release();
    await s.close();
    origin.close();
  }
});

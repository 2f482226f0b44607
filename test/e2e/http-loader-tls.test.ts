import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import type { BuiltServer } from '../../src/build.js';
import { readFixture } from '../helpers/fixtures.js';
import { get, startServer } from '../helpers/server.js';
import { TEST_CERT, TEST_KEY } from '../loader/tls-fixture.js';

/** -http-loader-insecure-skip-verify-transport through the real server, against a self-signed HTTPS origin. */
describe('-http-loader-insecure-skip-verify-transport', () => {
  let origin: https.Server;
  let port = 0;
  const servers: BuiltServer[] = [];
  const start = async (extra: string[]): Promise<BuiltServer> => {
    const s = await startServer(['-imagor-unsafe', '-http-loader-block-loopback-networks=false', ...extra]);
    servers.push(s);
    return s;
  };

  before(async () => {
    const png = readFixture('imagor/gopher-front.png');
    origin = https.createServer({ key: TEST_KEY, cert: TEST_CERT }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    port = (origin.address() as AddressInfo).port;
  });
  after(async () => {
    for (const s of servers) await s.close();
    origin.closeAllConnections();
    await new Promise((resolve) => origin.close(resolve));
  });

  it('loads from an origin whose certificate is self-signed when set', async () => {
    const s = await start(['-http-loader-insecure-skip-verify-transport']);
    const r = await get(`${s.url}/unsafe/50x50/https://127.0.0.1:${port}/gopher.png`);
    assert.equal(r.status, 200, r.body.toString());
    const m = await sharp(r.body).metadata();
    assert.deepEqual([m.format, m.width, m.height], ['png', 50, 50]);
  });

  it('refuses that origin by default (the certificate is not trusted)', async () => {
    const s = await start([]);
    const r = await get(`${s.url}/unsafe/50x50/https://127.0.0.1:${port}/gopher.png`);
    assert.equal(r.status, 404);
    assert.equal((JSON.parse(r.body.toString()) as { status: number }).status, 404);
  });
});

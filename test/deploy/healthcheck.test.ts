import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { healthcheckUrl, probe } from '../../src/observability/healthcheck.js';

describe('container healthcheck', () => {
  it('derives the URL from the server environment variables', () => {
    assert.equal(healthcheckUrl({}), 'http://127.0.0.1:8000/healthcheck');
    assert.equal(healthcheckUrl({ PORT: '9000' }), 'http://127.0.0.1:9000/healthcheck');
    assert.equal(
      healthcheckUrl({ SERVER_ADDRESS: '0.0.0.0', PORT: '81' }),
      'http://127.0.0.1:81/healthcheck',
    );
    assert.equal(healthcheckUrl({ SERVER_ADDRESS: '10.1.2.3' }), 'http://10.1.2.3:8000/healthcheck');
    assert.equal(healthcheckUrl({ BIND: ':7000', PORT: '1' }), 'http://127.0.0.1:7000/healthcheck');
    assert.equal(healthcheckUrl({ BIND: 'localhost:7001' }), 'http://localhost:7001/healthcheck');
    assert.equal(healthcheckUrl({ BIND: '[::1]:7002' }), 'http://[::1]:7002/healthcheck');
    assert.equal(
      healthcheckUrl({ SERVER_PATH_PREFIX: '/img/', PORT: '8080' }),
      'http://127.0.0.1:8080/img/healthcheck',
    );
    assert.equal(healthcheckUrl({ SERVER_PATH_PREFIX: 'img' }), 'http://127.0.0.1:8000/img/healthcheck');
  });

  it('probe is true only for a 200 answer', async () => {
    const server = http.createServer((req, res) => {
      res.statusCode = req.url === '/healthcheck' ? 200 : 503;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      assert.equal(await probe(`http://127.0.0.1:${port}/healthcheck`), true);
      assert.equal(await probe(`http://127.0.0.1:${port}/other`), false);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    assert.equal(await probe(`http://127.0.0.1:${port}/healthcheck`, 1000), false);
  });
});

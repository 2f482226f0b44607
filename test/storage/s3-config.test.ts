import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { s3ClientConfig } from '../../src/build.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/options.js';

function config(args: string[]): Config {
  const r = loadConfig(args, {}, { readFile: () => undefined });
  if (r.kind !== 'config') throw new Error('bad config');
  return r.config;
}

describe('S3 client settings per role', () => {
  it('no keys: no static credentials (the SDK default chain applies)', () => {
    const c = s3ClientConfig(config(['-aws-region', 'eu-west-1']), 'loader');
    assert.equal(c.credentials, undefined);
    assert.equal(c.region, 'eu-west-1');
    assert.equal(c.endpoint, undefined);
  });

  it('global keys apply to every role; a role override needs region, key and secret', () => {
    const base = ['-aws-region', 'eu-west-1', '-aws-access-key-id', 'K', '-aws-secret-access-key', 'S'];
    const partial = config([
      ...base,
      '-aws-storage-access-key-id',
      'K2',
      '-aws-storage-secret-access-key',
      'S2',
    ]);
    assert.deepEqual(s3ClientConfig(partial, 'storage').credentials, {
      accessKeyId: 'K',
      secretAccessKey: 'S',
    });
    const full = config([
      ...base,
      '-aws-storage-region',
      'us-west-2',
      '-aws-storage-access-key-id',
      'K2',
      '-aws-storage-secret-access-key',
      'S2',
      '-aws-storage-session-token',
      'T2',
    ]);
    const st = s3ClientConfig(full, 'storage');
    assert.equal(st.region, 'us-west-2');
    assert.deepEqual(st.credentials, { accessKeyId: 'K2', secretAccessKey: 'S2', sessionToken: 'T2' });
    const rs = s3ClientConfig(full, 'result-storage');
    assert.equal(rs.region, 'eu-west-1');
    assert.deepEqual(rs.credentials, { accessKeyId: 'K', secretAccessKey: 'S' });
  });

  it('role endpoint beats the global one; path style and idle sockets are passed on', () => {
    const c = config([
      '-s3-endpoint',
      'http://global:9000',
      '-s3-result-storage-endpoint',
      'http://results:9000',
      '-s3-force-path-style',
      '-s3-http-max-idle-conns-per-host',
      '7',
    ]);
    assert.equal(s3ClientConfig(c, 'loader').endpoint, 'http://global:9000');
    const rs = s3ClientConfig(c, 'result-storage');
    assert.equal(rs.endpoint, 'http://results:9000');
    assert.equal(rs.forcePathStyle, true);
    assert.equal(rs.maxIdleConnsPerHost, 7);
  });
});

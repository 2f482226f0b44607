import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import http from 'node:http';
import { describe, test } from 'node:test';
import { createMetrics, methodLabel } from '../../src/metrics/metrics.js';
import { parseBind, startMetricsServer } from '../../src/metrics/server.js';
import { key, parseMetrics } from './scrape.js';

async function get(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('createMetrics', () => {
  test('request histogram, hooks and gauges are exported with the right names, labels and values', async () => {
    const m = createMetrics({ namespace: 'imagor' });
    m.observeRequest({ method: 'GET', status: 200, seconds: 0.02 });
    m.observeRequest({ method: 'GET', status: 200, seconds: 0.3 });
    m.observeRequest({ method: 'GET', status: 404, seconds: 0.001 });
    m.observeRequest({ method: 'POST', status: 500, seconds: 12 });
    m.observeRequest({ method: 'PROPFIND', status: 405, seconds: 0.001 });
    m.hooks.stage('load', 15);
    m.hooks.stage('process', 120);
    m.hooks.stage('process', 80);
    m.hooks.stage('save', 3);
    m.hooks.resultStorage('hit');
    m.hooks.resultStorage('miss');
    m.hooks.resultStorage('miss');
    m.hooks.storage('miss');
    m.hooks.processed();
    m.hooks.processed();
    m.workerRestarts.inc();
    m.setGauges({
      inFlight: () => 3,
      queued: () => 7,
      loadBytes: () => 5_000_000,
      loadBytesQueued: () => 2,
      uploadBytes: () => 64,
      uploadBytesQueued: () => 1,
    });

    const srv = await startMetricsServer({ bind: '127.0.0.1:0', source: m.registry });
    try {
      assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const res = await get(srv.url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), m.registry.contentType);
      assert.match(res.text, /^# TYPE imagor_http_request_duration_seconds histogram$/m);
      const v = parseMetrics(res.text);
      const h = 'imagor_http_request_duration_seconds';
      const get200 = { code: '200', method: 'get' };
      assert.equal(v.get(key(`${h}_count`, get200)), 2);
      assert.ok(Math.abs((v.get(key(`${h}_sum`, get200)) ?? 0) - 0.32) < 1e-9);
      assert.equal(v.get(key(`${h}_bucket`, { ...get200, le: '0.01' })), 0);
      assert.equal(v.get(key(`${h}_bucket`, { ...get200, le: '0.025' })), 1);
      assert.equal(v.get(key(`${h}_bucket`, { ...get200, le: '0.5' })), 2);
      assert.equal(v.get(key(`${h}_bucket`, { ...get200, le: '+Inf' })), 2);
      assert.equal(v.get(key(`${h}_count`, { code: '404', method: 'get' })), 1);
      assert.equal(v.get(key(`${h}_bucket`, { code: '500', method: 'post', le: '10' })), 0);
      assert.equal(v.get(key(`${h}_bucket`, { code: '500', method: 'post', le: '+Inf' })), 1);
      assert.equal(v.get(key(`${h}_count`, { code: '405', method: 'unknown' })), 1);
      // the Go default buckets
      const les = [...v.keys()]
        .filter((k) => k.startsWith(`${h}_bucket{code="404"`))
        .map((k) => /le="([^"]+)"/.exec(k)?.[1]);
      assert.deepEqual(les, [
        '0.005',
        '0.01',
        '0.025',
        '0.05',
        '0.1',
        '0.25',
        '0.5',
        '1',
        '2.5',
        '5',
        '10',
        '+Inf',
      ]);

      const s = 'imagor_processing_stage_seconds';
      assert.equal(v.get(key(`${s}_count`, { stage: 'load' })), 1);
      assert.ok(Math.abs((v.get(key(`${s}_sum`, { stage: 'load' })) ?? 0) - 0.015) < 1e-9);
      assert.equal(v.get(key(`${s}_count`, { stage: 'process' })), 2);
      assert.ok(Math.abs((v.get(key(`${s}_sum`, { stage: 'process' })) ?? 0) - 0.2) < 1e-9);
      assert.equal(v.get(key(`${s}_bucket`, { stage: 'process', le: '0.1' })), 1);
      assert.equal(v.get(key(`${s}_count`, { stage: 'save' })), 1);

      assert.equal(v.get(key('imagor_result_storage_total', { outcome: 'hit' })), 1);
      assert.equal(v.get(key('imagor_result_storage_total', { outcome: 'miss' })), 2);
      assert.equal(v.get(key('imagor_storage_total', { outcome: 'miss' })), 1);
      assert.equal(v.get(key('imagor_storage_total', { outcome: 'hit' })), undefined);
      assert.equal(v.get('imagor_processed_total'), 2);
      assert.equal(v.get('imagor_worker_restarts_total'), 1);
      assert.equal(v.get('imagor_requests_in_flight'), 3);
      assert.equal(v.get('imagor_requests_queued'), 7);
      assert.equal(v.get('imagor_load_bytes_in_flight'), 5_000_000);
      assert.equal(v.get('imagor_load_bytes_queued'), 2);
      assert.equal(v.get('imagor_upload_bytes_in_flight'), 64);
      assert.equal(v.get('imagor_upload_bytes_queued'), 1);
      // default process metrics
      assert.ok((v.get('process_resident_memory_bytes') ?? 0) > 0);
      assert.ok([...v.keys()].some((k) => k.startsWith('nodejs_version_info{')));

      // gauges are sampled at scrape time
      m.setGauges({ inFlight: () => 0, queued: () => 1 });
      const again = parseMetrics((await get(srv.url)).text);
      assert.equal(again.get('imagor_requests_in_flight'), 0);
      assert.equal(again.get('imagor_requests_queued'), 1);
      // a process without byte budgets reports them as 0
      assert.equal(again.get('imagor_load_bytes_in_flight'), 0);
    } finally {
      await srv.close();
    }
  });

  test('namespace is configurable; empty namespace means no prefix; default metrics optional', async () => {
    const a = createMetrics({ namespace: 'thumbs', defaultMetrics: false });
    a.observeRequest({ method: 'HEAD', status: 304, seconds: 0.001 });
    const ta = await a.registry.metrics();
    assert.match(ta, /^thumbs_http_request_duration_seconds_count\{code="304",method="head"\} 1$/m);
    assert.doesNotMatch(ta, /process_resident_memory_bytes/);
    const b = createMetrics({ namespace: '', defaultMetrics: false });
    b.hooks.processed();
    assert.match(await b.registry.metrics(), /^processed_total 1$/m);
  });

  test('methodLabel follows promhttp', () => {
    assert.equal(methodLabel('GET'), 'get');
    assert.equal(methodLabel('options'), 'options');
    assert.equal(methodLabel('BREW'), 'unknown');
  });
});

describe('startMetricsServer', () => {
  test('path "/" serves metrics on every path', async () => {
    const m = createMetrics({ namespace: 'imagor', defaultMetrics: false });
    const srv = await startMetricsServer({ bind: '127.0.0.1:0', path: '/', source: m.registry });
    try {
      const base = srv.url.replace(/\/$/, '');
      for (const p of ['/', '/metrics', '/anything?x=1']) {
        const r = await get(base + p);
        assert.equal(r.status, 200, p);
        assert.match(r.text, /imagor_processed_total 0/);
      }
    } finally {
      await srv.close();
    }
  });

  test('a non-root path serves there and redirects every other path with 308', async () => {
    const m = createMetrics({ namespace: 'imagor', defaultMetrics: false });
    const srv = await startMetricsServer({ bind: '127.0.0.1:0', path: '/metrics', source: m.registry });
    try {
      assert.match(srv.url, /\/metrics$/);
      const base = srv.url.replace(/\/metrics$/, '');
      const ok = await get(`${base}/metrics?debug=1`);
      assert.equal(ok.status, 200);
      assert.match(ok.text, /# TYPE imagor_http_request_duration_seconds histogram/);
      for (const p of ['/', '/other', '/metrics/', '/metricsx']) {
        const r = await get(base + p);
        assert.equal(r.status, 308, p);
        assert.equal(r.headers.get('location'), '/metrics', p);
      }
      const post = await get(`${base}/x`, { method: 'POST' });
      assert.equal(post.status, 308);
      // following the redirect lands on the metrics
      const followed = await fetch(`${base}/other`);
      assert.equal(followed.status, 200);
      assert.match(await followed.text(), /imagor_processed_total 0/);
    } finally {
      await srv.close();
    }
  });

  test('gzip when accepted; HEAD has no body', async () => {
    const m = createMetrics({ namespace: 'imagor', defaultMetrics: false });
    const srv = await startMetricsServer({ bind: '127.0.0.1:0', source: m.registry });
    try {
      const { port } = new URL(srv.url);
      const raw = await new Promise<{ enc: string | undefined; body: Buffer }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port, path: '/', headers: { 'accept-encoding': 'gzip' } }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ enc: res.headers['content-encoding'], body: Buffer.concat(chunks) }),
            );
          })
          .on('error', reject);
      });
      assert.equal(raw.enc, 'gzip');
      assert.match(gunzipSync(raw.body).toString(), /imagor_processed_total 0/);
      const head = await fetch(srv.url, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal((await head.arrayBuffer()).byteLength, 0);
    } finally {
      await srv.close();
    }
  });

  test('a failing getter gives 500 and reports the error', async () => {
    const errors: unknown[] = [];
    const srv = await startMetricsServer({
      bind: '127.0.0.1:0',
      source: () => Promise.reject(new Error('boom')),
      onError: (e) => errors.push(e),
    });
    try {
      const r = await get(srv.url);
      assert.equal(r.status, 500);
      assert.match(r.text, /boom/);
      assert.equal(errors.length, 1);
    } finally {
      await srv.close();
    }
  });

  test('parseBind', () => {
    assert.deepEqual(parseBind(':5000'), { host: undefined, port: 5000 });
    assert.deepEqual(parseBind('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseBind('[::1]:9100'), { host: '::1', port: 9100 });
    assert.throws(() => parseBind('localhost:http'));
  });
});

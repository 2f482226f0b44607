import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Supervised, freePort, request } from '../cluster/harness.js';
import { key, parseMetrics } from './scrape.js';

const fixture = fileURLToPath(new URL('./fixtures/cluster-metrics.js', import.meta.url));

async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  return parseMetrics(await res.text());
}

test('the primary aggregates worker metrics over IPC and counts restarts', async () => {
  const port = await freePort();
  const sup = new Supervised(fixture, { FIXTURE_PORT: String(port), FIXTURE_WORKERS: '2' });
  try {
    const [a] = await sup.waitReady(2);
    assert.ok(a !== undefined);
    const url = (await sup.waitFor((l) => l.msg === 'metrics listening', 5_000)).url ?? '';
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    const pids = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const r = await request(port);
      assert.equal(r.kind, 'ok');
      if (r.kind === 'ok') pids.add(r.pid);
    }
    let v = await scrape(url);
    // totals over whichever workers served the 20 requests
    assert.equal(v.get('imagor_processed_total'), 20);
    assert.equal(
      v.get(key('imagor_http_request_duration_seconds_count', { code: '200', method: 'get' })),
      20,
    );
    assert.equal(
      v.get(key('imagor_http_request_duration_seconds_bucket', { code: '200', method: 'get', le: '+Inf' })),
      20,
    );
    assert.equal(v.get('imagor_requests_in_flight'), 2, 'one per worker, summed');
    assert.equal(v.get('imagor_worker_restarts_total'), 0);
    const rssAll = v.get('process_resident_memory_bytes') ?? 0;
    assert.ok(rssAll > 0);

    // a worker dies: the primary replaces it and counts the restart; scrapes keep working
    const t0 = Date.now();
    process.kill(a, 'SIGKILL');
    await sup.waitFor((l) => l.msg === 'worker ready' && l.time >= t0, 5_000);
    v = await scrape(url);
    assert.equal(v.get('imagor_worker_restarts_total'), 1);
    assert.equal(v.get('imagor_requests_in_flight'), 2);
    // the dead worker's counts are gone with it; the survivor's remain
    assert.ok((v.get('imagor_processed_total') ?? 0) <= 20);

    assert.deepEqual(await sup.stop(), { code: 0, signal: null });
  } finally {
    sup.child.kill('SIGKILL');
  }
});

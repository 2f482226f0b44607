import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createRestartPolicy } from '../../src/cluster/supervisor.js';
import { Supervised, freePort, request, sleep, withTimeout, type Result } from './harness.js';

const fixture = fileURLToPath(new URL('./fixtures/pid-server.js', import.meta.url));

/** `loops` clients sending requests back to back (20 ms pause after a failure). */
function startLoad(
  port: number,
  loops: number,
  timeoutMs = 3_000,
): { results: Result[]; stop(): Promise<void> } {
  const results: Result[] = [];
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      const r = await request(port, '/', timeoutMs);
      results.push(r);
      if (r.kind !== 'ok') await sleep(20);
    }
  };
  const all = Promise.all(Array.from({ length: loops }, loop));
  return {
    results,
    stop: async () => {
      running = false;
      await all;
    },
  };
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const failuresOf = (results: Result[]): Result[] =>
  results.filter((r) => r.kind !== 'ok' || r.status >= 500 || !Number.isInteger(r.pid));

describe('runSupervised', () => {
  test('replaces workers killed by SIGKILL and SIGSEGV without hanging requests; SIGTERM exits 0', async (t) => {
    const port = await freePort();
    const sup = new Supervised(fixture, { FIXTURE_PORT: String(port), FIXTURE_WORKERS: '2' });
    let load: ReturnType<typeof startLoad> | undefined;
    try {
      const [a, b] = await sup.waitReady(2);
      assert.ok(a !== undefined && b !== undefined && a !== b);
      load = startLoad(port, 4);
      await sleep(300);

      // 1. SIGKILL one worker: the other keeps answering, a replacement is ready within 1 s
      const t0 = Date.now();
      process.kill(a, 'SIGKILL');
      const exitA = await sup.waitFor((l) => l.exit?.pid === a, 5_000);
      assert.equal(exitA.exit?.signal, 'SIGKILL');
      assert.equal(exitA.exit?.restart, true);
      const readyC = await sup.waitFor((l) => l.msg === 'worker ready' && l.time >= t0, 5_000);
      const c = readyC.workerPid ?? 0;
      assert.ok(![a, b].includes(c), 'a new pid');
      assert.ok(readyC.time - t0 <= 10_000, `replacement ready after ${readyC.time - t0} ms`);
      await sleep(300);
      const t0b = Date.now();
      assert.ok(load.results.some((r) => r.kind === 'ok' && r.pid === b && r.doneAt > t0 && r.doneAt < t0b));
      assert.ok(load.results.some((r) => r.kind === 'ok' && r.pid === c));

      // 2. SIGSEGV the other original worker
      const t1 = Date.now();
      process.kill(b, 'SIGSEGV');
      const exitB = await sup.waitFor((l) => l.exit?.pid === b, 5_000);
      assert.equal(exitB.exit?.signal, 'SIGSEGV');
      const readyD = await sup.waitFor((l) => l.msg === 'worker ready' && l.time >= t1, 5_000);
      const d = readyD.workerPid ?? 0;
      assert.ok(![a, b, c].includes(d), 'a new pid');
      assert.ok(readyD.time - t1 <= 10_000, `replacement ready after ${readyD.time - t1} ms`);
      await sleep(300);
      assert.ok(load.results.some((r) => r.kind === 'ok' && r.pid === c && r.doneAt > t1));
      assert.ok(load.results.some((r) => r.kind === 'ok' && r.pid === d));

      await load.stop();
      const failures = failuresOf(load.results);
      assert.equal(load.results.filter((r) => r.kind === 'timeout').length, 0, 'no request hangs');
      // each kill can fail at most the requests the dead worker had accepted (≤ one per client loop)
      assert.ok(failures.length <= 2 * 4, `at most a handful of failures: ${JSON.stringify(failures)}`);
      const perPid = new Map<number, number>();
      for (const r of load.results) if (r.kind === 'ok') perPid.set(r.pid, (perPid.get(r.pid) ?? 0) + 1);
      t.diagnostic(
        `${load.results.length} requests, ${failures.length} failed; per worker: ${JSON.stringify([...perPid])}`,
      );
      for (const f of failures)
        assert.ok(f.kind === 'error' || (f.kind === 'ok' && f.status >= 500), JSON.stringify(f));
      assert.ok(load.results.length > 100, `steady stream: ${load.results.length} requests`);

      // 3. SIGTERM → everything ends, exit code 0
      const exit = await sup.stop();
      assert.deepEqual(exit, { code: 0, signal: null });
      for (const pid of [a, b, c, d]) assert.equal(isAlive(pid), false, `worker ${pid} gone`);
    } finally {
      await load?.stop();
      sup.child.kill('SIGKILL');
    }
  });

  test('a single worker is supervised too', async () => {
    const port = await freePort();
    const sup = new Supervised(fixture, { FIXTURE_PORT: String(port), FIXTURE_WORKERS: '1' });
    let load: ReturnType<typeof startLoad> | undefined;
    try {
      const [a] = await sup.waitReady(1);
      assert.ok(a !== undefined);
      // a connection made while no worker runs waits for the replacement: allow for its start-up
      load = startLoad(port, 1, 15_000);
      await sleep(200);
      const t0 = Date.now();
      process.kill(a, 'SIGKILL');
      await sleep(30);
      const during = request(port, '/', 15_000);
      const ready = await sup.waitFor((l) => l.msg === 'worker ready' && l.time >= t0, 15_000);
      assert.ok(ready.time - t0 <= 10_000, `replacement ready after ${ready.time - t0} ms`);
      await sleep(300);
      await load.stop();
      assert.ok(load.results.some((r) => r.kind === 'ok' && r.pid === ready.workerPid));
      assert.equal(load.results.filter((r) => r.kind === 'timeout').length, 0, 'no request hangs');
      // the primary keeps the listening socket: connections made while no worker runs wait in the
      // backlog for the replacement; only a request the killed worker had accepted may fail (reset)
      const failures = failuresOf(load.results);
      for (const f of failures) {
        assert.ok(f.kind === 'error' && f.code === 'ECONNRESET', JSON.stringify(f));
        assert.ok(f.sentAt <= t0 + 50, JSON.stringify({ f, t0, ready: ready.time }));
      }
      const d = await during;
      assert.ok(d.sentAt < ready.time, 'sent while no worker ran');
      assert.ok(d.kind === 'ok' && d.status === 200 && d.pid === ready.workerPid, JSON.stringify(d));
      assert.deepEqual(await sup.stop(), { code: 0, signal: null });
    } finally {
      await load?.stop();
      sup.child.kill('SIGKILL');
    }
  });

  test('a frozen worker (SIGSTOP) misses its heartbeats, is killed and replaced', async () => {
    const port = await freePort();
    const sup = new Supervised(fixture, {
      FIXTURE_PORT: String(port),
      FIXTURE_WORKERS: '1',
      FIXTURE_HEARTBEAT_TIMEOUT_MS: '1000',
    });
    let frozen: number | undefined;
    try {
      [frozen] = await sup.waitReady(1);
      assert.ok(frozen !== undefined);
      const t0 = Date.now();
      process.kill(frozen, 'SIGSTOP');
      // without a heartbeat this request would never be answered
      const r = await request(port, '/', 30_000);
      assert.ok(r.kind === 'ok' && r.status === 200 && r.pid !== frozen, JSON.stringify(r));
      assert.ok(r.doneAt - t0 >= 1_000, 'answered by the replacement');
      const killed = await sup.waitFor(
        (l) => l.msg === 'worker does not answer the heartbeat; killing it',
        1_000,
      );
      assert.equal(killed.workerPid, frozen);
      const exit = await sup.waitFor((l) => l.exit?.pid === frozen, 5_000);
      assert.equal(exit.exit?.signal, 'SIGKILL');
      assert.equal(exit.exit?.restart, true);
      assert.deepEqual(await sup.stop(), { code: 0, signal: null });
    } finally {
      if (frozen !== undefined && isAlive(frozen)) process.kill(frozen, 'SIGKILL');
      sup.child.kill('SIGKILL');
    }
  });

  test('a worker whose RSS stays above the ceiling is replaced first, then drained; no request fails', async () => {
    const port = await freePort();
    const sup = new Supervised(fixture, {
      FIXTURE_PORT: String(port),
      FIXTURE_WORKERS: '1',
      FIXTURE_MAX_MEMORY: String(150 * 1024 * 1024),
    });
    let load: ReturnType<typeof startLoad> | undefined;
    try {
      const [a] = await sup.waitReady(1);
      assert.ok(a !== undefined);
      await sleep(1_000);
      assert.ok(!sup.lines.some((l) => l.msg === 'worker memory stays above the ceiling; replacing it'));
      load = startLoad(port, 3);
      const grown = await request(port, '/grow', 10_000);
      assert.ok(grown.kind === 'ok' && grown.pid === a);
      // requests in flight on the old worker when it is told to drain
      const slow: Array<Promise<Result>> = [];
      const warned = sup.waitFor(
        (l) => l.msg === 'worker memory stays above the ceiling; replacing it',
        10_000,
      );
      const filler = (async () => {
        for (let i = 0; i < 20; i++) {
          slow.push(request(port, '/slow', 10_000));
          await sleep(100);
        }
      })();
      const warning = await warned;
      assert.equal(warning.workerPid, a);
      const exit = await sup.waitFor((l) => l.exit?.pid === a, 10_000);
      assert.equal(exit.exit?.restart, false, 'not counted as a restart');
      assert.equal(exit.exit?.code, 0, 'exited by itself after draining');
      assert.ok(sup.lines.some((l) => l.msg === 'retired worker stopped'));
      const ready = sup.readyPids();
      assert.equal(ready.length, 2);
      // the replacement was ready before the old worker left
      const readyB = sup.lines.find((l) => l.msg === 'worker ready' && l.workerPid === ready[1]);
      assert.ok(readyB && readyB.time <= exit.time, 'replacement ready first');
      await filler;
      await sleep(300);
      await load.stop();
      const all = [...load.results, ...(await Promise.all(slow))];
      assert.deepEqual(failuresOf(all), []);
      assert.ok(all.some((r) => r.kind === 'ok' && r.pid === ready[1]));
      assert.ok(all.some((r) => r.kind === 'ok' && r.pid === a && r.doneAt >= warning.time));
      assert.deepEqual(await sup.stop(), { code: 0, signal: null });
    } finally {
      await load?.stop();
      sup.child.kill('SIGKILL');
    }
  });

  test('SIGTERM drains in-flight requests before the workers exit', async () => {
    const port = await freePort();
    const sup = new Supervised(fixture, { FIXTURE_PORT: String(port), FIXTURE_WORKERS: '2' });
    try {
      await sup.waitReady(2);
      const slow = [request(port, '/slow'), request(port, '/slow')];
      await sleep(200);
      sup.child.kill('SIGTERM');
      const results = await Promise.all(slow);
      for (const r of results) assert.equal(r.kind === 'ok' && r.status, 200, JSON.stringify(r));
      assert.deepEqual(await withTimeout(sup.exited, 10_000, 'no exit'), { code: 0, signal: null });
      const after = await request(port);
      assert.equal(after.kind, 'error', 'nothing listens after shutdown');
    } finally {
      sup.child.kill('SIGKILL');
    }
  });

  test('workers that do not drain are killed after the shutdown timeout; still exit 0', async () => {
    const port = await freePort();
    const sup = new Supervised(fixture, {
      FIXTURE_PORT: String(port),
      FIXTURE_WORKERS: '2',
      FIXTURE_HANG_CLOSE: '1',
      FIXTURE_SHUTDOWN_MS: '300',
    });
    try {
      const pids = await sup.waitReady(2);
      assert.deepEqual(await sup.stop(), { code: 0, signal: null });
      assert.ok(sup.lines.some((l) => l.msg === 'worker did not drain in time; killing it'));
      for (const pid of pids) assert.equal(isAlive(pid), false);
    } finally {
      sup.child.kill('SIGKILL');
    }
  });

  test('gives up (exit 1) when no worker ever starts', async () => {
    const port = await freePort();
    const sup = new Supervised(fixture, {
      FIXTURE_PORT: String(port),
      FIXTURE_WORKERS: '2',
      FIXTURE_FAIL_START: '1',
    });
    try {
      const exit = await withTimeout(sup.exited, 10_000, 'supervisor kept retrying');
      assert.deepEqual(exit, { code: 1, signal: null });
      assert.ok(sup.lines.some((l) => l.msg === 'worker failed to start; giving up'));
    } finally {
      sup.child.kill('SIGKILL');
    }
  });
});

describe('createRestartPolicy', () => {
  test('forks immediately until more than `limit` deaths fall in the window', () => {
    const next = createRestartPolicy(10, 10_000, 1_000);
    for (let i = 0; i < 10; i++) assert.equal(next(i * 100), 0);
    assert.equal(next(1_000), 1_000, '11th death within 10 s backs off');
    assert.equal(next(1_100), 1_000);
    // once the old deaths leave the window, replacements are immediate again
    assert.equal(next(30_000), 0);
  });
});

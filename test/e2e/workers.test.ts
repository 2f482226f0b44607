import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { createInterface } from 'node:readline';
import { ROOT, fixturePath } from '../helpers/fixtures.js';

interface LogLine {
  msg?: string;
  url?: string;
  pid?: number;
  time?: number;
  workerPid?: number;
}

type Answer =
  | { kind: 'ok'; status: number; sentAt: number; doneAt: number }
  | { kind: 'error'; code: string; sentAt: number; doneAt: number };

/** GET on a fresh connection (no keep-alive); never rejects; an error after `timeoutMs` is 'TIMEOUT'. */
function get(url: string, timeoutMs = 20_000): Promise<Answer> {
  const sentAt = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const settle = (a: Answer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(a);
    };
    const fail = (err: NodeJS.ErrnoException): void =>
      settle({ kind: 'error', code: err.code ?? err.message, sentAt, doneAt: Date.now() });
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => settle({ kind: 'ok', status: res.statusCode ?? 0, sentAt, doneAt: Date.now() }));
      res.on('error', fail);
    });
    req.on('error', fail);
    const timer = setTimeout(() => {
      settle({ kind: 'error', code: 'TIMEOUT', sentAt, doneAt: Date.now() });
      req.destroy();
    }, timeoutMs);
  });
}

/** GET through fetch, whose pool keeps connections alive and reuses them; never rejects. */
async function fetchKeptAlive(url: string): Promise<Answer> {
  const sentAt = Date.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
    await res.arrayBuffer();
    return { kind: 'ok', status: res.status, sentAt, doneAt: Date.now() };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { kind: 'error', code: e.cause?.code ?? e.name, sentAt, doneAt: Date.now() };
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie (dead, not yet reaped by its new parent) counts as gone
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** The real CLI in cluster mode; collects its JSON log lines. */
function startCluster(args: string[]): {
  child: ChildProcess;
  lines: LogLine[];
  waitFor(pred: (l: LogLine) => boolean, ms?: number): Promise<LogLine>;
} {
  const child = spawn(process.execPath, ['dist/src/main.js', '-bind', '127.0.0.1:0', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: LogLine[] = [];
  const waiters: Array<{ pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let rec: LogLine;
    try {
      rec = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    lines.push(rec);
    for (const w of [...waiters]) {
      if (w.pred(rec)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(rec);
      }
    }
  });
  const waitFor = (pred: (l: LogLine) => boolean, ms = 20_000): Promise<LogLine> => {
    const seen = lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('log line did not appear')), ms);
      waiters.push({
        pred,
        resolve: (l) => {
          clearTimeout(t);
          resolve(l);
        },
      });
    });
  };
  return { child, lines, waitFor };
}

const listening = (l: LogLine): boolean => l.msg === 'imagor listening';
const IMAGES = ['-imagor-unsafe', '-file-loader-base-dir', fixturePath('imagor')];

/**
 * `loops` clients sending requests back to back, each to a distinct URL: on fresh connections, or
 * with `keepAlive` on `loops` connections reused as a browser or CDN reuses them.
 */
function startLoad(
  url: string,
  loops: number,
  keepAlive = false,
): { answers: Answer[]; stop(): Promise<void> } {
  const answers: Answer[] = [];
  let running = true;
  let n = 0;
  const loop = async (): Promise<void> => {
    while (running) {
      // kept-alive: requests long enough (~50 ms) that a drain finds some of them in flight
      const path = keepAlive
        ? `/unsafe/${600 + (n++ % 200)}x600/filters:blur(2)/gopher.png`
        : `/unsafe/${20 + (n++ % 200)}x20/gopher.png`;
      answers.push(await (keepAlive ? fetchKeptAlive(url + path) : get(url + path)));
    }
  };
  const all = Promise.all(Array.from({ length: loops }, loop));
  return {
    answers,
    stop: async () => {
      running = false;
      await all;
    },
  };
}

describe('worker processes', () => {
  it('keeps serving while workers are killed, replaces them, and drains on SIGTERM', async () => {
    const c = startCluster([
      '-server-workers',
      '2',
      '-imagor-unsafe',
      '-file-loader-base-dir',
      fixturePath('imagor'),
    ]);
    try {
      const first = await c.waitFor(listening);
      await c.waitFor((l) => listening(l) && l.pid !== first.pid);
      const url = first.url!;
      const pids = c.lines.filter(listening).map((l) => l.pid!);
      assert.equal(new Set(pids).size, 2);
      // workers start with the supervisor's V8 flags (src/cluster/worker-settings.ts)
      for (const pid of pids) {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        assert.ok(argv.includes('--initial-old-space-size=64'), argv.join(' '));
      }

      let stop = false;
      const outcomes = { ok: 0, failed: 0 };
      const load = (async () => {
        while (!stop) {
          try {
            const r = await fetch(`${url}/unsafe/40x40/gopher.png`, { signal: AbortSignal.timeout(10_000) });
            await r.arrayBuffer();
            if (r.status === 200) outcomes.ok++;
            else outcomes.failed++;
          } catch (err) {
            // a request on the killed worker may fail fast; a hang would surface as a TimeoutError
            assert.notEqual((err as Error).name, 'TimeoutError');
            outcomes.failed++;
          }
        }
      })();

      try {
        for (const [i, signal] of (['SIGKILL', 'SIGSEGV'] as const).entries()) {
          const victim = pids[i]!;
          const before = c.lines.filter(listening).length;
          const killedAt = Date.now();
          process.kill(victim, signal);
          const replacement = await c.waitFor(
            (l) => listening(l) && c.lines.filter(listening).indexOf(l) >= before,
          );
          const took = Date.now() - killedAt;
          assert.ok(took < 10_000, `replacement took ${took} ms`);
          assert.notEqual(replacement.pid, victim);
          const okBefore = outcomes.ok;
          const until = Date.now() + 30_000;
          while (outcomes.ok < okBefore + 5 && Date.now() < until)
            await new Promise((r) => setTimeout(r, 20));
          assert.ok(outcomes.ok >= okBefore + 5, 'answers again after the replacement');
        }
      } finally {
        // the load loop must end whatever failed above, or the test never finishes
        stop = true;
        await load;
      }
      assert.ok(outcomes.ok > 10);
      assert.ok(outcomes.failed <= 10, `failed: ${outcomes.failed}`);

      const exited = new Promise<number | null>((r) => c.child.once('exit', (code) => r(code)));
      c.child.kill('SIGTERM');
      assert.equal(await exited, 0);
    } finally {
      c.child.kill('SIGKILL');
    }
  });

  it('exposes Prometheus metrics aggregated over workers', async () => {
    const c = startCluster([
      '-server-workers',
      '2',
      '-imagor-unsafe',
      '-file-loader-base-dir',
      fixturePath('imagor'),
      '-prometheus-bind',
      '127.0.0.1:0',
      '-prometheus-path',
      '/metrics',
    ]);
    try {
      const metricsLine = await c.waitFor((l) => l.msg === 'metrics listening');
      const first = await c.waitFor(listening);
      await c.waitFor((l) => listening(l) && l.pid !== first.pid);
      for (let i = 0; i < 6; i++) {
        const r = await fetch(`${first.url!}/unsafe/${30 + i}x30/gopher.png`);
        assert.equal(r.status, 200);
        await r.arrayBuffer();
      }
      const missing = await fetch(`${first.url!}/unsafe/30x30/missing.png`);
      assert.equal(missing.status, 404);
      await missing.arrayBuffer();
      const text = await (await fetch(`${metricsLine.url!}/metrics`)).text();
      const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
      assert.equal(value(/^imagor_http_request_duration_seconds_count\{code="200",method="get"\} (\d+)/m), 6);
      assert.equal(value(/^imagor_http_request_duration_seconds_count\{code="404",method="get"\} (\d+)/m), 1);
      assert.equal(value(/^imagor_processed_total (\d+)/m), 6);
      assert.equal(value(/^imagor_processing_stage_seconds_count\{stage="process"\} (\d+)/m), 6);
      assert.equal(value(/^imagor_requests_in_flight (\d+)/m), 0);
      assert.match(text, /^imagor_worker_restarts_total 0/m);
    } finally {
      c.child.kill('SIGKILL');
    }
  });

  it('a connection that arrives while the only worker is replaced waits for it instead of being refused', async () => {
    const c = startCluster(IMAGES);
    try {
      const first = await c.waitFor(listening);
      const url = first.url!;
      assert.equal((await get(`${url}/unsafe/30x30/gopher.png`)).kind, 'ok');
      const killedAt = Date.now();
      process.kill(first.pid!, 'SIGKILL');
      // requests during the gap (the replacement needs a few hundred ms to load and listen)
      const during: Array<Promise<Answer>> = [];
      for (let i = 0; i < 10; i++) {
        during.push(get(`${url}/unsafe/${31 + i}x30/gopher.png`));
        await sleep(50);
      }
      const answers = await Promise.all(during);
      const replacement = await c.waitFor((l) => listening(l) && l.pid !== first.pid);
      assert.ok(
        (replacement.time ?? 0) > killedAt + 100,
        'some requests were sent before the replacement listened',
      );
      for (const a of answers) assert.deepEqual([a.kind, a.kind === 'ok' && a.status], ['ok', 200]);
      assert.equal(replacement.url, url, 'same address');
    } finally {
      c.child.kill('SIGKILL');
    }
  });

  it('a frozen worker (SIGSTOP) is killed after missing heartbeats and replaced', async () => {
    const c = startCluster(IMAGES);
    let frozen: number | undefined;
    try {
      const first = await c.waitFor(listening);
      const url = first.url!;
      frozen = first.pid!;
      const stoppedAt = Date.now();
      process.kill(frozen, 'SIGSTOP');
      // a request sent to the frozen worker's socket is answered by the replacement
      // (without the heartbeat it would wait forever; the bound here only keeps a failing test finite)
      const a = await get(`${url}/unsafe/30x30/gopher.png`, 60_000);
      const took = Date.now() - stoppedAt;
      assert.deepEqual([a.kind, a.kind === 'ok' && a.status], ['ok', 200]);
      assert.ok(took >= 4_000, `answered after ${took} ms: by the replacement, after the heartbeat timeout`);
      assert.ok(c.lines.some((l) => l.msg === 'worker does not answer the heartbeat; killing it'));
      const replacement = await c.waitFor((l) => listening(l) && l.pid !== frozen);
      assert.ok(replacement.pid !== frozen);
      await sleep(200);
      assert.equal(isAlive(frozen), false, 'the frozen worker is gone');
    } finally {
      if (frozen !== undefined && isAlive(frozen)) process.kill(frozen, 'SIGKILL');
      c.child.kill('SIGKILL');
    }
  });

  it('workers exit when the supervisor is killed, even one that cannot run (SIGSTOP)', async () => {
    const c = startCluster(['-server-workers', '2', ...IMAGES]);
    const pids: number[] = [];
    try {
      const first = await c.waitFor(listening);
      const second = await c.waitFor((l) => listening(l) && l.pid !== first.pid);
      pids.push(first.pid!, second.pid!);
      process.kill(second.pid!, 'SIGSTOP');
      c.child.kill('SIGKILL');
      const deadline = Date.now() + 2_000;
      while (pids.some(isAlive) && Date.now() < deadline) await sleep(50);
      for (const pid of pids) assert.equal(isAlive(pid), false, `worker ${pid} outlived its supervisor`);
      assert.equal((await get(`${first.url!}/`, 2_000)).kind, 'error', 'nothing listens any more');
    } finally {
      for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      c.child.kill('SIGKILL');
    }
  });

  for (const keepAlive of [false, true]) {
    it(`a worker above -server-worker-max-memory is replaced without failing a request (${keepAlive ? 'kept-alive connections' : 'a connection per request'})`, async () => {
      // a ceiling below any worker's RSS: every worker is recycled ~3 s after it is ready
      const c = startCluster(['-server-worker-max-memory', String(32 * 1024 * 1024), ...IMAGES]);
      try {
        const first = await c.waitFor(listening);
        const load = startLoad(first.url!, 4, keepAlive);
        try {
          await c.waitFor((l) => l.msg === 'retired worker stopped', 30_000);
          // with kept-alive connections, go through a second replacement as well
          if (keepAlive)
            await c.waitFor(
              (l) => l.msg === 'retired worker stopped' && c.lines.filter((x) => x.msg === l.msg).length >= 2,
              30_000,
            );
          const second = await c.waitFor((l) => listening(l) && l.pid !== first.pid);
          assert.ok(c.lines.some((l) => l.msg === 'worker memory stays above the ceiling; replacing it'));
          await sleep(500);
          assert.ok(second.pid !== first.pid);
        } finally {
          await load.stop();
        }
        const failed = load.answers.filter((a) => a.kind !== 'ok' || a.status !== 200);
        assert.deepEqual(failed, []);
        assert.ok(load.answers.length > 20, `${load.answers.length} requests`);
        const exited = new Promise<number | null>((r) => c.child.once('exit', (code) => r(code)));
        c.child.kill('SIGTERM');
        assert.equal(await exited, 0);
      } finally {
        c.child.kill('SIGKILL');
      }
    });
  }
});

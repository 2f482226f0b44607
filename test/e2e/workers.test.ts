import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ROOT, fixturePath } from '../helpers/fixtures.js';

interface LogLine {
  msg?: string;
  url?: string;
  pid?: number;
}

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

      for (const [i, signal] of (['SIGKILL', 'SIGSEGV'] as const).entries()) {
        const victim = pids[i]!;
        const before = c.lines.filter(listening).length;
        const killedAt = Date.now();
        process.kill(victim, signal);
        const replacement = await c.waitFor(
          (l) => listening(l) && c.lines.filter(listening).indexOf(l) >= before,
        );
        const took = Date.now() - killedAt;
        assert.ok(took < 2000, `replacement took ${took} ms`);
        assert.notEqual(replacement.pid, victim);
        const okBefore = outcomes.ok;
        while (outcomes.ok < okBefore + 5) await new Promise((r) => setTimeout(r, 20));
      }
      stop = true;
      await load;
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
});

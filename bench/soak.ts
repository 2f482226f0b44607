/**
 * `npm run bench -- --soak 30m`: a long run of mixed, distinct URLs against the built server at a few
 * connections, sampling the resident memory of the server's whole process tree (supervisor + workers, what
 * a container's memory limit counts) every 10 s. Prints the series and a trend verdict; errors are counted.
 * It measures memory, not speed: a loaded machine only makes it serve fewer requests.
 *
 * Options: --soak DURATION (90s, 30m, 1h; required), --connections N (4), --interval DURATION (10s),
 * --warm-up DURATION (the first minutes the verdict leaves out; default 1/6 of the run, at least 1 min),
 * --arg FLAG (repeatable: extra server flags), --out FILE (also write the report as Markdown).
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const REQUEST_TIMEOUT_MS = 120_000;

interface SoakSettings {
  durationMs: number;
  connections: number;
  intervalMs: number;
  warmUpMs: number;
  args: string[];
  out: string | undefined;
}

interface Sample {
  /** seconds since the load started */
  t: number;
  rssMiB: number;
  processes: number;
  /** requests completed in the interval ending here */
  requests: number;
  errors: number;
}

/** `90s`, `30m`, `1h`, `1500ms` or plain seconds → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

function readSettings(argv: string[]): SoakSettings {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      soak: { type: 'string' },
      connections: { type: 'string' },
      interval: { type: 'string' },
      'warm-up': { type: 'string' },
      arg: { type: 'string', multiple: true },
      out: { type: 'string' },
    },
  });
  if (values.soak === undefined) throw new Error('--soak wants a duration, e.g. --soak 30m');
  const durationMs = parseDuration(values.soak);
  const connections = Number(values.connections ?? '4');
  if (!Number.isInteger(connections) || connections < 1 || connections > 64) {
    throw new Error('--connections wants 1..64');
  }
  return {
    durationMs,
    connections,
    intervalMs: parseDuration(values.interval ?? '10s'),
    warmUpMs:
      values['warm-up'] === undefined ? Math.max(60_000, durationMs / 6) : parseDuration(values['warm-up']),
    args: values.arg ?? [],
    out: values.out === undefined ? undefined : path.resolve(values.out),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// the URL mix: every URL distinct (sizes walk through a range), sources and operations rotate

const SOURCES = [
  'bench/photo-a.jpg',
  'bench/photo-b.jpg',
  'bench/photo-c.jpg',
  'bench/photo-a.webp',
  'bench/photo-b.webp',
  'bench/photo-c.webp',
  'imagor/gopher.png',
  'imagor/demo1.jpg',
  'imagor/Canon_40D.jpg',
  'imagor/dancing-banana.gif',
  'imagor/test.svg',
  'imagor/gopher-front.png',
  'bench/photo-b.avif',
];

const OPERATIONS: Array<(w: number, h: number, n: number) => string> = [
  (w, h) => `${w}x${h}`,
  (w, h) => `fit-in/${w}x${h}`,
  (w, h) => `${w}x${h}/smart`,
  (w) => `${w}x0/filters:quality(${30 + (w % 60)})`,
  (w, h) => `${w}x${h}/filters:format(webp)`,
  (w, h) => `${w}x${h}/filters:format(png)`,
  (w, h) => `fit-in/${w}x${h}/filters:grayscale():blur(2)`,
  (w, h, n) => `${w}x${h}/filters:rotate(${(n % 4) * 90}):brightness(10)`,
  (w, h) => `-${w}x${h}/filters:round_corner(20):format(png)`,
  (w, h) => `${w}x${h}/filters:watermark(imagor/gopher.png,10,10,50):format(jpeg)`,
];

/** The n-th URL path of the mix. */
export function soakUrl(n: number): string {
  const source = SOURCES[n % SOURCES.length] ?? 'imagor/gopher.png';
  const op = OPERATIONS[Math.floor(n / SOURCES.length) % OPERATIONS.length] ?? OPERATIONS[0]!;
  // 64..1063 wide, aspect from 1:2 to 2:1; with the rotation above no two URLs repeat for 10^6 requests.
  // The animated GIF (8 frames) stays under 564 px wide, so that its enlargements keep inside the default
  // -vips-max-animation-pixels: the soak measures memory under load the server serves, not its refusals.
  const w = 64 + ((n * 37) % (source.endsWith('.gif') ? 500 : 1000));
  const h = Math.round(w * (0.5 + ((n * 13) % 16) / 10));
  const format = source.endsWith('.avif') ? '/filters:format(jpeg)' : '';
  const built = `/unsafe/${op(w, h, n)}/${source}`;
  return format && !built.includes('/filters:') ? built.replace(`/${source}`, `${format}/${source}`) : built;
}

// ---------------------------------------------------------------------------------------------------------------
// /proc readings

function statusKiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] === undefined ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

function parentOf(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1] ?? 0);
  } catch {
    return 0;
  }
}

/** `root` and its descendants. */
function tree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const ppid = parentOf(pid);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

interface Verdict {
  slopeMiBPerHour: number;
  firstMiB: number;
  lastMiB: number;
  rising: boolean;
  text: string;
}

/**
 * Upward trend after the warm-up? Least-squares slope over the samples after it, and the mean of the last
 * third against the first third of them: rising when the last third sits higher by more than
 * max(16 MiB, 5 %) and the slope agrees.
 */
export function trendVerdict(samples: readonly Sample[], warmUpS: number): Verdict {
  const kept = samples.filter((s) => s.t >= warmUpS);
  if (kept.length < 6) {
    return {
      slopeMiBPerHour: 0,
      firstMiB: 0,
      lastMiB: 0,
      rising: false,
      text: 'too few samples for a verdict',
    };
  }
  const n = kept.length;
  const meanT = kept.reduce((a, s) => a + s.t, 0) / n;
  const meanR = kept.reduce((a, s) => a + s.rssMiB, 0) / n;
  const cov = kept.reduce((a, s) => a + (s.t - meanT) * (s.rssMiB - meanR), 0);
  const varT = kept.reduce((a, s) => a + (s.t - meanT) ** 2, 0);
  const slopeMiBPerHour = varT > 0 ? (cov / varT) * 3600 : 0;
  const third = Math.floor(n / 3);
  const avg = (xs: readonly Sample[]): number => xs.reduce((a, s) => a + s.rssMiB, 0) / xs.length;
  const firstMiB = avg(kept.slice(0, third));
  const lastMiB = avg(kept.slice(n - third));
  const rising = lastMiB - firstMiB > Math.max(16, 0.05 * firstMiB) && slopeMiBPerHour > 0;
  const text =
    `${rising ? 'UPWARD TREND' : 'no upward trend'} after the first ${(warmUpS / 60).toFixed(1)} min: ` +
    `mean of the first third ${firstMiB.toFixed(0)} MiB, last third ${lastMiB.toFixed(0)} MiB, ` +
    `slope ${slopeMiBPerHour >= 0 ? '+' : ''}${slopeMiBPerHour.toFixed(1)} MiB/h`;
  return { slopeMiBPerHour, firstMiB, lastMiB, rising, text };
}

function get(agent: http.Agent, port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

export async function runSoak(argv: string[]): Promise<number> {
  const settings = readSettings(argv.filter((a) => a !== '--'));
  const server = spawn(
    process.execPath,
    [
      path.join(ROOT, 'dist', 'src', 'main.js'),
      '-bind',
      '127.0.0.1:0',
      '-imagor-unsafe',
      '-file-loader-base-dir',
      path.join(ROOT, 'test', 'fixtures'),
      ...settings.args,
    ],
    { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const rootPid = server.pid ?? 0;
  const workerPids = new Set<number>();
  const logCounts = new Map<string, number>();
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not start')), 60_000);
    server.once('exit', (code) => reject(new Error(`the server exited (${String(code)})`)));
    createInterface({ input: server.stdout! }).on('line', (line) => {
      let rec: { msg?: string; url?: string; pid?: number; level?: number };
      try {
        rec = JSON.parse(line) as typeof rec;
      } catch {
        return;
      }
      if (rec.msg === 'imagor listening' && rec.url) {
        if (rec.pid) workerPids.add(rec.pid);
        clearTimeout(timer);
        resolve(rec.url);
      }
      if ((rec.level ?? 0) >= 40 && rec.msg) logCounts.set(rec.msg, (logCounts.get(rec.msg) ?? 0) + 1);
    });
  });
  const port = Number(new URL(url).port);
  process.stdout.write(
    `soak: ${url}, ${settings.connections} connections for ${(settings.durationMs / 60_000).toFixed(1)} min, ` +
      `tree RSS every ${settings.intervalMs / 1000} s\n`,
  );

  const agent = new http.Agent({ keepAlive: true, maxSockets: settings.connections });
  const samples: Sample[] = [];
  const statuses = new Map<number, number>();
  const errorKinds = new Map<string, number>();
  let next = 0;
  let completed = 0;
  let errors = 0;
  let intervalRequests = 0;
  let intervalErrors = 0;
  const startedAt = Date.now();
  const endAt = startedAt + settings.durationMs;

  const sample = (): void => {
    const pids = tree(rootPid);
    const kib = pids.reduce((a, pid) => a + statusKiB(pid), 0);
    const s: Sample = {
      t: Math.round((Date.now() - startedAt) / 1000),
      rssMiB: kib / 1024,
      processes: pids.length,
      requests: intervalRequests,
      errors: intervalErrors,
    };
    for (const pid of pids) if (pid !== rootPid) workerPids.add(pid);
    intervalRequests = 0;
    intervalErrors = 0;
    samples.push(s);
    process.stdout.write(
      `t=${String(s.t).padStart(5)} s  tree RSS ${s.rssMiB.toFixed(0).padStart(5)} MiB  ` +
        `processes ${s.processes}  requests ${s.requests}  errors ${s.errors}\n`,
    );
  };
  sample();
  const sampler = setInterval(sample, settings.intervalMs);

  const loop = async (): Promise<void> => {
    while (Date.now() < endAt) {
      const n = next++;
      try {
        const status = await get(agent, port, soakUrl(n));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 200 && status < 300) {
          completed++;
          intervalRequests++;
          continue;
        }
        // grouped by status and source (the URLs are all distinct)
        const key = `HTTP ${status} on ${soakUrl(n).split('/').slice(-2).join('/')}`;
        errorKinds.set(key, (errorKinds.get(key) ?? 0) + 1);
      } catch (err) {
        const kind = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
      }
      errors++;
      intervalErrors++;
    }
  };
  await Promise.all(Array.from({ length: settings.connections }, loop));
  clearInterval(sampler);
  sample();
  agent.destroy();
  server.kill('SIGTERM');
  await new Promise<void>((r) => {
    const t = setTimeout(() => {
      server.kill('SIGKILL');
      r();
    }, 20_000);
    server.once('exit', () => {
      clearTimeout(t);
      r();
    });
  });

  const verdict = trendVerdict(samples, settings.warmUpMs / 1000);
  const peak = samples.reduce((a, s) => Math.max(a, s.rssMiB), 0);
  const lines = [
    `# Soak: ${(settings.durationMs / 60_000).toFixed(1)} min at ${settings.connections} connections`,
    '',
    `- requests: ${completed} answered 2xx, ${errors} errors` +
      (errorKinds.size > 0
        ? ` (${[...errorKinds]
            .slice(0, 10)
            .map(([k, v]) => `${k}: ${v}`)
            .join('; ')})`
        : ''),
    `- server flags: ${['-imagor-unsafe', ...settings.args].join(' ')} (others at their defaults)`,
    `- worker processes seen: ${workerPids.size} (more than the worker count means workers were replaced)`,
    `- warnings and errors logged: ${logCounts.size === 0 ? 'none' : [...logCounts].map(([k, v]) => `${k} ×${v}`).join('; ')}`,
    `- peak tree RSS (of the samples): ${peak.toFixed(0)} MiB`,
    `- verdict: ${verdict.text}`,
    '',
    '| t (s) | tree RSS (MiB) | processes | requests in interval | errors |',
    '|---:|---:|---:|---:|---:|',
    ...samples.map(
      (s) => `| ${s.t} | ${s.rssMiB.toFixed(0)} | ${s.processes} | ${s.requests} | ${s.errors} |`,
    ),
    '',
  ];
  const report = lines.join('\n');
  process.stdout.write(`\n${report}`);
  if (settings.out) {
    writeFileSync(settings.out, report);
    process.stdout.write(`written to ${settings.out}\n`);
  }
  return errors > 0 || verdict.rising ? 1 : 0;
}

/**
 * `npm run bench -- --case faces`: the cost of face detection. One request at a time of
 * `500x250/smart/people.jpg` (the 2000x2950 photo of test/fixtures/faces) against our server started
 * without and with `-face-detector` (and with the detection cache on, so every request after the first
 * is a cache hit), in alternating rounds; CPU milliseconds per request are the server process's own
 * (primary and worker, all threads: libvips included), read from /proc. Results: a Markdown table on stdout and in --out.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { TreeMonitor } from './proc.js';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const URL_PATH = '/unsafe/500x250/smart/faces/people.jpg';

interface Variant {
  name: string;
  args: string[];
}

const VARIANTS: Variant[] = [
  { name: 'no detector', args: [] },
  { name: '-face-detector', args: ['-face-detector'] },
  { name: '-face-detector, cache hits', args: ['-face-detector', '-face-detector-cache-size', '100'] },
];

interface Running {
  variant: Variant;
  child: ChildProcess;
  url: string;
  monitor: TreeMonitor;
  cpuMs: number[];
  wallMs: number[];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function start(variant: Variant): Promise<Running> {
  const port = await freePort();
  const args = [
    path.join(ROOT, 'dist', 'src', 'main.js'),
    '-imagor-unsafe',
    '-file-loader-base-dir',
    path.join(ROOT, 'test', 'fixtures'),
    '-http-loader-disable',
    '-server-address',
    '127.0.0.1',
    '-port',
    String(port),
    ...variant.args,
  ];
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error(`${variant.name}: server did not start`);
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${url}/healthcheck`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (child.exitCode !== null || performance.now() > deadline)
      throw new Error(`${variant.name}: not ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const monitor = new TreeMonitor(child.pid);
  monitor.start();
  return { variant, child, url, monitor, cpuMs: [], wallMs: [] };
}

async function request(s: Running): Promise<Buffer> {
  const res = await fetch(s.url + URL_PATH);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`${s.variant.name}: HTTP ${res.status}`);
  return body;
}

/** One round: `n` sequential requests; records CPU and wall milliseconds per request. */
async function round(s: Running, n: number): Promise<void> {
  // the process tree: the primary supervises, a worker serves
  const cpu0 = s.monitor.cpuSeconds();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await request(s);
  s.wallMs.push((performance.now() - t0) / n);
  s.cpuMs.push(((s.monitor.cpuSeconds() - cpu0) * 1000) / n);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      case: { type: 'string' },
      requests: { type: 'string' },
      rounds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
  });
  if (values.case !== 'faces') {
    process.stderr.write(`bench: unknown --case ${values.case ?? ''}; expected faces or cache\n`);
    return 2;
  }
  const quick = values.quick === true;
  const n = Number(values.requests ?? (quick ? 5 : 30));
  const rounds = Number(values.rounds ?? (quick ? 1 : 4));
  const out = path.resolve(values.out ?? path.join(ROOT, 'bench', 'faces-results.md'));
  const servers: Running[] = [];
  try {
    for (const v of VARIANTS) servers.push(await start(v));
    for (const s of servers) {
      // warm up (JIT, libvips caches; the cache variant fills its cache here) and check the answer
      for (let i = 0; i < 3; i++) {
        const meta = await sharp(await request(s)).metadata();
        if (meta.width !== 500 || meta.height !== 250) throw new Error(`${s.variant.name}: not 500x250`);
      }
      s.monitor.beginWindow();
    }
    for (let r = 0; r < rounds; r++) {
      for (const s of r % 2 === 0 ? servers : [...servers].reverse()) await round(s, n);
      process.stdout.write(`round ${r + 1}/${rounds} done\n`);
    }
    const base = median(servers[0]?.cpuMs ?? []);
    const lines = [
      `### Faces: \`500x250/smart/people.jpg\` (2000x2950 JPEG), one request at a time`,
      '',
      `${rounds} alternating rounds of ${n} requests per server · ${os.cpus()[0]?.model ?? 'CPU'} × ${os.availableParallelism()} · load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} at the end`,
      '',
      '| server | CPU ms/req (median of rounds) | range | vs no detector | wall ms/req | peak RSS MiB |',
      '|---|---:|---:|---:|---:|---:|',
      ...servers.map((s) => {
        const cpu = median(s.cpuMs);
        const lo = Math.min(...s.cpuMs);
        const hi = Math.max(...s.cpuMs);
        const rel = base > 0 ? `${cpu >= base ? '+' : ''}${(((cpu - base) / base) * 100).toFixed(0)} %` : '—';
        return `| ${s.variant.name} | ${cpu.toFixed(1)} | ${lo.toFixed(0)}–${hi.toFixed(0)} | ${rel} | ${median(s.wallMs).toFixed(0)} | ${(s.monitor.windowPeakKiB() / 1024).toFixed(0)} |`;
      }),
      '',
    ];
    const table = lines.join('\n');
    process.stdout.write(`\n${table}\n`);
    writeFileSync(out, table);
    return 0;
  } finally {
    for (const s of servers) {
      s.monitor.stop();
      s.child.kill('SIGTERM');
    }
  }
}

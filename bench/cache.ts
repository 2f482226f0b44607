/**
 * `node dist/bench/run.js --case cache`: the decoded-image cache (-vips-cache-size) side by side with no cache.
 * Two servers on the same corpus, the same URL sequence: one 2040x1666 photo (as JPEG, WebP and PNG) at three
 * sizes with preview(), which opts the base image into the cache. Rounds alternate between the servers.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { TreeMonitor } from './proc.js';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'bench');
const SIZES = ['300x200', '640x480', '1200x800'];
const FORMATS = ['jpeg', 'webp', 'png'] as const;
type Format = (typeof FORMATS)[number];
const EXT: Record<Format, string> = { jpeg: 'jpg', webp: 'webp', png: 'png' };
const CACHE_BYTES = 256 << 20;

interface Tally {
  requests: number;
  seconds: number;
  p50: number[];
  p99: number[];
  peakRssMiB: number;
  errors: number;
}

interface Side {
  label: string;
  child: ChildProcess;
  url: string;
  monitor: TreeMonitor;
  tallies: Map<Format, Tally>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function start(label: string, dir: string, extra: string[]): Promise<Side> {
  const port = await freePort();
  const args = [
    path.join(ROOT, 'dist', 'src', 'main.js'),
    '-imagor-unsafe',
    '-http-loader-disable',
    '-file-loader-base-dir',
    dir,
    '-port',
    String(port),
    '-server-address',
    '127.0.0.1',
    ...extra,
  ];
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error(`${label}: server did not start`);
  const url = `http://127.0.0.1:${port}`;
  const until = performance.now() + 30_000;
  for (;;) {
    const up = await fetch(`${url}/healthcheck`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (performance.now() > until || child.exitCode !== null) throw new Error(`${label}: server not ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const monitor = new TreeMonitor(child.pid);
  monitor.start();
  return { label, child, url, monitor, tallies: new Map() };
}

const pathsOf = (f: Format): string[] =>
  SIZES.map((size) => `/unsafe/${size}/filters:preview()/photo.${EXT[f]}`);

async function round(side: Side, format: Format, seconds: number, connections: number): Promise<void> {
  side.monitor.beginWindow();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      {
        url: side.url,
        connections,
        duration: seconds,
        requests: pathsOf(format).map((p) => ({ method: 'GET', path: p })),
        timeout: 60,
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
  const t = side.tallies.get(format) ?? {
    requests: 0,
    seconds: 0,
    p50: [],
    p99: [],
    peakRssMiB: 0,
    errors: 0,
  };
  side.tallies.set(format, t);
  t.requests += result.requests.total;
  t.seconds += result.duration;
  t.p50.push(result.latency.p50);
  t.p99.push(result.latency.p99);
  t.errors += result.errors + result.non2xx;
  t.peakRssMiB = Math.max(t.peakRssMiB, side.monitor.windowPeakKiB() / 1024);
}

/** Server-tree CPU ms per request for one path, requests sent one at a time. */
async function cpuPerRequest(side: Side, p: string, n: number): Promise<number> {
  const before = side.monitor.cpuSeconds();
  for (let i = 0; i < n; i++) {
    const r = await fetch(side.url + p);
    await r.arrayBuffer();
    if (!r.ok) throw new Error(`${side.label}: ${p} answered ${r.status}`);
  }
  return ((side.monitor.cpuSeconds() - before) * 1000) / n;
}

const rate = (t: Tally): number => t.requests / Math.max(1e-9, t.seconds);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export async function runCacheBench(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      case: { type: 'string' },
      duration: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      formats: { type: 'string' },
    },
  });
  const seconds = Number(values.duration ?? 5);
  const rounds = Number(values.rounds ?? 3);
  const connections = Number(values.connections ?? 2);
  const formats = (values.formats ?? FORMATS.join(',')).split(',').map((f) => {
    if (!(FORMATS as readonly string[]).includes(f)) throw new Error(`--formats: unknown ${f}`);
    return f as Format;
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'imagor-bench-cache-'));
  await copyFile(path.join(FIXTURES, 'photo-a.jpg'), path.join(dir, 'photo.jpg'));
  await copyFile(path.join(FIXTURES, 'photo-a.webp'), path.join(dir, 'photo.webp'));
  // the PNG is derived from the JPEG, as the main benchmark derives its PNGs
  await sharp(path.join(FIXTURES, 'photo-a.jpg')).png().toFile(path.join(dir, 'photo.png'));
  const sides: Side[] = [];
  try {
    sides.push(
      await start(`cache on (-vips-cache-size ${CACHE_BYTES})`, dir, [
        '-vips-cache-size',
        String(CACHE_BYTES),
      ]),
    );
    sides.push(await start('cache off', dir, []));
    const [on, off] = sides as [Side, Side];
    for (const format of formats) {
      for (const side of sides) {
        // warm up: the first request of each size fills the cache (and the JIT)
        for (const p of pathsOf(format)) await fetch(side.url + p).then((r) => r.arrayBuffer());
      }
      for (let r = 0; r < rounds; r++) {
        // alternate the order so that neither side always runs on a warmer machine
        for (const side of r % 2 === 0 ? [on, off] : [off, on])
          await round(side, format, seconds, connections);
      }
    }
    const lines = [
      `Decoded-image cache: a 2040x1666 photo at ${SIZES.join(', ')} with preview(), ${connections} connections, ` +
        `${rounds} alternating rounds of ${seconds} s per side, ${os.availableParallelism()} cores`,
      '',
      '| source | server | req/s | p50 ms | p99 ms | peak RSS MiB | errors | speed-up |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ];
    let errors = 0;
    for (const format of formats) {
      const tOn = on.tallies.get(format);
      const tOff = off.tallies.get(format);
      if (!tOn || !tOff) continue;
      const speedUp = `${(rate(tOn) / Math.max(1e-9, rate(tOff))).toFixed(2)}x`;
      for (const [side, t] of [
        [on, tOn],
        [off, tOff],
      ] as const) {
        errors += t.errors;
        lines.push(
          `| ${format.toUpperCase()} | ${side.label} | ${rate(t).toFixed(1)} | ${median(t.p50).toFixed(0)} | ` +
            `${median(t.p99).toFixed(0)} | ${t.peakRssMiB.toFixed(0)} | ${t.errors} | ${side === on ? speedUp : ''} |`,
        );
      }
    }
    // where the time goes: each size alone, one request at a time
    lines.push(
      '',
      'CPU ms per request by size (server tree, 40 sequential requests per cell, cache on / off):',
      '',
      `| source | ${SIZES.join(' | ')} |`,
      `| --- |${SIZES.map(() => ' ---: |').join('')}`,
    );
    for (const format of formats) {
      const cells: string[] = [];
      for (const p of pathsOf(format)) {
        const cOn = await cpuPerRequest(on, p, 40);
        const cOff = await cpuPerRequest(off, p, 40);
        cells.push(`${cOn.toFixed(1)} / ${cOff.toFixed(1)} (${(cOff / Math.max(1e-9, cOn)).toFixed(2)}x)`);
      }
      lines.push(`| ${format.toUpperCase()} | ${cells.join(' | ')} |`);
    }
    process.stdout.write(lines.join('\n') + '\n');
    return errors > 0 ? 1 : 0;
  } finally {
    for (const s of sides) {
      s.monitor.stop();
      s.child.kill('SIGTERM');
    }
    await rm(dir, { recursive: true, force: true });
  }
}

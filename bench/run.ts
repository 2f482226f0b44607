/**
 * `npm run bench`: our server against a bare node:http + sharp baseline (bench/bare-server.ts) on the same
 * machine, same corpus and the same URL sequence. See bench/README.md.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { TreeMonitor, cpuSeconds, machineCpuSeconds } from './proc.js';
import { roundRatioRange } from './stats.js';

const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const STARTED = performance.now();
const CORES = os.availableParallelism();

/** hard-linked aliases per photo and for the fit-in source, so that URLs stay distinct (see README) */
const PHOTO_ALIASES = 8;
const FIT_IN_ALIASES = 128;
const QUALITY_MIN = 10;
const QUALITY_MAX = 100;
const FIT_IN_SOURCE = '2569067123_aca715a2ee_o.jpg';
const REQUEST_TIMEOUT_S = 180;
const CELL_CAP_S = 180;

type ServerKind = 'ours' | 'bare';
type WorkloadId = 'jpeg' | 'png' | 'webp' | 'avif' | 'fitin';
type Format = 'jpeg' | 'png' | 'webp' | 'avif';

const WORKLOAD_IDS: readonly WorkloadId[] = ['jpeg', 'png', 'webp', 'avif', 'fitin'];
const SERVER_KINDS: readonly ServerKind[] = ['ours', 'bare'];

interface Settings {
  corpus: string | undefined;
  duration: number;
  quick: boolean;
  connections: number[];
  workloads: WorkloadId[];
  servers: ServerKind[];
  oursEnv: Record<string, string>;
  bareEnv: Record<string, string>;
  oursArgs: string[];
  out: string;
  json: string | undefined;
  budget: number;
  minWaves: number;
  /** fewest requests per server in a cell: slow workloads (AVIF) get longer cells instead of a few waves */
  minRequests: number;
  rounds: number;
  warmUpSeconds: number;
  keep: boolean;
}

const USAGE = `usage: node dist/bench/run.js [options]
  --duration S        target seconds per cell (default 7; --quick: 1)
  --quick             smoke run of about a minute: 1 s cells at 1 and 4 connections
  --corpus DIR        take the photos (*.jpg *.png *.webp *.avif) and ${FIT_IN_SOURCE} from DIR
  --rounds N          alternating rounds per cell and server (default 4; --quick: 1)
  --connections LIST  e.g. 2,8 (default 1,2,8,32)
  --workloads LIST    of jpeg,png,webp,avif,fitin (default all)
  --servers LIST      of ours,bare (default both)
  --env KEY=VAL       environment for our server (repeatable), e.g. --env UV_THREADPOOL_SIZE=8
  --bare-env KEY=VAL  environment for the bare server (repeatable)
  --arg FLAG          extra command-line flag for our server (repeatable), e.g. --arg=-vips-concurrency=2
  --out FILE          Markdown results (default bench/results.md)
  --json FILE         also write every measurement as JSON
  --budget S          stop starting new cells after S seconds (default 540; --quick: 50)
  --keep              keep the temporary corpus and server logs
  --case faces        instead: 500x250/smart of people.jpg without and with -face-detector (bench/faces.ts;
                      --requests N, --rounds N, --quick, --out FILE)
`;

function fail(message: string): never {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

function parseList<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T[]): T[] {
  if (value === undefined) return fallback;
  const items = value.split(',').map((s) => s.trim());
  for (const item of items) {
    if (!allowed.includes(item as T)) fail(`unknown value ${item}; expected one of ${allowed.join(',')}`);
  }
  return items as T[];
}

function parseEnv(pairs: string[] | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs ?? []) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(pair);
    if (!match?.[1]) fail(`--env wants KEY=VAL, got ${pair}`);
    env[match[1]] = match[2] ?? '';
  }
  return env;
}

function positiveNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) fail(`--${name} wants a positive number, got ${value}`);
  return n;
}

function readSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      corpus: { type: 'string' },
      duration: { type: 'string' },
      rounds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      connections: { type: 'string' },
      workloads: { type: 'string' },
      servers: { type: 'string' },
      env: { type: 'string', multiple: true },
      'bare-env': { type: 'string', multiple: true },
      arg: { type: 'string', multiple: true },
      out: { type: 'string' },
      json: { type: 'string' },
      budget: { type: 'string' },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true;
  const connections = (values.connections ?? (quick ? '1,4' : '1,2,8,32')).split(',').map(Number);
  if (connections.some((c) => !Number.isInteger(c) || c < 1 || c > 256)) fail('--connections wants 1..256');
  return {
    corpus: values.corpus === undefined ? undefined : path.resolve(values.corpus),
    duration: positiveNumber(values.duration, 'duration', quick ? 1 : 7),
    quick,
    connections,
    workloads: parseList(values.workloads, WORKLOAD_IDS, [...WORKLOAD_IDS]),
    servers: parseList(values.servers, SERVER_KINDS, [...SERVER_KINDS]),
    oursEnv: parseEnv(values.env),
    bareEnv: parseEnv(values['bare-env']),
    oursArgs: values.arg ?? [],
    out: path.resolve(values.out ?? path.join(ROOT, 'bench', 'results.md')),
    json: values.json === undefined ? undefined : path.resolve(values.json),
    budget: positiveNumber(values.budget, 'budget', quick ? 50 : 540),
    minWaves: quick ? 1 : 1.5,
    minRequests: quick ? 0 : 100,
    rounds: Math.floor(positiveNumber(values.rounds, 'rounds', quick ? 1 : 4)),
    warmUpSeconds: quick ? 0.3 : 1,
    keep: values.keep === true,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// corpus and workloads

interface Workload {
  id: WorkloadId;
  title: string;
  format: Format;
  fitIn: boolean;
  /** distinct source files (before aliasing) */
  sources: number;
  /** the n-th URL of the sequence; both servers get the same sequence */
  url: (n: number) => string;
}

interface Corpus {
  dir: string;
  workloads: Map<WorkloadId, Workload>;
  photos: Map<Format, string[]>;
}

const EXTENSIONS: Record<string, Format> = {
  jpg: 'jpeg',
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  avif: 'avif',
};

async function addWithAliases(source: string, dir: string, stem: string, ext: string, count: number) {
  const first = path.join(dir, `${stem}-k0.${ext}`);
  await copyFile(source, first);
  for (let k = 1; k < count; k++) {
    const alias = path.join(dir, `${stem}-k${k}.${ext}`);
    await link(first, alias).catch(() => copyFile(first, alias));
  }
}

function photoWorkload(id: WorkloadId, format: Format, names: string[]): Workload {
  const span = QUALITY_MAX - QUALITY_MIN + 1;
  return {
    id,
    title: `${format.toUpperCase()} photo → 512x512 cover ${format}`,
    format,
    fitIn: false,
    sources: names.length,
    url: (n) => {
      const name = names[n % names.length] ?? '';
      const rest = Math.floor(n / names.length);
      const quality = QUALITY_MIN + (rest % span);
      const alias = Math.floor(rest / span) % PHOTO_ALIASES;
      const dot = name.lastIndexOf('.');
      return `/unsafe/512x512/filters:quality(${quality})/${name.slice(0, dot)}-k${alias}${name.slice(dot)}`;
    },
  };
}

async function prepareCorpus(settings: Settings, workDir: string): Promise<Corpus> {
  const dir = path.join(workDir, 'corpus');
  await mkdir(dir);
  const sourceDir = settings.corpus ?? path.join(ROOT, 'test', 'fixtures', 'bench');
  const photos = new Map<Format, string[]>([
    ['jpeg', []],
    ['png', []],
    ['webp', []],
    ['avif', []],
  ]);
  const entries = (await readdir(sourceDir, { withFileTypes: true })).filter((e) => e.isFile()).slice(0, 200);
  const files = entries.map((e) => e.name).sort();
  for (const name of files) {
    const dot = name.lastIndexOf('.');
    const format = EXTENSIONS[name.slice(dot + 1).toLowerCase()];
    if (format === undefined || name === FIT_IN_SOURCE) continue;
    await addWithAliases(
      path.join(sourceDir, name),
      dir,
      name.slice(0, dot),
      name.slice(dot + 1),
      PHOTO_ALIASES,
    );
    photos.get(format)?.push(name);
  }
  // PNG versions of the JPEGs that have none
  const pngs = photos.get('png') ?? [];
  const pngStems = new Set(pngs.map((n) => n.slice(0, n.lastIndexOf('.'))));
  for (const name of photos.get('jpeg') ?? []) {
    const stem = name.slice(0, name.lastIndexOf('.'));
    if (pngStems.has(stem)) continue;
    const png = path.join(workDir, `${stem}.png`);
    await sharp(path.join(sourceDir, name)).png().toFile(png);
    await addWithAliases(png, dir, stem, 'png', PHOTO_ALIASES);
    pngs.push(`${stem}.png`);
  }
  const fitInSource = [
    ...(settings.corpus ? [path.join(settings.corpus, FIT_IN_SOURCE)] : []),
    path.join(ROOT, 'test', 'fixtures', 'sharp', FIT_IN_SOURCE),
  ].find((f) => existsSync(f));
  if (fitInSource === undefined) fail(`cannot find ${FIT_IN_SOURCE}`);
  const fitInStem = FIT_IN_SOURCE.slice(0, FIT_IN_SOURCE.lastIndexOf('.'));
  await addWithAliases(fitInSource, dir, fitInStem, 'jpg', FIT_IN_ALIASES);

  const workloads = new Map<WorkloadId, Workload>();
  const byFormat: [WorkloadId, Format][] = [
    ['jpeg', 'jpeg'],
    ['png', 'png'],
    ['webp', 'webp'],
    ['avif', 'avif'],
  ];
  for (const [id, format] of byFormat) {
    const names = photos.get(format) ?? [];
    if (names.length > 0) workloads.set(id, photoWorkload(id, format, names));
  }
  workloads.set('fitin', {
    id: 'fitin',
    title: `fit-in 720x588 JPEG q80 of ${FIT_IN_SOURCE}`,
    format: 'jpeg',
    fitIn: true,
    sources: 1,
    url: (n) =>
      `/unsafe/fit-in/720x588/filters:quality(80):format(jpeg)/${fitInStem}-k${n % FIT_IN_ALIASES}.jpg`,
  });
  return { dir, workloads, photos };
}

// ---------------------------------------------------------------------------------------------------------------
// servers

interface Server {
  kind: ServerKind;
  child: ChildProcess;
  url: string;
  logFile: string;
  monitor: TreeMonitor;
}

const children = new Set<ChildProcess>();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function startServer(kind: ServerKind, settings: Settings, corpus: Corpus, workDir: string) {
  const port = await freePort();
  const args =
    kind === 'ours'
      ? [
          path.join(ROOT, 'dist', 'src', 'main.js'),
          '-imagor-unsafe',
          '-file-loader-base-dir',
          corpus.dir,
          '-port',
          String(port),
          '-server-address',
          '127.0.0.1',
          '-http-loader-disable',
          ...settings.oursArgs,
        ]
      : [path.join(ROOT, 'dist', 'bench', 'bare-server.js'), corpus.dir, String(port)];
  if (!existsSync(args[0] ?? '')) fail(`${args[0]} is missing: build first (npx tsc -p tsconfig.json)`);
  const logFile = path.join(workDir, `${kind}.log`);
  const log = openSync(logFile, 'a');
  const env = { ...process.env, ...(kind === 'ours' ? settings.oursEnv : settings.bareEnv) };
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', log, log] });
  closeSync(log);
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (child.pid === undefined) throw new Error(`${kind} server did not start`);
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${kind} server exited (${child.exitCode ?? child.signalCode}):\n${logTail(logFile)}`);
    }
    const ok = await fetch(`${url}/healthcheck`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (performance.now() > deadline)
      throw new Error(`${kind} server not ready in 30 s:\n${logTail(logFile)}`);
    await sleep(100);
  }
  const monitor = new TreeMonitor(child.pid);
  monitor.start();
  return { kind, child, url, logFile, monitor } satisfies Server;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Waits (at most maxSeconds) until the servers use no CPU, e.g. after requests abandoned at a cell's cap. */
async function settle(servers: Server[], maxSeconds = 60): Promise<void> {
  const deadline = performance.now() + maxSeconds * 1000;
  while (performance.now() < deadline) {
    const before = servers.reduce((sum, s) => sum + s.monitor.cpuSeconds(), 0);
    await sleep(300);
    const after = servers.reduce((sum, s) => sum + s.monitor.cpuSeconds(), 0);
    if (after - before <= 0.02) return;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// measurement

interface Check {
  ok: boolean;
  detail: string;
  bytes: number;
}

interface WarmUp {
  serviceSeconds: number;
  check: Check;
  errors: number;
}

async function checkResponse(response: Response, workload: Workload): Promise<Check> {
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status !== 200) {
    return {
      ok: false,
      detail: `HTTP ${response.status}: ${body.toString('utf8', 0, 200)}`,
      bytes: body.length,
    };
  }
  try {
    const meta = await sharp(body).metadata();
    const format = meta.format === 'heif' && meta.compression === 'av1' ? 'avif' : meta.format;
    const w = meta.width ?? 0;
    const h = meta.height ?? 0;
    const sizeOk = workload.fitIn ? w <= 720 && h <= 588 && (w === 720 || h === 588) : w === 512 && h === 512;
    const type = response.headers.get('content-type') ?? '';
    const ok = format === workload.format && sizeOk && type === `image/${workload.format}`;
    return { ok, detail: `${format} ${w}x${h} ${type}`, bytes: body.length };
  } catch (err) {
    return { ok: false, detail: `undecodable body: ${String(err)}`, bytes: body.length };
  }
}

/** Sequential requests (at least one per source file) that warm the server up, check the output and time it. */
async function warmUp(server: Server, workload: Workload, next: () => string, settings: Settings) {
  const times: number[] = [];
  let check: Check | undefined;
  let errors = 0;
  const started = performance.now();
  for (let i = 0; i < 12; i++) {
    if (i >= workload.sources && performance.now() - started > settings.warmUpSeconds * 1000) break;
    const t0 = performance.now();
    const response = await fetch(server.url + next(), {
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_S * 1000),
    });
    const result = await checkResponse(response, workload);
    times.push((performance.now() - t0) / 1000);
    if (!result.ok) errors++;
    if (!check || (check.ok && !result.ok)) check = result;
  }
  const sorted = (times.length > 1 ? times.slice(1) : times).sort((a, b) => a - b);
  const serviceSeconds = Math.max(sorted[Math.floor(sorted.length / 2)] ?? 1, 0.001);
  return {
    serviceSeconds,
    check: check ?? { ok: false, detail: 'no response', bytes: 0 },
    errors,
  } satisfies WarmUp;
}

interface Cell {
  workload: WorkloadId;
  connections: number;
  server: ServerKind;
  skipped: boolean;
  capped: boolean;
  amount: number;
  /** alternating rounds the cell's requests were split into */
  rounds: number;
  completed: number;
  seconds: number;
  reqPerSec: number;
  /** req/s of each round, in order; round i of both servers ran back to back */
  roundRates: number[];
  p50: number;
  p99: number;
  peakRssMiB: number;
  /** peakRssMiB with shared file-backed pages counted once (differs only for a process tree) */
  peakOnceMiB: number;
  cpuMsPerReq: number;
  errors: number;
  non2xx: number;
  otherCpuPct: number;
  avgBytes: number;
}

/**
 * Runs autocannon and also reports when the last response arrived (autocannon calls back on its
 * one-second ticker, so timing the callback would add up to a second of idle time to a cell) and every
 * response time, so that rounds can be merged into exact percentiles.
 */
function runAutocannon(options: autocannon.Options, capSeconds: number) {
  return new Promise<{
    result: autocannon.Result;
    capped: boolean;
    lastResponseAt: number;
    latencies: number[];
  }>((resolve, reject) => {
    const latencies: number[] = [];
    const state: { capped: boolean; timer?: NodeJS.Timeout; lastResponseAt: number } = {
      capped: false,
      lastResponseAt: performance.now(),
    };
    const instance = autocannon(options, (err, result) => {
      clearTimeout(state.timer);
      if (err) reject(err);
      else resolve({ result, capped: state.capped, lastResponseAt: state.lastResponseAt, latencies });
    });
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
      state.lastResponseAt = performance.now();
      latencies.push(responseTime);
    });
    state.timer = setTimeout(() => {
      state.capped = true;
      instance.stop();
    }, capSeconds * 1000);
  });
}

interface Rate {
  reqPerSec: number;
  connections: number;
}

function estimate(rate: Rate, connections: number): number {
  return (rate.reqPerSec * Math.min(connections, CORES)) / Math.min(rate.connections, CORES);
}

/** One server's share of a cell, summed over its rounds. */
interface Tally {
  capped: boolean;
  amount: number;
  completed: number;
  seconds: number;
  ownCpu: number;
  otherCpu: number;
  peakKiB: number;
  peakOnceKiB: number;
  errors: number;
  non2xx: number;
  bytes: number;
  latencies: number[];
  roundRates: number[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** One autocannon run against one server, measured; added to its tally. */
async function runRound(
  server: Server,
  servers: Server[],
  connections: number,
  amount: number,
  next: () => string,
  capSeconds: number,
  tally: Tally,
): Promise<void> {
  await settle(servers);
  server.monitor.beginWindow();
  const serversCpu0 = servers.reduce((sum, s) => sum + s.monitor.cpuSeconds(), 0);
  const ownCpu0 = server.monitor.cpuSeconds();
  const self0 = cpuSeconds(process.pid);
  const machine0 = machineCpuSeconds();
  const t0 = performance.now();
  const { result, capped, lastResponseAt, latencies } = await runAutocannon(
    {
      url: server.url,
      connections,
      amount,
      timeout: REQUEST_TIMEOUT_S,
      requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: next() }) }],
    },
    capSeconds,
  );
  const seconds = (lastResponseAt - t0) / 1000;
  const ownCpu = server.monitor.cpuSeconds() - ownCpu0;
  const serversCpu = servers.reduce((sum, s) => sum + s.monitor.cpuSeconds(), 0) - serversCpu0;
  const selfCpu = cpuSeconds(process.pid) - self0;
  const machine1 = machineCpuSeconds();
  const peakKiB = server.monitor.windowPeakKiB();
  tally.peakKiB = Math.max(tally.peakKiB, peakKiB);
  tally.peakOnceKiB = Math.max(tally.peakOnceKiB, peakKiB - server.monitor.duplicateFileKiB());
  if (capped) await settle(servers);
  tally.capped ||= capped;
  tally.amount += amount;
  tally.completed += result.requests.total;
  tally.seconds += seconds;
  tally.roundRates.push(seconds > 0 ? result.requests.total / seconds : 0);
  tally.ownCpu += ownCpu;
  tally.otherCpu += machine1.busy - machine0.busy - serversCpu - selfCpu;
  tally.errors += result.errors;
  tally.non2xx += result.non2xx;
  tally.bytes += result.throughput.total;
  tally.latencies.push(...latencies);
}

/**
 * One cell for every server: the requests are split into rounds that alternate between the servers
 * (A B B A …), so that a drift of the machine's speed during the cell (CPU steal, frequency, other
 * tenants) falls on both alike instead of on whichever ran second.
 */
async function runCells(
  servers: Server[],
  workload: Workload,
  connections: number,
  sequences: Map<ServerKind, () => string>,
  rates: Map<ServerKind, Rate>,
  settings: Settings,
  deadline: number,
  firstReversed: boolean,
): Promise<Cell[]> {
  const plans = servers.map((server) => {
    const rate = rates.get(server.kind) ?? { reqPerSec: 1, connections: 1 };
    const expected = estimate(rate, connections);
    const amount = Math.max(
      connections,
      Math.ceil(settings.minWaves * connections),
      settings.minRequests,
      Math.round(expected * settings.duration),
    );
    return { server, expected, amount, tally: emptyTally() };
  });
  const predicted = plans.reduce((sum, p) => sum + p.amount / p.expected, 0);
  const minRound = Math.ceil(settings.minWaves * connections);
  const rounds = Math.max(
    1,
    Math.min(settings.rounds, ...plans.map((p) => Math.floor(p.amount / Math.max(1, minRound)))),
  );
  const skipped = performance.now() + predicted * 1000 > deadline;
  if (!skipped) {
    for (let r = 0; r < rounds; r++) {
      // A B, B A, B A, A B: each server runs first in half of the rounds
      const reversed = (Math.floor((r + 1) / 2) % 2 === 1) !== firstReversed;
      for (const plan of reversed ? [...plans].reverse() : plans) {
        const amount = Math.round(plan.amount / rounds);
        const capSeconds = Math.min(
          CELL_CAP_S / rounds,
          Math.max((3 * settings.duration) / rounds, (3 * amount) / plan.expected),
        );
        const next = sequences.get(plan.server.kind) ?? (() => '/');
        await runRound(plan.server, servers, connections, amount, next, capSeconds, plan.tally);
      }
    }
  }
  return plans.map(({ server, amount, tally: t }) => {
    const sorted = t.latencies.sort((a, b) => a - b);
    return {
      workload: workload.id,
      connections,
      server: server.kind,
      skipped,
      capped: t.capped,
      amount: skipped ? amount : t.amount,
      rounds: skipped ? 0 : rounds,
      completed: t.completed,
      seconds: t.seconds,
      reqPerSec: t.seconds > 0 ? t.completed / t.seconds : 0,
      roundRates: t.roundRates,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      peakRssMiB: t.peakKiB / 1024,
      peakOnceMiB: t.peakOnceKiB / 1024,
      cpuMsPerReq: t.completed > 0 ? (t.ownCpu * 1000) / t.completed : 0,
      errors: t.errors,
      non2xx: t.non2xx,
      otherCpuPct: t.seconds > 0 ? Math.max(0, (t.otherCpu / (t.seconds * CORES)) * 100) : 0,
      avgBytes: t.completed > 0 ? t.bytes / t.completed : 0,
    } satisfies Cell;
  });
}

function emptyTally(): Tally {
  return {
    capped: false,
    amount: 0,
    completed: 0,
    seconds: 0,
    ownCpu: 0,
    otherCpu: 0,
    peakKiB: 0,
    peakOnceKiB: 0,
    errors: 0,
    non2xx: 0,
    bytes: 0,
    latencies: [],
    roundRates: [],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// report

function fmtRate(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

function fmtMs(n: number): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(1);
}

interface Report {
  cells: Cell[];
  checks: Map<string, Check>;
  problems: string[];
}

function renderMarkdown(report: Report, settings: Settings, corpus: Corpus, workloads: Workload[]): string {
  const find = (w: WorkloadId, c: number, s: ServerKind) =>
    report.cells.find((x) => x.workload === w && x.connections === c && x.server === s && !x.skipped);
  const lines: string[] = [];
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  lines.push('# Benchmark: imagor-ts vs bare node:http + sharp', '');
  lines.push(
    `${new Date().toISOString()} · Node ${process.version} · sharp ${sharp.versions.sharp ?? '?'} / libvips ` +
      `${sharp.versions.vips} · ${CORES} × ${cpu} · ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    '',
  );
  const env = Object.entries(settings.oursEnv).map(([k, v]) => `${k}=${v}`);
  const bareEnv = Object.entries(settings.bareEnv).map(([k, v]) => `${k}=${v}`);
  lines.push(
    `Ours: \`node dist/src/main.js -imagor-unsafe -file-loader-base-dir CORPUS -port P -server-address ` +
      `127.0.0.1 -http-loader-disable${settings.oursArgs.map((a) => ` ${a}`).join('')}\`` +
      (env.length ? ` with ${env.map((e) => `\`${e}\``).join(' ')}` : '') +
      `. Bare: \`node dist/bench/bare-server.js\`` +
      (bareEnv.length ? ` with ${bareEnv.map((e) => `\`${e}\``).join(' ')}` : ' (sharp defaults)') +
      '.',
    '',
  );
  lines.push(
    `Target ${settings.duration} s per cell (a fixed number of requests, at least ${settings.minWaves}× the ` +
      `connections and at least ${settings.minRequests}, sized from the previous cell's rate), split into up to ${settings.rounds} rounds that ` +
      `alternate between the servers (A B B A …; fewer where a round would be under ${settings.minWaves}× ` +
      `the connections), so that the machine's drift falls on both alike; percentiles are over all ` +
      `responses of a cell. Every URL in a run is distinct among the requests ` +
      `in flight (quality ${QUALITY_MIN}–${QUALITY_MAX} × ${PHOTO_ALIASES} hard-linked file aliases; the ` +
      `fit-in source under ${FIT_IN_ALIASES} aliases at q80). CPU ms/req is the server's own CPU time ` +
      `(all threads) per response; "other CPU" is what the rest of the machine used during the cell ` +
      `(noise). "Per round" pairs the servers' back-to-back rounds: the spread of those ratios is how far ` +
      `the machine's drift alone moves a cell.`,
    '',
  );
  const header = [
    'workload',
    'conns',
    'ours req/s',
    'bare req/s',
    'ours/bare',
    'ours/bare per round (min–max)',
    'ours p50/p99 ms',
    'bare p50/p99 ms',
    'ours peak RSS MiB (sum / shared once)',
    'bare peak RSS MiB',
    'ours/bare CPU ms/req',
    'errors ours/bare',
    'other CPU %',
  ];
  lines.push(`| ${header.join(' | ')} |`, `|${header.map(() => ' --- ').join('|')}|`);
  for (const workload of workloads) {
    for (const c of settings.connections) {
      const ours = find(workload.id, c, 'ours');
      const bare = find(workload.id, c, 'bare');
      if (!ours && !bare) {
        lines.push(`| ${workload.id} | ${c} | skipped (budget) |${' |'.repeat(header.length - 3)}`);
        continue;
      }
      const val = (cell: Cell | undefined, f: (x: Cell) => string) => (cell ? f(cell) : '—');
      const mark = (cell: Cell | undefined) => (cell?.capped ? '*' : '');
      const other = Math.max(ours?.otherCpuPct ?? 0, bare?.otherCpuPct ?? 0);
      lines.push(
        `| ${[
          workload.id,
          String(c),
          val(ours, (x) => fmtRate(x.reqPerSec) + mark(ours)),
          val(bare, (x) => fmtRate(x.reqPerSec) + mark(bare)),
          ours && bare && bare.reqPerSec > 0 ? (ours.reqPerSec / bare.reqPerSec).toFixed(2) : '—',
          ours && bare ? roundRatioRange(ours.roundRates, bare.roundRates) : '—',
          val(ours, (x) => `${fmtMs(x.p50)} / ${fmtMs(x.p99)}`),
          val(bare, (x) => `${fmtMs(x.p50)} / ${fmtMs(x.p99)}`),
          val(ours, (x) => `${x.peakRssMiB.toFixed(0)} / ${x.peakOnceMiB.toFixed(0)}`),
          val(bare, (x) => x.peakRssMiB.toFixed(0)),
          `${val(ours, (x) => x.cpuMsPerReq.toFixed(0))} / ${val(bare, (x) => x.cpuMsPerReq.toFixed(0))}`,
          `${val(ours, (x) => String(x.errors + x.non2xx))} / ${val(bare, (x) => String(x.errors + x.non2xx))}`,
          other.toFixed(0),
        ].join(' | ')} |`,
      );
    }
  }
  if (report.cells.some((c) => c.capped)) lines.push('', `\\* stopped at the cell time cap`);
  lines.push('', '## Output check (first responses) and mean response size', '');
  lines.push('| workload | source files | ours | bare |', '| --- | --- | --- | --- |');
  for (const workload of workloads) {
    const cell = (s: ServerKind) => {
      const check = report.checks.get(`${s}/${workload.id}`);
      if (!check) return '—';
      const sizes = report.cells.filter(
        (x) => x.workload === workload.id && x.server === s && x.completed > 0,
      );
      const mean = sizes.reduce((sum, x) => sum + x.avgBytes, 0) / Math.max(sizes.length, 1);
      return `${check.ok ? 'ok' : 'FAIL'}: ${check.detail}, ${(mean / 1024).toFixed(1)} KiB`;
    };
    const names =
      workload.id === 'fitin' ? FIT_IN_SOURCE : (corpus.photos.get(workload.format) ?? []).join(', ');
    lines.push(`| ${workload.id} | ${names} | ${cell('ours')} | ${cell('bare')} |`);
  }
  if (report.problems.length > 0) {
    lines.push('', '## Problems', '', ...report.problems.map((p) => `- ${p}`));
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  // `--soak DURATION`: the memory soak of bench/soak.ts instead of the throughput comparison
  if (argv.includes('--soak')) return (await import('./soak.js')).runSoak(argv);
  // single-purpose cases with their own measurement: `--case faces` (bench/faces.ts), `--case cache` (bench/cache.ts)
  const caseArg = argv.find((a) => a === '--case' || a.startsWith('--case='));
  if (caseArg) {
    const name = caseArg === '--case' ? argv[argv.indexOf('--case') + 1] : caseArg.slice('--case='.length);
    if (name === 'cache') return (await import('./cache.js')).runCacheBench(argv);
    return (await import('./faces.js')).main(argv);
  }
  const settings = readSettings(process.argv.slice(2));
  const deadline = STARTED + settings.budget * 1000;
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'imagor-bench-'));
  const servers: Server[] = [];
  const report: Report = { cells: [], checks: new Map(), problems: [] };
  let exitCode = 0;
  const cleanUp = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('SIGINT', () => {
    cleanUp();
    process.exit(130);
  });
  try {
    const corpus = await prepareCorpus(settings, workDir);
    const workloads = settings.workloads
      .map((id) => corpus.workloads.get(id))
      .filter((w): w is Workload => w !== undefined);
    // the slowest workload last, so that a tight --budget skips the fewest cells
    const runOrder = [
      ...workloads.filter((w) => w.id !== 'avif'),
      ...workloads.filter((w) => w.id === 'avif'),
    ];
    process.stdout.write(
      `corpus ready in ${workDir} (${((performance.now() - STARTED) / 1000).toFixed(1)} s)\n`,
    );
    for (const kind of settings.servers) servers.push(await startServer(kind, settings, corpus, workDir));

    for (const workload of runOrder) {
      const sequences = new Map<ServerKind, () => string>();
      const rates = new Map<ServerKind, Rate>();
      for (const server of servers) {
        let n = 0;
        const next = () => workload.url(n++);
        sequences.set(server.kind, next);
        await settle(servers);
        const warm = await warmUp(server, workload, next, settings);
        report.checks.set(`${server.kind}/${workload.id}`, warm.check);
        rates.set(server.kind, { reqPerSec: 1 / warm.serviceSeconds, connections: 1 });
        process.stdout.write(
          `${workload.id} ${server.kind}: ${warm.check.ok ? 'ok' : 'FAIL'} ${warm.check.detail}, ` +
            `${(warm.serviceSeconds * 1000).toFixed(0)} ms/request alone\n`,
        );
        if (warm.errors > 0) {
          report.problems.push(`${server.kind} ${workload.id}: wrong answer: ${warm.check.detail}`);
          exitCode = 1;
        }
      }
      for (const [i, connections] of settings.connections.entries()) {
        const cells = await runCells(
          servers,
          workload,
          connections,
          sequences,
          rates,
          settings,
          deadline,
          i % 2 === 1,
        );
        for (const cell of cells) {
          report.cells.push(cell);
          if (cell.skipped) {
            process.stdout.write(`${workload.id} c=${connections} ${cell.server}: skipped (time budget)\n`);
            report.problems.push(`${cell.server} ${workload.id} c=${connections}: skipped (time budget)`);
            continue;
          }
          if (cell.completed > 0) rates.set(cell.server, { reqPerSec: cell.reqPerSec, connections });
          process.stdout.write(
            `${workload.id} c=${connections} ${cell.server}: ${fmtRate(cell.reqPerSec)} req/s, ` +
              `p50 ${fmtMs(cell.p50)} ms, p99 ${fmtMs(cell.p99)} ms, peak RSS ${cell.peakRssMiB.toFixed(0)} MiB, ` +
              `${cell.cpuMsPerReq.toFixed(0)} CPU ms/req, ${cell.completed} in ${cell.seconds.toFixed(1)} s ` +
              `(${cell.rounds} rounds)${cell.capped ? ' (capped)' : ''}, errors ${cell.errors}, ` +
              `non-2xx ${cell.non2xx}, other CPU ${cell.otherCpuPct.toFixed(0)}%\n`,
          );
          if (cell.errors + cell.non2xx > 0) {
            report.problems.push(
              `${cell.server} ${workload.id} c=${connections}: ${cell.errors} errors, ${cell.non2xx} non-2xx`,
            );
            exitCode = 1;
          }
        }
      }
    }
    const markdown = renderMarkdown(report, settings, corpus, workloads);
    await writeFile(settings.out, markdown);
    if (settings.json) {
      await writeFile(
        settings.json,
        JSON.stringify({ settings, cells: report.cells, checks: Object.fromEntries(report.checks) }, null, 2),
      );
    }
    process.stdout.write(`\n${markdown}\nwritten to ${settings.out}\n`);
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    exitCode = 1;
  } finally {
    for (const server of servers) server.monitor.stop();
    await Promise.all(servers.map((s) => stopChild(s.child)));
    cleanUp();
    if (settings.keep) process.stdout.write(`kept ${workDir}\n`);
    else await rm(workDir, { recursive: true, force: true });
  }
  process.stdout.write(`total ${((performance.now() - STARTED) / 1000).toFixed(0)} s\n`);
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${String(err)}\n`);
    process.exit(1);
  },
);

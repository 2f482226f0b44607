/**
 * Prometheus metrics (prom-client).
 *
 * imagor itself exports one histogram, `<ns>_http_request_duration_seconds{code,method}` (client_golang's
 * promhttp.InstrumentHandlerDuration: lower-case method, numeric code, default buckets), plus the Go
 * runtime collectors. Here: that histogram with the same labels and buckets, Node's default process
 * metrics, and extensions fed by the app hooks.
 *
 * Cluster mode: every process (primary and workers) creates the same set with `createMetrics()`.
 * Workers call `serveMetricsToPrimary()`; the primary's metrics listener uses `createClusterCollector()`,
 * which asks every live worker for its metrics over IPC and merges them with the primary's own using
 * prom-client's `AggregatorRegistry.aggregate()`. What a scrape of the primary shows:
 * - counters, histograms, `<ns>_requests_in_flight`/`<ns>_requests_queued` and the byte budget gauges
 *   (`<ns>_load_bytes_in_flight`, `<ns>_upload_bytes_in_flight`, `…_queued`): summed over all workers.
 *   The concurrency limiter is per worker, so in-flight can reach workers × process-concurrency.
 *   A worker that dies takes its counts with it (the totals drop; Prometheus treats it as a reset).
 * - `<ns>_worker_restarts_total`: counted in the primary only (workers report 0).
 * - default metrics: `process_*` and `nodejs_heap_*`-style values summed over all processes including
 *   the primary (e.g. process_resident_memory_bytes = total RSS); `nodejs_eventloop_lag_*` averaged
 *   (min/max for min/max); `nodejs_version_info` from the first; `process_start_time_seconds` omitted.
 * Nothing is labelled per worker; per-worker detail is not exported.
 */
import cluster from 'node:cluster';
import { FACE_DETECTOR_TOTALS } from '../faces/detector.js';
import { AggregatorRegistry, Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Stage = 'load' | 'process' | 'save';
export type Outcome = 'hit' | 'miss';

/** Structurally compatible with `AppHooks` in src/app/app.ts. */
export interface MetricsHooks {
  stage(stage: Stage, ms: number): void;
  resultStorage(outcome: Outcome): void;
  storage(outcome: Outcome): void;
  processed(): void;
}

export interface RequestInfo {
  method: string;
  status: number;
  seconds: number;
}

export interface Metrics {
  registry: Registry;
  /** for `HandlerOptions.onResponse` */
  observeRequest(info: RequestInfo): void;
  /** for `AppOptions.hooks` */
  hooks: MetricsHooks;
  /** sampled at scrape time, e.g. `{ inFlight: () => app.limiter.inFlight, queued: () => app.limiter.queued }` */
  setGauges(getters: GaugeGetters): void;
  /** incremented by the cluster primary when it replaces a dead worker */
  workerRestarts: Counter;
}

export interface GaugeGetters {
  inFlight(): number;
  queued(): number;
  /** bytes of loaded sources held (-imagor-load-max-bytes-in-flight) and loads waiting for room */
  loadBytes?(): number;
  loadBytesQueued?(): number;
  /** upload bytes held (-upload-loader-max-bytes-in-flight) and uploads waiting for room */
  uploadBytes?(): number;
  uploadBytesQueued?(): number;
}

export interface MetricsOptions {
  /** metric name prefix (imagor's -prometheus-namespace, default `imagor`); empty = no prefix */
  namespace: string;
  /** Node's default process metrics (default true) */
  defaultMetrics?: boolean;
}

/** client_golang's sanitizeMethod: the standard methods lower-cased, anything else `unknown`. */
const KNOWN_METHODS = new Set([
  'GET',
  'PUT',
  'HEAD',
  'POST',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'NOTIFY',
  'TRACE',
  'PATCH',
]);
export function methodLabel(method: string): string {
  const m = method.toUpperCase();
  return KNOWN_METHODS.has(m) ? m.toLowerCase() : 'unknown';
}

export function createMetrics(opts: MetricsOptions): Metrics {
  const registry = new Registry();
  const name = (n: string): string => (opts.namespace ? `${opts.namespace}_${n}` : n);
  const registers = [registry];

  const requestDuration = new Histogram({
    name: name('http_request_duration_seconds'),
    help: 'A histogram of latencies for requests',
    labelNames: ['code', 'method'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const stageDuration = new Histogram({
    name: name('processing_stage_seconds'),
    help: 'Time spent per pipeline stage: load (source), process (libvips), save (storage writes)',
    labelNames: ['stage'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const resultStorage = new Counter({
    name: name('result_storage_total'),
    help: 'Result storage lookups by outcome',
    labelNames: ['outcome'] as const,
    registers,
  });
  const storage = new Counter({
    name: name('storage_total'),
    help: 'Source storage lookups by outcome',
    labelNames: ['outcome'] as const,
    registers,
  });
  const processed = new Counter({
    name: name('processed_total'),
    help: 'Images processed',
    registers,
  });
  const workerRestarts = new Counter({
    name: name('worker_restarts_total'),
    help: 'Worker processes replaced after dying (counted by the cluster primary)',
    registers,
  });

  // the detector counts in process-wide totals; a scrape adds what was counted since the last one
  const seen = { detections: 0, cacheHits: 0 };
  new Counter({
    name: name('face_detections_total'),
    help: 'Face detections by how they were answered: detector (the cascade ran) or cache',
    labelNames: ['answer'] as const,
    registers,
    collect() {
      this.inc({ answer: 'detector' }, FACE_DETECTOR_TOTALS.detections - seen.detections);
      this.inc({ answer: 'cache' }, FACE_DETECTOR_TOTALS.cacheHits - seen.cacheHits);
      seen.detections = FACE_DETECTOR_TOTALS.detections;
      seen.cacheHits = FACE_DETECTOR_TOTALS.cacheHits;
    },
  });

  let getters: GaugeGetters | undefined;
  new Gauge({
    name: name('requests_in_flight'),
    help: 'Requests holding a processing slot',
    registers,
    collect() {
      this.set(getters ? getters.inFlight() : 0);
    },
  });
  new Gauge({
    name: name('requests_queued'),
    help: 'Requests waiting for a processing slot',
    registers,
    collect() {
      this.set(getters ? getters.queued() : 0);
    },
  });

  const sampled: Array<[string, string, (g: GaugeGetters) => number | undefined]> = [
    [
      'load_bytes_in_flight',
      'Bytes of loaded sources held (-imagor-load-max-bytes-in-flight)',
      (g) => g.loadBytes?.(),
    ],
    ['load_bytes_queued', 'Loads waiting for room in that byte budget', (g) => g.loadBytesQueued?.()],
    [
      'upload_bytes_in_flight',
      'Upload bytes held (-upload-loader-max-bytes-in-flight)',
      (g) => g.uploadBytes?.(),
    ],
    ['upload_bytes_queued', 'Uploads waiting for room in that byte budget', (g) => g.uploadBytesQueued?.()],
  ];
  for (const [n, help, read] of sampled) {
    new Gauge({
      name: name(n),
      help,
      registers,
      collect() {
        this.set((getters && read(getters)) ?? 0);
      },
    });
  }

  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  return {
    registry,
    observeRequest: (info) =>
      requestDuration.observe({ code: String(info.status), method: methodLabel(info.method) }, info.seconds),
    hooks: {
      stage: (stage, ms) => stageDuration.observe({ stage }, ms / 1000),
      resultStorage: (outcome) => resultStorage.inc({ outcome }),
      storage: (outcome) => storage.inc({ outcome }),
      processed: () => processed.inc(),
    },
    setGauges: (g) => {
      getters = g;
    },
    workerRestarts,
  };
}

interface MetricsMessage {
  type: 'imagor:metrics';
  id: number;
  /** worker → primary: the answer */
  metrics?: unknown[];
  error?: string;
}

const isMetricsMessage = (m: unknown): m is MetricsMessage =>
  typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'imagor:metrics';

/**
 * Worker side: answer the primary's metrics requests with this registry's metrics.
 * Returns a function that stops answering. No-op outside a cluster worker.
 */
export function serveMetricsToPrimary(registry: Registry): () => void {
  if (!cluster.isWorker) return () => {};
  const onMessage = (m: unknown): void => {
    if (!isMetricsMessage(m) || m.metrics !== undefined || m.error !== undefined) return;
    const reply = (msg: MetricsMessage): void => {
      if (process.connected) process.send?.(msg);
    };
    registry.getMetricsAsJSON().then(
      (metrics) => reply({ type: 'imagor:metrics', id: m.id, metrics }),
      (err: unknown) => reply({ type: 'imagor:metrics', id: m.id, error: String(err) }),
    );
  };
  process.on('message', onMessage);
  return () => process.off('message', onMessage);
}

/**
 * Primary side: a getter for the metrics text over the whole cluster (this process's `registry`
 * plus every live worker's). Workers that die or do not answer within `timeoutMs` (default 2 s)
 * are left out of that scrape instead of failing it.
 */
export function createClusterCollector(
  registry: Registry,
  opts: { timeoutMs?: number } = {},
): { (): Promise<string>; contentType: string } {
  const timeoutMs = opts.timeoutMs ?? 2_000;
  let nextId = 0;
  const collect = async (): Promise<string> => {
    const id = nextId++;
    const workers = Object.values(cluster.workers ?? {}).filter(
      (w): w is NonNullable<typeof w> => w !== undefined && w.isConnected(),
    );
    const answers = await Promise.all(
      workers.map(
        (w) =>
          new Promise<unknown[] | undefined>((resolve) => {
            const done = (v: unknown[] | undefined): void => {
              clearTimeout(timer);
              w.off('message', onMessage);
              w.off('exit', onExit);
              resolve(v);
            };
            const onMessage = (m: unknown): void => {
              if (isMetricsMessage(m) && m.id === id) done(m.metrics);
            };
            const onExit = (): void => done(undefined);
            const timer = setTimeout(() => done(undefined), timeoutMs);
            w.on('message', onMessage);
            w.on('exit', onExit);
            const req: MetricsMessage = { type: 'imagor:metrics', id };
            w.send(req, (err) => {
              if (err) done(undefined);
            });
          }),
      ),
    );
    const all = [await registry.getMetricsAsJSON(), ...answers.filter((a) => a !== undefined)];
    return AggregatorRegistry.aggregate(all).metrics();
  };
  return Object.assign(collect, { contentType: registry.contentType });
}

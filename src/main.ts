#!/usr/bin/env node
import cluster from 'node:cluster';
import os from 'node:os';
import { canShareListenHandle } from './cluster/listen-handle.js';
import type { Logger } from 'pino';
import { runSupervised } from './cluster/supervisor.js';
import { workerEnv, workerNodeFlags } from './cluster/worker-settings.js';
import { loadConfig } from './config/load.js';
import { createLogger, loggerOptionsFromConfig, routeProcessWarnings } from './observability/logger.js';
import { initSentry } from './observability/sentry.js';
import { listenTarget } from './server/server.js';
import { VERSION } from './version.js';

/** once created: failures at start-up are logged as JSON lines too */
let log: Logger | undefined;

async function main(): Promise<void> {
  const result = loadConfig(process.argv.slice(2), process.env);
  if (result.kind === 'help') {
    process.stdout.write(result.text);
    return;
  }
  if (result.kind === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (result.kind === 'error') {
    process.stderr.write(`${result.message}\n${result.usage}`);
    process.exit(result.exitCode);
  }
  const config = result.config;
  const sentry = config['sentry-dsn']
    ? await initSentry({ dsn: config['sentry-dsn'], version: VERSION })
    : undefined;
  const logger = createLogger({
    ...loggerOptionsFromConfig(config),
    ...(sentry ? { errorSink: sentry } : {}),
  });
  log = logger;
  routeProcessWarnings(logger);
  // prom-client is loaded only when metrics are asked for (~5 MiB of heap in every process)
  const metricsModule = config['prometheus-bind'] ? await import('./metrics/metrics.js') : undefined;
  const metrics = metricsModule?.createMetrics({ namespace: config['prometheus-namespace'] });

  // The primary only supervises; it never loads sharp. Workers serve the shared port.
  let metricsServer: { close(): Promise<void> } | undefined;
  if (cluster.isPrimary && config['s3-loader-bucket-router-config']) {
    // a bad router file is a configuration error: refuse to start, as for a bad flag
    const { readBucketRouterConfig } = await import('./storage/s3-router.js');
    try {
      readBucketRouterConfig(config['s3-loader-bucket-router-config']);
    } catch (err) {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    }
  }
  if (cluster.isPrimary && config['face-detector']) {
    // a truncated or corrupt cascade is a configuration error too
    const { faceDetectorFromConfig } = await import('./faces/config.js');
    try {
      faceDetectorFromConfig(config);
    } catch (err) {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    }
  }
  if (cluster.isPrimary) {
    for (const name of result.unsupportedSet) {
      logger.warn({ flag: name }, `-${name} is set but not supported here; it has no effect`);
    }
    if (metrics && metricsModule) {
      const { startMetricsServer } = await import('./metrics/server.js');
      const m = await startMetricsServer({
        bind: config['prometheus-bind'],
        path: config['prometheus-path'],
        source: metricsModule.createClusterCollector(metrics.registry),
      });
      metricsServer = m;
      logger.info({ url: m.url }, 'metrics listening');
    }
  }

  await runSupervised({
    workers: config['server-workers'],
    workerEnv: workerEnv(config['server-workers'], os.availableParallelism()),
    workerExecArgv: workerNodeFlags(),
    maxWorkerMemory: config['server-worker-max-memory'],
    // the primary owns the listening socket, so it stays open while a worker is replaced
    ...(canShareListenHandle()
      ? {
          listen: listenTarget({
            bind: config['bind'],
            address: config['server-address'],
            port: config['port'],
          }),
        }
      : {}),
    logger,
    startWorker: async ({ listenHandle }) => {
      if (metrics && metricsModule) metricsModule.serveMetricsToPrimary(metrics.registry);
      const { buildServer } = await import('./build.js');
      const { startupFacts } = await import('./observability/startup.js');
      const running = await buildServer(config, logger, {
        ...(metrics ? { hooks: metrics.hooks, onResponse: metrics.observeRequest } : {}),
        ...(listenHandle ? { listenHandle } : {}),
      });
      metrics?.setGauges({
        inFlight: () => running.app.limiter.inFlight,
        queued: () => running.app.limiter.queued,
        loadBytes: () => running.app.loadBytes.held,
        loadBytesQueued: () => running.app.loadBytes.queued,
        uploadBytes: () => running.app.uploadBytes.held,
        uploadBytesQueued: () => running.app.uploadBytes.queued,
      });
      logger.info(startupFacts(config, running, VERSION), 'imagor listening');
      const watchdog = cluster.isWorker ? watchOverdueWork(running.app, logger) : undefined;
      return {
        close: async () => {
          clearInterval(watchdog);
          await running.close();
          await sentry?.close(2000);
        },
      };
    },
    onWorkerExit: (info) => {
      if (info.restart) metrics?.workerRestarts.inc();
    },
  });
  await metricsServer?.close();
  await sentry?.close(2000);
  process.exit(0);
}

/** Pixel work this long past its request's deadline is taken to be stuck in libvips. */
const OVERDUE_WORK_LIMIT_MS = 10_000;

/**
 * A worker whose pixel work outlives its request (librsvg does not stop for sharp's timeout) drains
 * and exits, which ends that work; the supervisor starts a replacement.
 */
function watchOverdueWork(app: { overdueWorkMs(): number }, logger: Logger): NodeJS.Timeout {
  const timer = setInterval(() => {
    const overdueMs = app.overdueWorkMs();
    if (overdueMs < OVERDUE_WORK_LIMIT_MS) return;
    clearInterval(timer);
    logger.warn({ overdueMs }, 'pixel work outlived its request; replacing this worker');
    // a normal exit joins libuv's thread pool, i.e. waits for the very work that is stuck: once
    // drained, this process ends with SIGKILL instead
    process.once('exit', () => process.kill(process.pid, 'SIGKILL'));
    process.kill(process.pid, 'SIGTERM');
  }, 1000);
  timer.unref();
  return timer;
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  if (log) log.fatal({ code: (err as { code?: unknown } | null)?.code }, message);
  else process.stderr.write(`imagor: ${message}\n`);
  process.exit(1);
});

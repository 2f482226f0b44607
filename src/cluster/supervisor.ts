/**
 * Crash isolation: run the server in node:cluster workers under a supervising primary.
 *
 * The primary never serves requests. It forks the workers (which share the listening port through
 * node:cluster), replaces any worker that dies — crash, SIGKILL, SIGSEGV, OOM kill, even a clean
 * exit it did not ask for — and coordinates graceful shutdown on SIGTERM/SIGINT.
 *
 * The same entry point runs in both roles: `runSupervised()` checks `cluster.isPrimary`.
 * In a worker it calls `startWorker()`, reports readiness to the primary over IPC and waits for a
 * shutdown request (IPC message from the primary, SIGTERM/SIGINT, or the primary going away), then
 * drains via `close()`. The returned promise settles when this process is done; the caller exits.
 */
import cluster, { type Worker } from 'node:cluster';
import os from 'node:os';
import type { Logger } from 'pino';

/** What the primary knows about a worker that exited. */
export interface WorkerExitInfo {
  /** cluster worker id (1, 2, ...; never reused) */
  id: number;
  pid: number | undefined;
  /** exit code, or null when killed by a signal */
  code: number | null;
  /** terminating signal (e.g. `SIGKILL`, `SIGSEGV`), or null */
  signal: string | null;
  /** the worker had finished `startWorker()` */
  ready: boolean;
  /** ms between fork and exit */
  uptimeMs: number;
  /** a replacement is (or will be, after `delayMs`) forked: count this as a restart */
  restart: boolean;
  /** delay before the replacement is forked (0 = immediately); 0 when no restart */
  delayMs: number;
}

export interface SupervisorOptions {
  /** number of worker processes; 0 (or less) = os.availableParallelism() */
  workers: number;
  logger: Logger;
  /** worker side: start serving (listen on the shared port); `close()` drains in-flight requests */
  startWorker: () => Promise<{ close(): Promise<void> }>;
  /** primary side: called for every worker exit (e.g. to count restarts in metrics) */
  onWorkerExit?: (info: WorkerExitInfo) => void;
  /** primary side: hard-kill workers still alive this long after a shutdown signal (default 15 s) */
  shutdownTimeoutMs?: number;
  /**
   * How connections reach workers (default `'none'`; the env var NODE_CLUSTER_SCHED_POLICY wins when set).
   * `'none'`: workers accept() from the shared socket themselves; a connection queued in the kernel
   * survives a worker's death. `'rr'`: the primary accepts and hands connections over IPC; a connection
   * in transit to a worker that dies is lost and the client hangs (Node never closes it), so it is
   * not the default despite its more even spread under light load.
   */
  scheduling?: 'none' | 'rr';
  /** crash-loop back-off: more than `crashLimit` deaths within `crashWindowMs` → wait `backoffMs` */
  crashLimit?: number;
  crashWindowMs?: number;
  backoffMs?: number;
  /** primary side: extra environment for every worker (settings that must be in place at process start) */
  workerEnv?: Record<string, string>;
  /** primary side: extra Node/V8 flags for every worker, after the primary's own execArgv */
  workerExecArgv?: string[];
}

/** IPC messages between the primary and its workers. */
type SupervisorMessage = { type: 'imagor:supervisor'; cmd: 'ready' | 'shutdown' };

const isSupervisorMessage = (m: unknown, cmd: SupervisorMessage['cmd']): boolean =>
  typeof m === 'object' &&
  m !== null &&
  (m as { type?: unknown }).type === 'imagor:supervisor' &&
  (m as { cmd?: unknown }).cmd === cmd;

/**
 * Crash-loop policy: returns the delay before forking a replacement. Records the death at `now`.
 * More than `limit` deaths within the last `windowMs` → `backoffMs`, else 0 (fork immediately).
 */
export function createRestartPolicy(
  limit = 10,
  windowMs = 10_000,
  backoffMs = 1_000,
): (now: number) => number {
  const deaths: number[] = [];
  return (now) => {
    deaths.push(now);
    while (deaths.length > 0 && (deaths[0] ?? now) <= now - windowMs) deaths.shift();
    return deaths.length > limit ? backoffMs : 0;
  };
}

interface WorkerState {
  worker: Worker;
  pid: number | undefined;
  forkedAt: number;
  ready: boolean;
}

const live = new Map<number, WorkerState>();

/** Primary side, for tests and diagnostics: the workers currently alive. */
export function supervisedWorkers(): Array<{ id: number; pid: number | undefined; ready: boolean }> {
  return [...live.values()].map((s) => ({ id: s.worker.id, pid: s.pid, ready: s.ready }));
}

export function runSupervised(opts: SupervisorOptions): Promise<void> {
  return cluster.isPrimary ? runPrimary(opts) : runWorker(opts);
}

function runPrimary(opts: SupervisorOptions): Promise<void> {
  const { logger } = opts;
  const count = opts.workers > 0 ? Math.floor(opts.workers) : os.availableParallelism();
  const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 15_000;
  const nextDelay = createRestartPolicy(opts.crashLimit, opts.crashWindowMs, opts.backoffMs);
  const pendingForks = new Set<NodeJS.Timeout>();
  let everReady = false;
  let stopping = false;
  let hardKillTimer: NodeJS.Timeout | undefined;

  return new Promise<void>((resolve, reject) => {
    let failure: Error | undefined;
    let finished = false;

    const fork = (): void => {
      const worker = cluster.fork(opts.workerEnv);
      const state: WorkerState = { worker, pid: worker.process.pid, forkedAt: Date.now(), ready: false };
      live.set(worker.id, state);
      logger.debug({ workerId: worker.id, workerPid: state.pid }, 'worker forked');
      worker.on('message', (m: unknown) => {
        if (!isSupervisorMessage(m, 'ready') || state.ready) return;
        state.ready = true;
        everReady = true;
        logger.info({ workerId: worker.id, workerPid: state.pid }, 'worker ready');
      });
      // e.g. ERR_IPC_CHANNEL_CLOSED when messaging a dying worker; the 'exit' handler does the rest
      worker.on('error', (err) =>
        logger.warn({ err, workerId: worker.id, workerPid: state.pid }, 'worker error'),
      );
    };

    const askToStop = (s: WorkerState): void => {
      if (s.worker.isConnected()) {
        const msg: SupervisorMessage = { type: 'imagor:supervisor', cmd: 'shutdown' };
        s.worker.send(msg, (err) => {
          if (err) s.worker.process.kill('SIGTERM');
        });
      } else {
        s.worker.process.kill('SIGTERM');
      }
    };

    const hardKill = (): void => {
      for (const s of live.values()) {
        logger.warn({ workerId: s.worker.id, workerPid: s.pid }, 'worker did not drain in time; killing it');
        s.worker.process.kill('SIGKILL');
      }
    };

    const finish = (): void => {
      if (finished) return;
      finished = true;
      cluster.off('exit', onExit);
      process.off('SIGTERM', onSigterm);
      process.off('SIGINT', onSigint);
      if (hardKillTimer) clearTimeout(hardKillTimer);
      if (failure) reject(failure);
      else {
        logger.info('all workers stopped');
        resolve();
      }
    };

    const stop = (reason: string): void => {
      if (stopping) {
        // a second signal while draining: stop waiting
        logger.warn({ reason }, 'second shutdown request; killing workers now');
        hardKill();
        return;
      }
      stopping = true;
      for (const t of pendingForks) clearTimeout(t);
      pendingForks.clear();
      logger.info({ reason, workers: live.size }, 'shutting down workers, finishing in-flight requests');
      if (live.size === 0) {
        finish();
        return;
      }
      for (const s of live.values()) askToStop(s);
      hardKillTimer = setTimeout(hardKill, shutdownTimeoutMs);
      hardKillTimer.unref();
    };

    const onExit = (worker: Worker, code: number | null, signal: string | null): void => {
      const state = live.get(worker.id);
      if (!state) return; // not one of ours
      live.delete(worker.id);
      const now = Date.now();
      const info: WorkerExitInfo = {
        id: worker.id,
        pid: state.pid,
        code,
        signal,
        ready: state.ready,
        uptimeMs: now - state.forkedAt,
        restart: false,
        delayMs: 0,
      };
      const fields = { workerId: info.id, workerPid: info.pid, code, signal, uptimeMs: info.uptimeMs };
      if (stopping) {
        logger.info(fields, 'worker stopped');
      } else if (!everReady) {
        // no worker ever came up (bad port, bad config, ...): retrying would loop forever
        logger.error(fields, 'worker failed to start; giving up');
        failure = new Error(
          `worker ${info.id} exited during startup (${signal ? `signal ${signal}` : `code ${String(code)}`})`,
        );
        stop('startup failure');
      } else {
        info.restart = true;
        info.delayMs = nextDelay(now);
        logger.error(
          { ...fields, restartInMs: info.delayMs },
          info.delayMs > 0
            ? 'worker died (crash loop); replacing it after a back-off'
            : 'worker died; replacing it',
        );
        if (info.delayMs === 0) fork();
        else {
          const t = setTimeout(() => {
            pendingForks.delete(t);
            if (!stopping) fork();
          }, info.delayMs);
          pendingForks.add(t);
        }
      }
      try {
        opts.onWorkerExit?.(info);
      } catch (err) {
        logger.warn({ err }, 'onWorkerExit hook failed');
      }
      if (stopping && live.size === 0) finish();
    };

    const onSigterm = (): void => stop('SIGTERM');
    const onSigint = (): void => stop('SIGINT');
    cluster.on('exit', onExit);
    process.on('SIGTERM', onSigterm);
    process.on('SIGINT', onSigint);

    if (!process.env['NODE_CLUSTER_SCHED_POLICY']) {
      cluster.schedulingPolicy = opts.scheduling === 'rr' ? cluster.SCHED_RR : cluster.SCHED_NONE;
    }
    // after the policy: the first setupPrimary() fixes it for good
    if (opts.workerExecArgv?.length) {
      cluster.setupPrimary({ execArgv: [...process.execArgv, ...opts.workerExecArgv] });
    }
    logger.info(
      { workers: count, scheduling: cluster.schedulingPolicy === cluster.SCHED_RR ? 'rr' : 'none' },
      'supervisor starting workers',
    );
    for (let i = 0; i < count; i++) fork();
  });
}

async function runWorker(opts: SupervisorOptions): Promise<void> {
  const { logger } = opts;
  let running: { close(): Promise<void> } | undefined;
  let stopRequested: string | undefined;
  let draining: Promise<void> | undefined;
  let markDone: () => void = () => {};
  const done = new Promise<void>((r) => (markDone = r));

  const drain = (): void => {
    if (draining || !running) return;
    const r = running;
    draining = r.close().then(
      () => markDone(),
      (err: unknown) => {
        logger.error({ err }, 'worker close failed');
        process.exitCode = 1;
        markDone();
      },
    );
  };
  const requestStop = (reason: string): void => {
    if (stopRequested) return;
    stopRequested = reason;
    logger.debug({ reason }, 'worker draining');
    drain();
  };

  const onMessage = (m: unknown): void => {
    if (isSupervisorMessage(m, 'shutdown')) requestStop('primary');
  };
  const onSigterm = (): void => requestStop('SIGTERM');
  const onSigint = (): void => requestStop('SIGINT');
  const onDisconnect = (): void => requestStop('primary gone');
  process.on('message', onMessage);
  process.on('SIGTERM', onSigterm);
  process.on('SIGINT', onSigint);
  process.on('disconnect', onDisconnect);

  try {
    running = await opts.startWorker();
    if (process.connected) {
      const msg: SupervisorMessage = { type: 'imagor:supervisor', cmd: 'ready' };
      process.send?.(msg);
    }
    if (stopRequested) drain();
    await done;
  } finally {
    process.off('message', onMessage);
    process.off('SIGTERM', onSigterm);
    process.off('SIGINT', onSigint);
    process.off('disconnect', onDisconnect);
  }
}

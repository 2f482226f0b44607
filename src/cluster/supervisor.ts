/**
 * Crash isolation: run the server in node:cluster workers under a supervising primary.
 *
 * The primary never serves requests. It forks the workers, replaces any worker that dies — crash,
 * SIGKILL, SIGSEGV, OOM kill, even a clean exit it did not ask for — and coordinates graceful shutdown
 * on SIGTERM/SIGINT. It also:
 * - owns the listening socket (`listen`): it binds it once and hands it to every worker, which only
 *   accept()s from it. The socket outlives any worker, so a connection that arrives while no worker
 *   runs waits in the kernel's backlog for the replacement instead of being refused;
 * - checks each worker's liveness with a heartbeat over IPC and kills one that stops answering
 *   (a frozen process: SIGSTOP, a blocked event loop), which then gets replaced like a crash;
 * - recycles a worker whose RSS stays above `maxWorkerMemory`: a replacement is forked first, and the
 *   old worker drains (finishes its in-flight requests) once the new one is ready.
 * Workers die with their primary: the kernel kills them when it goes (Linux, prctl PR_SET_PDEATHSIG),
 * and elsewhere they kill themselves when the IPC channel closes.
 *
 * The same entry point runs in both roles: `runSupervised()` checks `cluster.isPrimary`.
 * In a worker it calls `startWorker()`, reports readiness to the primary over IPC and waits for a
 * shutdown request (IPC message from the primary, SIGTERM/SIGINT, or the primary going away), then
 * drains via `close()`. The returned promise settles when this process is done; the caller exits.
 */
import cluster, { type Worker } from 'node:cluster';
import dns from 'node:dns/promises';
import net from 'node:net';
import os from 'node:os';
import type { Logger } from 'pino';
import { SUPERVISOR_PID_ENV, dieWithParent } from './parent-death.js';
import { bindListenHandle, type ListenHandle } from './listen-handle.js';

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
  /** the worker was retired for its memory (its replacement was forked before it left) */
  recycled: boolean;
}

/** What a worker's `startWorker()` gets from the primary. */
export interface WorkerContext {
  /**
   * The primary's listening socket (when `listen` is set): pass it to `server.listen(handle)` instead of a
   * port. Undefined when the primary does not own the socket.
   */
  listenHandle?: ListenHandle;
}

export interface SupervisorOptions {
  /** number of worker processes; 0 (or less) = os.availableParallelism() */
  workers: number;
  logger: Logger;
  /** worker side: start serving (listen on the shared port); `close()` drains in-flight requests */
  startWorker: (ctx: WorkerContext) => Promise<{ close(): Promise<void> }>;
  /**
   * Primary side: the address the primary binds once and hands to every worker (`ctx.listenHandle`). A
   * host name is resolved like `server.listen()` does. Without it, workers listen themselves and
   * node:cluster shares the port (closed while no worker runs).
   */
  listen?: { host: string | undefined; port: number };
  /** primary side: ping every worker this often (default 1 s) */
  heartbeatIntervalMs?: number;
  /** primary side: kill a ready worker that has not answered a ping for this long (default 5 s; 0 = never) */
  heartbeatTimeoutMs?: number;
  /** primary side: recycle a worker whose RSS (bytes) stays above this (0 = no ceiling, the default) */
  maxWorkerMemory?: number;
  /** primary side: consecutive heartbeats above `maxWorkerMemory` that trigger a recycle (default 3) */
  memorySamples?: number;
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
interface SupervisorMessage {
  type: 'imagor:supervisor';
  /** worker → primary: hello (asks for the socket), ready, pong; primary → worker: hello, ping, shutdown */
  cmd: 'hello' | 'ready' | 'shutdown' | 'ping' | 'pong';
  /** ping/pong: sequence number */
  seq?: number;
  /** pong: the worker's resident set size in bytes */
  rss?: number;
}

const isSupervisorMessage = (m: unknown, cmd: SupervisorMessage['cmd']): m is SupervisorMessage =>
  typeof m === 'object' &&
  m !== null &&
  (m as { type?: unknown }).type === 'imagor:supervisor' &&
  (m as { cmd?: unknown }).cmd === cmd;

const message = (
  cmd: SupervisorMessage['cmd'],
  extra: Partial<SupervisorMessage> = {},
): SupervisorMessage => ({
  type: 'imagor:supervisor',
  cmd,
  ...extra,
});

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
  /** said hello: its IPC handler runs, so it answers pings from here on (also while it starts) */
  greeted: boolean;
  /** last pong (or hello, or ready) time */
  lastPong: number;
  /** consecutive pongs with RSS above the ceiling */
  highSamples: number;
  /** being replaced for its memory: asked to drain once its replacement is ready; never replaced itself */
  retiring: boolean;
  /** this worker replaces (the retiring worker with) this cluster id */
  replaces: number | undefined;
  /** killed for not answering the heartbeat */
  unresponsive: boolean;
}

const live = new Map<number, WorkerState>();

/** Primary side, for tests and diagnostics: the workers currently alive. */
export function supervisedWorkers(): Array<{ id: number; pid: number | undefined; ready: boolean }> {
  return [...live.values()].map((s) => ({ id: s.worker.id, pid: s.pid, ready: s.ready }));
}

export function runSupervised(opts: SupervisorOptions): Promise<void> {
  return cluster.isPrimary ? runPrimary(opts) : runWorker(opts);
}

async function runPrimary(opts: SupervisorOptions): Promise<void> {
  const { logger } = opts;
  const count = opts.workers > 0 ? Math.floor(opts.workers) : os.availableParallelism();
  const shutdownTimeoutMs = opts.shutdownTimeoutMs ?? 15_000;
  const heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 1_000;
  const heartbeatTimeoutMs = opts.heartbeatTimeoutMs ?? 5_000;
  const maxMemory = opts.maxWorkerMemory ?? 0;
  const memorySamples = Math.max(1, opts.memorySamples ?? 3);
  const nextDelay = createRestartPolicy(opts.crashLimit, opts.crashWindowMs, opts.backoffMs);

  // bind before the first fork: a busy port is a start-up error of the primary
  const handle = opts.listen
    ? await bindListenHandle(await resolveHost(opts.listen.host), opts.listen.port)
    : undefined;

  const pendingForks = new Set<NodeJS.Timeout>();
  let everReady = false;
  let stopping = false;
  let hardKillTimer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let seq = 0;

  return new Promise<void>((resolve, reject) => {
    let failure: Error | undefined;
    let finished = false;

    const send = (s: WorkerState, m: SupervisorMessage, h?: ListenHandle): void => {
      if (!s.worker.isConnected()) return;
      try {
        s.worker.send(m, h as net.Server | undefined, (err: Error | null) => {
          if (err) logger.debug({ err, workerId: s.worker.id }, 'message to worker failed');
        });
      } catch (err) {
        logger.debug({ err, workerId: s.worker.id }, 'message to worker failed');
      }
    };

    const fork = (replaces?: number): void => {
      const worker = cluster.fork({ ...opts.workerEnv, [SUPERVISOR_PID_ENV]: String(process.pid) });
      const state: WorkerState = {
        worker,
        pid: worker.process.pid,
        forkedAt: Date.now(),
        ready: false,
        greeted: false,
        lastPong: Date.now(),
        highSamples: 0,
        retiring: false,
        replaces,
        unresponsive: false,
      };
      live.set(worker.id, state);
      logger.debug({ workerId: worker.id, workerPid: state.pid }, 'worker forked');
      worker.on('message', (m: unknown) => {
        if (isSupervisorMessage(m, 'hello')) {
          state.greeted = true;
          state.lastPong = Date.now();
          send(state, message('hello'), handle);
        } else if (isSupervisorMessage(m, 'pong')) {
          onPong(state, m);
        } else if (isSupervisorMessage(m, 'ready') && !state.ready) {
          state.ready = true;
          state.lastPong = Date.now();
          everReady = true;
          logger.info({ workerId: worker.id, workerPid: state.pid }, 'worker ready');
          const old = state.replaces === undefined ? undefined : live.get(state.replaces);
          state.replaces = undefined;
          if (old && !stopping) {
            logger.info(
              { workerId: old.worker.id, workerPid: old.pid, replacementPid: state.pid },
              'replacement ready; draining the retired worker',
            );
            retire(old);
          }
        }
      });
      // e.g. ERR_IPC_CHANNEL_CLOSED when messaging a dying worker; the 'exit' handler does the rest
      worker.on('error', (err) =>
        logger.warn({ err, workerId: worker.id, workerPid: state.pid }, 'worker error'),
      );
    };

    const onPong = (s: WorkerState, m: SupervisorMessage): void => {
      s.lastPong = Date.now();
      const rss = typeof m.rss === 'number' ? m.rss : 0;
      if (maxMemory <= 0 || !s.ready || s.retiring || stopping) return;
      s.highSamples = rss > maxMemory ? s.highSamples + 1 : 0;
      if (s.highSamples < memorySamples) return;
      // one replacement at a time for this worker: it is retiring from now on
      s.retiring = true;
      logger.warn(
        { workerId: s.worker.id, workerPid: s.pid, rss, maxMemory },
        'worker memory stays above the ceiling; replacing it',
      );
      fork(s.worker.id);
    };

    /** Drain a retired worker; kill it if it does not finish in time. */
    const retire = (s: WorkerState): void => {
      askToStop(s);
      const t = setTimeout(() => {
        if (live.get(s.worker.id) !== s) return;
        logger.warn(
          { workerId: s.worker.id, workerPid: s.pid },
          'retired worker did not drain in time; killing it',
        );
        s.worker.process.kill('SIGKILL');
      }, shutdownTimeoutMs);
      t.unref();
    };

    const beat = (): void => {
      const now = Date.now();
      for (const s of live.values()) {
        // a worker frozen while it starts (after its hello) is caught too, not only a ready one
        if (!(s.ready || s.greeted) || s.unresponsive) continue;
        if (heartbeatTimeoutMs > 0 && now - s.lastPong > heartbeatTimeoutMs) {
          s.unresponsive = true;
          logger.error(
            { workerId: s.worker.id, workerPid: s.pid, silentMs: now - s.lastPong },
            'worker does not answer the heartbeat; killing it',
          );
          s.worker.process.kill('SIGKILL');
          continue;
        }
        send(s, message('ping', { seq: ++seq }));
      }
    };

    const askToStop = (s: WorkerState): void => {
      if (s.worker.isConnected()) {
        s.worker.send(message('shutdown'), (err: Error | null) => {
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
      if (heartbeat) clearInterval(heartbeat);
      handle?.close();
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
      // the workers' copies keep the socket open while they drain; none accept new connections after
      handle?.close();
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
        recycled: state.retiring,
      };
      const fields = { workerId: info.id, workerPid: info.pid, code, signal, uptimeMs: info.uptimeMs };
      if (stopping) {
        logger.info(fields, 'worker stopped');
      } else if (state.retiring) {
        // its replacement was forked when it was retired (and is ready, unless the old one died first)
        logger.info(fields, 'retired worker stopped');
      } else if (!everReady && !state.unresponsive) {
        // no worker ever came up (bad port, bad config, ...): retrying would loop forever
        logger.error(fields, 'worker failed to start; giving up');
        failure = new Error(
          `worker ${info.id} exited during startup (${signal ? `signal ${signal}` : `code ${String(code)}`})`,
        );
        stop('startup failure');
      } else {
        info.restart = true;
        info.delayMs = nextDelay(now);
        // a replacement that died before it was ready hands its job over
        const replaces =
          state.replaces !== undefined && live.has(state.replaces) ? state.replaces : undefined;
        logger.error(
          { ...fields, restartInMs: info.delayMs },
          info.delayMs > 0
            ? 'worker died (crash loop); replacing it after a back-off'
            : 'worker died; replacing it',
        );
        if (info.delayMs === 0) fork(replaces);
        else {
          const t = setTimeout(() => {
            pendingForks.delete(t);
            if (!stopping) fork(replaces);
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
      {
        workers: count,
        scheduling: handle ? 'shared-socket' : cluster.schedulingPolicy === cluster.SCHED_RR ? 'rr' : 'none',
      },
      'supervisor starting workers',
    );
    if (heartbeatIntervalMs > 0) {
      heartbeat = setInterval(beat, heartbeatIntervalMs);
      heartbeat.unref();
    }
    for (let i = 0; i < count; i++) fork();
  });
}

/** A host name → the address `server.listen()` would bind; IP literals and "any" pass through. */
async function resolveHost(host: string | undefined): Promise<string | undefined> {
  if (host === undefined || host === '' || net.isIP(host) !== 0) return host || undefined;
  return (await dns.lookup(host)).address;
}

async function runWorker(opts: SupervisorOptions): Promise<void> {
  const { logger } = opts;
  // the kernel kills this process when the primary dies (Linux); a blocked event loop cannot delay it
  dieWithParent(logger);
  // elsewhere (and as a second line): the IPC channel closing means the primary is gone. Exit at once:
  // node:cluster's own handler calls process.exit(), which waits for running libvips work to end.
  const onDisconnect = (): void => {
    logger.warn('supervisor gone; worker exiting');
    process.kill(process.pid, 'SIGKILL');
  };
  process.prependListener('disconnect', onDisconnect);

  let running: { close(): Promise<void> } | undefined;
  let stopRequested: string | undefined;
  let draining: Promise<void> | undefined;
  let markDone: () => void = () => {};
  const done = new Promise<void>((r) => (markDone = r));
  let gotHello: (h: ListenHandle | undefined) => void = () => {};
  const hello = new Promise<ListenHandle | undefined>((r) => (gotHello = r));

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

  const onMessage = (m: unknown, h: unknown): void => {
    if (isSupervisorMessage(m, 'shutdown')) requestStop('primary');
    else if (isSupervisorMessage(m, 'ping')) {
      process.send?.(message('pong', { seq: m.seq ?? 0, rss: process.memoryUsage.rss() }));
    } else if (isSupervisorMessage(m, 'hello')) gotHello((h ?? undefined) as ListenHandle | undefined);
  };
  const onSigterm = (): void => requestStop('SIGTERM');
  const onSigint = (): void => requestStop('SIGINT');
  process.on('message', onMessage);
  process.on('SIGTERM', onSigterm);
  process.on('SIGINT', onSigint);

  try {
    let listenHandle: ListenHandle | undefined;
    if (process.connected) {
      process.send?.(message('hello'));
      listenHandle = await hello;
    }
    running = await opts.startWorker(listenHandle ? { listenHandle } : {});
    if (process.connected) process.send?.(message('ready'));
    if (stopRequested) drain();
    await done;
  } finally {
    process.off('message', onMessage);
    process.off('SIGTERM', onSigterm);
    process.off('SIGINT', onSigint);
    process.off('disconnect', onDisconnect);
  }
}

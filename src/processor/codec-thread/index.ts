import { Worker } from 'node:worker_threads';
import { ImagorError, maxResolutionExceeded, scrubPaths } from '../../errors.js';
import { abortedWork } from '../work-scope.js';
import type { CodecJob, CodecReply, CodecResult } from './protocol.js';

export type { CodecJob, CodecResult, PixelLimits } from './protocol.js';
export { exceedsLimits } from './protocol.js';

/**
 * The processor's side of the codec thread (./worker.ts): one thread per process, started on the
 * first job and ended after IDLE_MS without work, after a large image or after a failed job; jobs
 * run one at a time in arrival order. A job whose request is aborted (deadline, closed client)
 * while it runs ends the thread, which stops the computation; the next job starts a fresh one.
 */

const IDLE_MS = 10_000;
/**
 * WebAssembly memory only grows: a thread whose job handed back more than this many bytes (a 2900x2900
 * RGBA image) is ended right after it, so that the memory goes back to the system at once.
 */
const RECYCLE_BYTES = 32 << 20;

interface Pending {
  id: number;
  job: CodecJob;
  transfer: ArrayBuffer[];
  signal: AbortSignal | undefined;
  resolve(r: CodecResult): void;
  reject(e: ImagorError): void;
  onAbort?: () => void;
}

let thread: Worker | undefined;
let running: Pending | undefined;
const queue: Pending[] = [];
let nextId = 1;
let idleTimer: NodeJS.Timeout | undefined;
let started = 0;

/** The codec's module could not be loaded: the format has no decoder or encoder here (406). */
export class CodecUnavailable extends ImagorError {
  constructor() {
    super(406, 'unsupported format');
  }
}

function failureError(reply: Extract<CodecReply, { ok: false }>): ImagorError {
  const f = reply.failure;
  if (f.kind === 'resolution') return maxResolutionExceeded();
  if (f.kind === 'unavailable') return new CodecUnavailable();
  return new ImagorError(406, scrubPaths(f.message));
}

function spawn(): Worker {
  const w = new Worker(new URL('./worker.js', import.meta.url));
  started++;
  w.on('message', (reply: CodecReply) => {
    const p = running;
    if (!p || p.id !== reply.id) return;
    finish(p);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(failureError(reply));
    // after a failure the codec's state is not trusted (a WebAssembly trap can leave it broken)
    if (thread === w && (!reply.ok || reply.result.data.byteLength > RECYCLE_BYTES)) {
      thread = undefined;
      void w.terminate();
    }
    next();
  });
  // a thread that dies (out of memory, a codec crash) fails its job, not the process
  w.on('error', (err) =>
    lost(w, new ImagorError(500, `codec thread failed: ${scrubPaths(err.message)}`, { cause: err })),
  );
  w.on('exit', () => lost(w, new ImagorError(500, 'codec thread exited')));
  return w;
}

/** The thread `w` is gone: its job (if any) fails with `err`, and the queue goes on in a new thread. */
function lost(w: Worker, err: ImagorError): void {
  if (thread !== w) return;
  thread = undefined;
  const p = running;
  if (p) {
    finish(p);
    p.reject(err);
  }
  next();
}

function finish(p: Pending): void {
  if (p.onAbort) p.signal?.removeEventListener('abort', p.onAbort);
  if (running === p) running = undefined;
}

function next(): void {
  if (running) return;
  const p = queue.shift();
  if (!p) {
    if (thread) {
      thread.unref();
      const idle = thread;
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        if (thread === idle && !running) {
          thread = undefined;
          void idle.terminate();
        }
      }, IDLE_MS).unref();
    }
    return;
  }
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  running = p;
  thread ??= spawn();
  thread.ref();
  thread.postMessage({ ...p.job, id: p.id }, p.transfer);
}

/**
 * Runs a codec job in the codec thread. The buffers in `transfer` move to the thread (they are
 * unusable here afterwards). Rejects with the request's own error when `signal` fires first.
 */
export function runCodec(job: CodecJob, transfer: ArrayBuffer[], signal?: AbortSignal): Promise<CodecResult> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedWork(signal));
    const p: Pending = { id: nextId++, job, transfer, signal, resolve, reject };
    if (signal) {
      p.onAbort = () => {
        const i = queue.indexOf(p);
        if (i >= 0) queue.splice(i, 1);
        else if (running === p && thread) {
          // the computation cannot be interrupted inside the thread: the thread goes
          const w = thread;
          thread = undefined;
          void w.terminate();
        }
        finish(p);
        reject(abortedWork(signal));
        next();
      };
      signal.addEventListener('abort', p.onAbort, { once: true });
    }
    queue.push(p);
    next();
  });
}

/** The bytes in an ArrayBuffer of their own, to hand to the codec thread (the original stays intact). */
export function transferableCopy(data: Buffer): ArrayBuffer {
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}

/** Threads started so far in this process (tests check that an aborted job ended its thread). */
export function codecThreadsStarted(): number {
  return started;
}

import { createRequire } from 'node:module';
import type { Processor } from '../types.js';

/** Starts one trim of the C heap on a pool thread and calls `done` when it has finished. */
export type TrimCall = (done: () => void) => void;

/**
 * glibc's `malloc_trim(0)`, called through koffi on a libuv pool thread. glibc gives memory back to the
 * kernel only from the top of each malloc arena; libvips and the codecs leave the arenas fragmented, so
 * after a few hundred images a worker held 55–75 MiB of free but resident pages that no later image
 * reused (bench/README.md). `malloc_trim(0)` releases every whole free page inside the arenas too.
 * Undefined where there is no glibc (musl has no `libc.so.6`, other systems no malloc_trim).
 */
export function loadMallocTrim(): TrimCall | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
    const trim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)');
    return (done) => {
      trim.async(0, () => done());
    };
  } catch {
    return undefined;
  }
}

export interface HeapTrimmer {
  /** An image is done: trims now or when the interval has passed, and once more after a quiet second. */
  afterWork(): void;
  /** Trims finished so far. */
  readonly trims: number;
}

export interface IdleCollect {
  /** true when no image is being worked on */
  idle(): boolean;
  /** a full JavaScript garbage collection (`gc` of `--expose-gc`), when there is one */
  collect?: (() => void) | undefined;
}

/** V8's `gc()` when the process runs with `--expose-gc` (the supervisor gives it to its workers). */
export function exposedGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? () => void (gc as () => unknown)() : undefined;
}

/**
 * Trims at most once per `intervalMs` while images keep finishing, so a busy worker does not fault the
 * same pages in again for every image: each trim's `madvise` calls stall the libvips threads, and a trim
 * every second cost ~5 % CPU per JPEG at two connections, one every five seconds nothing measurable.
 * `intervalMs <= 0` or no `trim` turns it off.
 *
 * A worker that has finished no image for `quietMs` (at most a second) and has none in flight trims at
 * once, after a full garbage collection when `whenIdle` can run one: source buffers of finished images are
 * freed only when V8 collects them, and a burst of large sources (5 MB PNGs) otherwise stayed resident
 * until the next busy period. Only a quiet worker collects: between two requests of a steady stream at
 * one or two connections the worker is briefly idle too, and collecting there cost ~4 % CPU per request.
 */
export function createHeapTrimmer(
  intervalMs: number,
  trim: TrimCall | undefined,
  whenIdle?: IdleCollect,
): HeapTrimmer {
  let count = 0;
  if (intervalMs <= 0 || !trim) {
    return { afterWork: () => undefined, trims: 0 };
  }
  const quietMs = Math.min(1_000, intervalMs);
  let last = -Infinity;
  let lastWork = -Infinity;
  let running = false;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let quietTimer: NodeJS.Timeout | undefined;

  const run = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    running = true;
    trim(() => {
      running = false;
      count++;
      last = Date.now();
      if (again) {
        again = false;
        schedule();
      }
    });
  };
  const schedule = (): void => {
    if (running) {
      again = true;
      return;
    }
    if (timer) return;
    const wait = last + intervalMs - Date.now();
    if (wait <= 0) return run();
    timer = setTimeout(run, wait);
    timer.unref();
  };
  const armQuiet = (delay: number): void => {
    quietTimer = setTimeout(onQuiet, delay);
    quietTimer.unref();
  };
  const onQuiet = (): void => {
    quietTimer = undefined;
    const left = lastWork + quietMs - Date.now();
    if (left > 0) return armQuiet(left);
    if (whenIdle && !whenIdle.idle()) return;
    whenIdle?.collect?.();
    if (running) again = true;
    else run();
  };
  return {
    afterWork: () => {
      lastWork = Date.now();
      schedule();
      if (!quietTimer) armQuiet(quietMs);
    },
    get trims() {
      return count;
    },
  };
}

/**
 * The processor with the heap trimmer told of every image it finishes, failed or not; `collect` (V8's gc)
 * runs when the worker has been quiet for a second with no image in flight.
 */
export function trimAfterProcessing<P extends Processor>(
  processor: P,
  intervalMs: number,
  trim: TrimCall | undefined,
  collect?: () => void,
): { processor: P; trimmer: HeapTrimmer } {
  let inFlight = 0;
  const trimmer = createHeapTrimmer(intervalMs, trim, { idle: () => inFlight === 0, collect });
  const process: Processor['process'] = (blob, params, ctx) => {
    inFlight++;
    return processor.process(blob, params, ctx).finally(() => {
      inFlight--;
      trimmer.afterWork();
    });
  };
  return { processor: { ...processor, process }, trimmer };
}

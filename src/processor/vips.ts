import sharp from 'sharp';
import { ProcessLimiter } from '../limiter.js';
import { workSignal } from './work-scope.js';

export interface VipsSettings {
  /** libvips threads per image: -1 = one per core, 0 = leave sharp's default, N = N */
  concurrency: number;
  /** libvips operation cache: imagor's -vips-max-cache-files/-size/-mem; all 0 = off (imagor's default) */
  maxCacheFiles: number;
  maxCacheSize: number;
  maxCacheMem: number;
}

/**
 * Process-wide libvips settings. The operation cache is off unless asked for: a server sees each
 * source once per result, so cached operations only hold memory (measured in bench/README.md).
 */
export function configureVips(s: VipsSettings): void {
  if (s.concurrency < 0) sharp.concurrency(0);
  else if (s.concurrency > 0) sharp.concurrency(s.concurrency);
  if (s.maxCacheFiles <= 0 && s.maxCacheSize <= 0 && s.maxCacheMem <= 0) {
    sharp.cache(false);
  } else {
    sharp.cache({
      files: Math.max(0, s.maxCacheFiles),
      items: Math.max(0, s.maxCacheSize),
      memory: Math.max(0, Math.floor(s.maxCacheMem / (1024 * 1024))),
    });
  }
}

/**
 * The environment for the system's `vips` command: sharp sets VIPSHOME for its own libvips, which
 * would hide the system's loader and saver modules.
 */
export function vipsCommandEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.VIPSHOME;
  return env;
}

/**
 * One `vips` command at a time per worker: a child decodes or encodes the whole image in its own
 * memory (a 9000x9000 JPEG XL takes about 600 MiB), so several at once would multiply the process
 * tree's peak. Others wait (until their request's deadline, 408); more than 64 waiting answer 429.
 */
const commandGate = new ProcessLimiter(1, 64);
const never = new AbortController().signal;

export async function withVipsCommand<T>(fn: () => Promise<T>): Promise<T> {
  const release = await commandGate.acquire(workSignal() ?? never);
  try {
    return await fn();
  } finally {
    release();
  }
}

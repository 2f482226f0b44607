/**
 * Process-start settings the supervisor gives its workers, each measured with `npm run bench`
 * (bench/README.md). Anything the operator already set wins.
 */
import { coresPerWorker, poolThreads } from '../app/capacity.js';

/**
 * Settings glibc and libuv read only at process start:
 * - two malloc arenas per core instead of glibc's eight cut peak RSS by a third; with one per core the
 *   libvips threads of two images waited on the arena locks (~5 % fewer req/s for JPEG at 2
 *   connections, for ~10 MiB less RSS at 32);
 * - blocks of 2 MiB and more (whole images: sources, decoded frames) are mapped and unmapped one by one
 *   instead of glibc's adaptive threshold, which after the first large free() serves later images from
 *   the arenas, where their memory stays resident after the image is done (RSS at 32 connections
 *   −40 to −70 MiB; costs AVIF decoding ~8 % CPU in page faults with 4 KiB pages, nothing measurable
 *   elsewhere);
 * - malloc asks for transparent huge pages on those mapped blocks (`glibc.malloc.hugetlb=1`, effective
 *   where the kernel's THP mode is `madvise`): an AVIF decode faults in ~80 MB of fresh buffers, and with
 *   2 MiB pages it costs 4–6 % less CPU; JPEG, PNG and fit-in measured the same, peak RSS no higher;
 * - libuv's pool: one thread per image slot of the app and one more (src/app/capacity.ts).
 */
export function workerEnv(
  workers: number,
  cores: number,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const own = coresPerWorker(workers, cores);
  const out: Record<string, string> = {};
  if (!env['MALLOC_ARENA_MAX']) out['MALLOC_ARENA_MAX'] = String(2 * own);
  if (!env['MALLOC_MMAP_THRESHOLD_']) out['MALLOC_MMAP_THRESHOLD_'] = String(2 * 1024 * 1024);
  if (!env['UV_THREADPOOL_SIZE']) out['UV_THREADPOOL_SIZE'] = String(poolThreads(own));
  const tunables = env['GLIBC_TUNABLES'] ?? '';
  if (!/(^|:)glibc\.malloc\.hugetlb=/.test(tunables)) {
    out['GLIBC_TUNABLES'] = tunables ? `${tunables}:glibc.malloc.hugetlb=1` : 'glibc.malloc.hugetlb=1';
  }
  return out;
}

/**
 * V8 flags for workers. With V8's default (small) initial old generation, a worker under load ran a
 * mark-compact every few requests although its live heap stayed ~10 MB: the sources and results are
 * large external buffers (`--trace-gc`: 36 mark-compacts in 170 PNG requests, ~3 ms of CPU per request;
 * ~0.5 ms per JPEG). V8 counts the Buffer bytes allocated since the last mark-compact against the old
 * generation's limit; a 64 MiB initial old generation raises that limit: 19 mark-compacts per 300 PNG
 * requests instead of 52 (48 MiB: 35), with no rise in peak RSS. A heap-size flag given in NODE_OPTIONS or
 * to node itself wins. `--expose-gc` lets the heap trimmer collect the garbage of an idle worker.
 */
export function workerNodeFlags(
  execArgv: readonly string[] = process.execArgv,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const given = [...execArgv, env['NODE_OPTIONS'] ?? ''].join(' ');
  const flags: string[] = [];
  if (!/--(initial-old-space-size|initial-heap-size|max-old-space-size)\b/.test(given)) {
    flags.push('--initial-old-space-size=64');
  }
  // the heap trimmer collects garbage before trimming an idle worker (src/processor/heap-trim.ts)
  if (!/--expose[-_]gc\b/.test(given)) flags.push('--expose-gc');
  return flags;
}

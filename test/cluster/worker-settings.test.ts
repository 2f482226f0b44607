import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { workerEnv, workerNodeFlags } from '../../src/cluster/worker-settings.js';

/** The kernel's transparent-huge-page mode (the bracketed word), undefined off Linux. */
function thpMode(): string | undefined {
  try {
    return /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

describe('worker process settings', () => {
  const mapped = { MALLOC_MMAP_THRESHOLD_: '2097152', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };

  it('two malloc arenas per core, whole images mapped, a libuv pool of the image slots plus one', () => {
    assert.deepEqual(workerEnv(1, 2, {}), { ...mapped, MALLOC_ARENA_MAX: '4', UV_THREADPOOL_SIZE: '4' });
    assert.deepEqual(workerEnv(1, 8, {}), { ...mapped, MALLOC_ARENA_MAX: '16', UV_THREADPOOL_SIZE: '13' });
    // one worker per core (0): each gets the share of one core
    assert.deepEqual(workerEnv(0, 8, {}), { ...mapped, MALLOC_ARENA_MAX: '2', UV_THREADPOOL_SIZE: '3' });
    // two workers on eight cores: four each
    assert.deepEqual(workerEnv(2, 8, {}), { ...mapped, MALLOC_ARENA_MAX: '8', UV_THREADPOOL_SIZE: '7' });
  });

  it("the operator's environment wins", () => {
    const given = {
      MALLOC_ARENA_MAX: '8',
      MALLOC_MMAP_THRESHOLD_: '131072',
      UV_THREADPOOL_SIZE: '4',
      GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0',
    };
    assert.deepEqual(workerEnv(1, 2, given), {});
  });

  it("huge pages are added to the operator's other glibc tunables", () => {
    const given = { MALLOC_ARENA_MAX: '8', MALLOC_MMAP_THRESHOLD_: '131072', UV_THREADPOOL_SIZE: '4' };
    assert.deepEqual(workerEnv(1, 2, { ...given, GLIBC_TUNABLES: 'glibc.malloc.tcache_count=0' }), {
      GLIBC_TUNABLES: 'glibc.malloc.tcache_count=0:glibc.malloc.hugetlb=1',
    });
    assert.deepEqual(
      workerEnv(1, 2, { ...given, GLIBC_TUNABLES: 'glibc.malloc.tcache_count=0:glibc.malloc.hugetlb=0' }),
      {},
    );
  });

  it(
    "a worker's image-sized blocks are backed by transparent huge pages",
    { skip: thpMode() === 'madvise' ? false : `kernel THP mode is ${thpMode() ?? 'unknown'}, not madvise` },
    () => {
      // a 16 MiB Buffer is one mapped malloc block; count its huge pages with and without the settings
      const script = `const b = Buffer.alloc(16 << 20, 1);
        const m = /AnonHugePages:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/smaps_rollup', 'utf8'));
        process.stdout.write(String(m ? Number(m[1]) : -1) + ' ' + b.length);`;
      const hugeKiB = (env: NodeJS.ProcessEnv): number => {
        const out = execFileSync(process.execPath, ['-e', script], { env, encoding: 'utf8' });
        return Number(out.split(' ')[0]);
      };
      const base = { ...process.env };
      delete base['GLIBC_TUNABLES'];
      delete base['MALLOC_MMAP_THRESHOLD_'];
      assert.equal(hugeKiB(base), 0);
      assert.ok(hugeKiB({ ...base, ...workerEnv(1, 2, {}) }) >= 8 * 1024);
    },
  );

  it('a 64 MiB initial old generation unless a heap size is already given, and gc exposed', () => {
    assert.deepEqual(workerNodeFlags([], {}), ['--initial-old-space-size=64', '--expose-gc']);
    assert.deepEqual(workerNodeFlags(['--max-old-space-size=512'], {}), ['--expose-gc']);
    assert.deepEqual(
      workerNodeFlags([], { NODE_OPTIONS: '--initial-old-space-size=16 --trace-warnings --expose-gc' }),
      [],
    );
    assert.deepEqual(workerNodeFlags(['--enable-source-maps'], { NODE_OPTIONS: '--no-warnings' }), [
      '--initial-old-space-size=64',
      '--expose-gc',
    ]);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { workerEnv, workerNodeFlags } from '../../src/cluster/worker-settings.js';

describe('worker process settings', () => {
  const mapped = { MALLOC_MMAP_THRESHOLD_: '2097152' };

  it('two malloc arenas per core, whole images mapped, a libuv pool of two images per core plus four', () => {
    assert.deepEqual(workerEnv(1, 2, {}), { ...mapped, MALLOC_ARENA_MAX: '4', UV_THREADPOOL_SIZE: '8' });
    assert.deepEqual(workerEnv(1, 8, {}), { ...mapped, MALLOC_ARENA_MAX: '16', UV_THREADPOOL_SIZE: '20' });
    // one worker per core (0): each gets the share of one core
    assert.deepEqual(workerEnv(0, 8, {}), { ...mapped, MALLOC_ARENA_MAX: '2', UV_THREADPOOL_SIZE: '6' });
  });

  it("the operator's environment wins", () => {
    const given = { MALLOC_ARENA_MAX: '8', MALLOC_MMAP_THRESHOLD_: '131072', UV_THREADPOOL_SIZE: '4' };
    assert.deepEqual(workerEnv(1, 2, given), {});
  });

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

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coresPerWorker, imageSlots, poolThreads } from '../../src/app/capacity.js';

describe('capacity of a server process', () => {
  it("a worker's share of the cores, rounded up, at least one", () => {
    assert.equal(coresPerWorker(1, 2), 2);
    assert.equal(coresPerWorker(2, 8), 4);
    assert.equal(coresPerWorker(3, 8), 3);
    assert.equal(coresPerWorker(0, 8), 1);
    assert.equal(coresPerWorker(16, 8), 1);
  });

  it('one image per core and half an image more; a pool thread per image and one for I/O', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 8].map((c) => [imageSlots(c), poolThreads(c)]),
      [
        [2, 3],
        [3, 4],
        [5, 6],
        [6, 7],
        [12, 13],
      ],
    );
    assert.equal(imageSlots(0), 2);
  });
});

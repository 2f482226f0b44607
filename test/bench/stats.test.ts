import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { roundRatioRange } from '../../bench/stats.js';

describe('bench round ratios', () => {
  it('pairs round i of both servers and gives the lowest and highest ratio', () => {
    assert.equal(roundRatioRange([90, 100, 80, 95], [100, 100, 100, 95]), '0.80–1.00');
  });

  it('skips rounds one server did not finish and needs two pairs for a spread', () => {
    assert.equal(roundRatioRange([90, 0, 120], [100, 50, 100]), '0.90–1.20');
    assert.equal(roundRatioRange([90], [100]), '—');
    assert.equal(roundRatioRange([90, 80, 70], [100]), '—');
  });
});

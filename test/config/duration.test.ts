import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatDuration,
  formatDurationNs,
  parseDuration,
  parseDurationNs,
} from '../../src/config/duration.js';

describe('parseDuration', () => {
  const ok: [string, number][] = [
    ['0', 0],
    ['+0', 0],
    ['-0', 0],
    ['0s', 0],
    ['300ms', 300],
    ['30s', 30_000],
    ['1.5h', 5_400_000],
    ['1h30m', 5_400_000],
    ['24h', 86_400_000],
    ['168h', 604_800_000],
    ['-1m', -60_000],
    ['+5s', 5_000],
    ['1.s', 1_000],
    ['.5s', 500],
    ['1h2m3s4ms', 3_723_004],
    ['1500us', 1.5],
    ['1500µs', 1.5],
    ['1500μs', 1.5],
    ['2000000ns', 2],
    ['1ns', 0.000001],
    ['0.000000001s', 0.000001],
    ['0.0000000019s', 0.000001],
    ['2562047h47m16.854775807s', 9_223_372_036_854.775],
  ];
  for (const [text, ms] of ok) {
    it(`parses ${JSON.stringify(text)} as ${ms} ms`, () => {
      assert.equal(parseDuration(text), ms);
    });
  }

  const bad: [string, string][] = [
    ['', 'time: invalid duration ""'],
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.s', 'time: invalid duration ".s"'],
    ['1', 'time: missing unit in duration "1"'],
    ['30', 'time: missing unit in duration "30"'],
    ['1h30', 'time: missing unit in duration "1h30"'],
    ['10d', 'time: unknown unit "d" in duration "10d"'],
    ['1 h', 'time: unknown unit " h" in duration "1 h"'],
    ['abc', 'time: invalid duration "abc"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      assert.throws(() => parseDuration(text), { message });
    });
  }

  it('accepts the most negative duration', () => {
    assert.equal(parseDurationNs('-9223372036854775808ns'), -(1n << 63n));
  });
});

describe('formatDuration (Go Duration.String)', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [604_800_000, '168h0m0s'],
    [86_400_000, '24h0m0s'],
    [30_000, '30s'],
    [20_000, '20s'],
    [60_000, '1m0s'],
    [3_600_000, '1h0m0s'],
    [5_400_000, '1h30m0s'],
    [1_500, '1.5s'],
    [300, '300ms'],
    [1.5, '1.5ms'],
    [0.0015, '1.5µs'],
    [0.000002, '2ns'],
    [-60_000, '-1m0s'],
    [3_723_004, '1h2m3.004s'],
  ];
  for (const [ms, text] of cases) {
    it(`formats ${ms} ms as ${text}`, () => {
      assert.equal(formatDuration(ms), text);
    });
  }

  it('formats nanoseconds beyond the safe-integer range exactly', () => {
    assert.equal(formatDurationNs((1n << 63n) - 1n), '2562047h47m16.854775807s');
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [0, 1, 999, 1_000, 61_000, 604_800_000, -90_000]) {
      assert.equal(parseDuration(formatDuration(ms)), ms);
    }
  });
});

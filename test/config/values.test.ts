import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseBool, parseFloat64, parseInt64, parseOptionValue } from '../../src/config/values.js';

describe('parseBool (Go strconv.ParseBool)', () => {
  for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) {
    it(`reads ${t} as true`, () => assert.equal(parseBool(t), true));
  }
  for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) {
    it(`reads ${f} as false`, () => assert.equal(parseBool(f), false));
  }
  for (const bad of ['', 'yes', 'no', 'on', 'tRUE', '2', ' true']) {
    it(`rejects ${JSON.stringify(bad)}`, () =>
      assert.throws(() => parseBool(bad), { message: 'parse error' }));
  }
});

describe('parseInt64 (Go strconv.ParseInt base 0)', () => {
  const ok: [string, number][] = [
    ['0', 0],
    ['8000', 8000],
    ['-1', -1],
    ['+7', 7],
    ['0755', 493],
    ['0o755', 493],
    ['0x1F', 31],
    ['0X1f', 31],
    ['0b101', 5],
    ['1_000_000', 1_000_000],
    ['0x_ff', 255],
    ['33554432', 33_554_432],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['9223372036854775807', 2 ** 63], // in range for Go; the nearest JS number
  ];
  for (const [text, n] of ok) {
    it(`parses ${text} as ${n}`, () => assert.equal(parseInt64(text), n));
  }
  const bad: [string, string][] = [
    ['', 'parse error'],
    ['-', 'parse error'],
    ['abc', 'parse error'],
    ['1.5', 'parse error'],
    ['1e3', 'parse error'],
    ['08', 'parse error'],
    ['0x', 'parse error'],
    ['_1', 'parse error'],
    ['1_', 'parse error'],
    ['1__0', 'parse error'],
    [' 1', 'parse error'],
    ['9223372036854775808', 'value out of range'],
    ['-9223372036854775809', 'value out of range'],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)} with ${message}`, () =>
      assert.throws(() => parseInt64(text), { message }));
  }
});

describe('parseFloat64', () => {
  const ok: [string, number][] = [
    ['0', 0],
    ['1.5', 1.5],
    ['-2', -2],
    ['.25', 0.25],
    ['3.', 3],
    ['1e3', 1000],
    ['1E-2', 0.01],
    ['1_000.5', 1000.5],
    ['inf', Infinity],
    ['-Infinity', -Infinity],
  ];
  for (const [text, n] of ok) {
    it(`parses ${text} as ${n}`, () => assert.equal(parseFloat64(text), n));
  }
  it('parses NaN', () => assert.ok(Number.isNaN(parseFloat64('NaN'))));
  for (const bad of ['', 'x', '1.2.3', '1e', '--1', '0x10']) {
    it(`rejects ${JSON.stringify(bad)}`, () =>
      assert.throws(() => parseFloat64(bad), { message: 'parse error' }));
  }
  it('rejects overflow', () => assert.throws(() => parseFloat64('1e400'), { message: 'value out of range' }));
});

describe('parseOptionValue', () => {
  it('dispatches on the kind', () => {
    assert.equal(parseOptionValue('string', ' a b '), ' a b ');
    assert.equal(parseOptionValue('int', '42'), 42);
    assert.equal(parseOptionValue('float', '0.5'), 0.5);
    assert.equal(parseOptionValue('bool', 'f'), false);
    assert.equal(parseOptionValue('duration', '1h30m'), 5_400_000);
  });
});

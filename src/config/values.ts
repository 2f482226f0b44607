/**
 * Text → value conversion for each option kind, accepting what Go's `flag` package accepts
 * (strconv.ParseBool / ParseInt base 0 / ParseFloat, time.ParseDuration).
 */
import { parseDuration } from './duration.js';
import type { OptionKind, OptionValue } from './options.js';

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

/** Go's strconv.ParseBool. Throws Error('parse error'). */
export function parseBool(text: string): boolean {
  if (TRUE_WORDS.has(text)) return true;
  if (FALSE_WORDS.has(text)) return false;
  throw new Error('parse error');
}

/**
 * Go's strconv.ParseInt(text, 0, 64): optional sign, 0x/0o/0b prefixes, a leading 0 meaning octal,
 * and `_` between digits. Throws Error('parse error' | 'value out of range').
 */
export function parseInt64(text: string): number {
  let s = text;
  let sign = 1n;
  if (s.startsWith('+') || s.startsWith('-')) {
    if (s[0] === '-') sign = -1n;
    s = s.slice(1);
  }
  if (s === '' || !underscoresOk(s)) throw new Error('parse error');
  s = s.replaceAll('_', '');
  let digits: string;
  let prefix: string;
  const p = s.slice(0, 2).toLowerCase();
  if (p === '0x' || p === '0o' || p === '0b') {
    prefix = p;
    digits = s.slice(2);
  } else if (s.length > 1 && s[0] === '0') {
    prefix = '0o';
    digits = s.slice(1);
  } else {
    prefix = '';
    digits = s;
  }
  const valid = { '0x': /^[0-9a-fA-F]+$/, '0o': /^[0-7]+$/, '0b': /^[01]+$/, '': /^[0-9]+$/ }[prefix];
  if (valid === undefined || !valid.test(digits)) throw new Error('parse error');
  const n = sign * BigInt(`${prefix}${digits}`);
  if (n > INT64_MAX || n < INT64_MIN) throw new Error('value out of range');
  return Number(n);
}

/** `_` may only sit between two digits, or between a base prefix and a digit. */
function underscoresOk(s: string): boolean {
  if (!s.includes('_')) return true;
  let body = s;
  let prev: 'digit' | 'prefix' | 'underscore' | 'start' = 'start';
  const p = s.slice(0, 2).toLowerCase();
  if (p === '0x' || p === '0o' || p === '0b') {
    body = s.slice(2);
    prev = 'prefix';
  } else if (s[0] === '0') {
    prev = 'prefix'; // octal by leading zero: "0_7" is allowed, as in Go
    body = s.slice(1);
  }
  for (const c of body) {
    if (c === '_') {
      if (prev !== 'digit' && prev !== 'prefix') return false;
      prev = 'underscore';
    } else {
      prev = 'digit';
    }
  }
  return prev !== 'underscore';
}

/** Go's strconv.ParseFloat(text, 64) for decimal forms, `inf`/`infinity`/`nan`. */
export function parseFloat64(text: string): number {
  const lower = text.toLowerCase();
  const bare = lower.replace(/^[+-]/, '');
  if (bare === 'inf' || bare === 'infinity') return lower.startsWith('-') ? -Infinity : Infinity;
  if (bare === 'nan' && bare === lower) return NaN;
  if (!/^[+-]?([0-9](_?[0-9])*(\.([0-9](_?[0-9])*)?)?|\.[0-9](_?[0-9])*)(e[+-]?[0-9]+)?$/.test(lower)) {
    throw new Error('parse error');
  }
  const n = Number(lower.replaceAll('_', ''));
  if (!Number.isFinite(n)) throw new Error('value out of range');
  return n;
}

/** Converts option text to its value; throws Error with the reason (no flag name). */
export function parseOptionValue(kind: OptionKind, text: string): OptionValue {
  switch (kind) {
    case 'string':
      return text;
    case 'bool':
      return parseBool(text);
    case 'int':
      return parseInt64(text);
    case 'float':
      return parseFloat64(text);
    case 'duration':
      return parseDuration(text);
  }
}

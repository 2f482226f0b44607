/**
 * Go `time.Duration` text: parsing as `time.ParseDuration` does, and formatting as `Duration.String()`
 * (what `imagor -h` prints). Values on our side are milliseconds.
 */

const NS_PER_UNIT: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const MAX_NS = (1n << 63n) - 1n;

/** The error text Go gives, so messages read the same as imagor's. */
function quote(s: string): string {
  return JSON.stringify(s);
}

/**
 * Parses a Go duration such as `300ms`, `1.5h`, `1h30m`, `-1m` or `0` and returns milliseconds
 * (fractional below 1 ms). Throws Error with Go's message on bad input.
 */
export function parseDuration(text: string): number {
  const ns = parseDurationNs(text);
  // split to keep precision for large values: whole ms exactly, remainder as a fraction
  const whole = ns / 1_000_000n;
  const rest = ns % 1_000_000n;
  return Number(whole) + Number(rest) / 1e6;
}

/** Parses a Go duration to integer nanoseconds. */
export function parseDurationNs(text: string): bigint {
  const invalid = (): Error => new Error(`time: invalid duration ${quote(text)}`);
  let s = text;
  let neg = false;
  if (s !== '') {
    const c = s[0];
    if (c === '-' || c === '+') {
      neg = c === '-';
      s = s.slice(1);
    }
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    // integer part
    const intMatch = /^[0-9]*/.exec(s);
    const intDigits = intMatch?.[0] ?? '';
    s = s.slice(intDigits.length);
    let fracDigits = '';
    if (s.startsWith('.')) {
      s = s.slice(1);
      fracDigits = /^[0-9]*/.exec(s)?.[0] ?? '';
      s = s.slice(fracDigits.length);
    }
    if (intDigits === '' && fracDigits === '') throw invalid();
    const unitMatch = /^[^0-9.]*/.exec(s);
    const unit = unitMatch?.[0] ?? '';
    s = s.slice(unit.length);
    if (unit === '') throw new Error(`time: missing unit in duration ${quote(text)}`);
    const perUnit = NS_PER_UNIT[unit];
    if (perUnit === undefined)
      throw new Error(`time: unknown unit ${quote(unit)} in duration ${quote(text)}`);
    let value = BigInt(intDigits === '' ? '0' : intDigits) * perUnit;
    if (fracDigits !== '') {
      // Go truncates the fraction to nanosecond resolution
      const scale = 10n ** BigInt(fracDigits.length);
      value += (BigInt(fracDigits) * perUnit) / scale;
    }
    total += value;
    if (total > MAX_NS + (neg ? 1n : 0n)) throw invalid();
  }
  return neg ? -total : total;
}

/** Formats milliseconds like Go's `Duration.String()`: `168h0m0s`, `30s`, `1.5s`, `300ms`, `0s`. */
export function formatDuration(ms: number): string {
  return formatDurationNs(BigInt(Math.round(ms * 1e6)));
}

export function formatDurationNs(ns: bigint): string {
  if (ns === 0n) return '0s';
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u < 1_000n) out = `${u}ns`;
    else if (u < 1_000_000n) out = `${fraction(u, 3)}µs`;
    else out = `${fraction(u, 6)}ms`;
  } else {
    out = `${fraction(u % 60_000_000_000n, 9)}s`;
    u /= 60_000_000_000n; // now minutes
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n; // now hours
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** `value / 10^digits` printed with trailing fractional zeros (and a bare dot) removed. */
function fraction(value: bigint, digits: number): string {
  const scale = 10n ** BigInt(digits);
  const whole = value / scale;
  const frac = (value % scale).toString().padStart(digits, '0').replace(/0+$/, '');
  return frac === '' ? `${whole}` : `${whole}.${frac}`;
}

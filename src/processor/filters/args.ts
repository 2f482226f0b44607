import { queryUnescapeOrRaw } from '../../path/escape.js';
import { invalid } from '../../errors.js';

/**
 * Splits a raw filter argument string on commas at parenthesis depth 0, so a nested imagor path
 * such as `path(a,b),x,y` stays one argument. Arguments are returned verbatim (not trimmed).
 */
export function splitArgs(args: string): string[] {
  if (args === '') return [];
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      out.push(args.slice(start, i));
      start = i + 1;
    }
  }
  out.push(args.slice(start));
  return out;
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const INT_RE = /^[+-]?\d+$/;

/** The one error shape every argument reader uses. */
export function expected(kind: string, what: string, received: string | undefined): Error {
  return invalid(`Expected ${kind} for ${what} but received "${received ?? ''}"`);
}

function isBlank(arg: string | undefined): arg is undefined | '' {
  return arg === undefined || arg.trim() === '';
}

/** A finite decimal number; missing or unreadable → 400. */
export function readNumber(arg: string | undefined, what: string): number {
  const s = (arg ?? '').trim();
  if (!NUMBER_RE.test(s)) throw expected('number', what, arg);
  const n = Number(s);
  if (!Number.isFinite(n)) throw expected('number', what, arg);
  return n;
}

/** Like readNumber, but a missing or blank argument yields `def`. */
export function readOptionalNumber(arg: string | undefined, what: string, def: number): number {
  return isBlank(arg) ? def : readNumber(arg, what);
}

/** An integer (no fraction); missing or unreadable → 400. */
export function readInt(arg: string | undefined, what: string): number {
  const s = (arg ?? '').trim();
  if (!INT_RE.test(s)) throw expected('integer', what, arg);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw expected('integer', what, arg);
  return n;
}

export function readOptionalInt(arg: string | undefined, what: string, def: number): number {
  return isBlank(arg) ? def : readInt(arg, what);
}

/** Go's strconv.ParseBool vocabulary; blank → `def`, anything else → 400. */
export function readBool(arg: string | undefined, what: string, def: boolean): boolean {
  if (isBlank(arg)) return def;
  const s = arg.trim();
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(s)) return false;
  throw expected('boolean', what, arg);
}

/** Exactly `n` arguments, else 400 naming the filter. */
export function requireCount(args: readonly string[], n: number, filter: string): void {
  if (args.length !== n) {
    throw invalid(`Expected ${n} arguments for ${filter} but received ${args.length}`);
  }
}

/** Text or image arguments: URL-unescaped, then `b64:`-prefixed payloads base64(url) decoded. */
export function readTextArg(arg: string | undefined): string {
  const s = queryUnescapeOrRaw(arg ?? '');
  if (s.startsWith('b64:')) return Buffer.from(s.slice(4), 'base64url').toString('utf8');
  return s;
}

/** An overlay coordinate resolved against the canvas and overlay sizes along one axis. */
export interface Position {
  /** `repeat`: tile the overlay from 0 across the axis */
  readonly repeat: boolean;
  /** offset of the overlay's near edge given the canvas and overlay sizes along this axis */
  at(canvas: number, size: number): number;
}

const fixed = (fn: (canvas: number, size: number) => number): Position => ({ repeat: false, at: fn });

/**
 * Reads an overlay position (§3.1): `''` → 0, integers (a leading `-`, even `-0`, measures from
 * the far edge), `center`, `left`/`right` (x) or `top`/`bottom` (y), `l-N`/`left-N`, `r-N`/
 * `right-N` (and t/b forms) N px outside that edge, `Np` percent of canvas, `0.x`/`-0.x`
 * fractions of canvas, `repeat`. Anything else → 400.
 */
export function readPosition(arg: string | undefined, axis: 'x' | 'y', what: string): Position {
  const s = (arg ?? '').trim().toLowerCase();
  if (s === '') return fixed(() => 0);
  if (s === 'repeat') return { repeat: true, at: () => 0 };
  if (s === 'center') return fixed((c, w) => Math.trunc((c - w) / 2));
  const [near, far, nearShort, farShort] =
    axis === 'x' ? ['left', 'right', 'l', 'r'] : ['top', 'bottom', 't', 'b'];
  if (s === near) return fixed(() => 0);
  if (s === far) return fixed((c, w) => c - w);
  const edge = /^([a-z]+)-(\d+)$/.exec(s);
  if (edge) {
    const n = Number(edge[2]);
    if (edge[1] === near || edge[1] === nearShort) return fixed(() => -n);
    if (edge[1] === far || edge[1] === farShort) return fixed((c, w) => c - w + n);
    throw expected('position', what, arg);
  }
  const fromFar = s.startsWith('-');
  const body = fromFar || s.startsWith('+') ? s.slice(1) : s;
  let offset: (canvas: number) => number;
  const pct = /^(\d+(?:\.\d+)?|\.\d+)p$/.exec(body);
  if (pct) {
    const p = Number(pct[1]);
    offset = (c) => Math.trunc((p * c) / 100);
  } else if (/^\d+$/.test(body)) {
    const n = Number(body);
    offset = () => n;
  } else if (/^(\d+\.\d*|\.\d+)$/.test(body)) {
    const f = Number(body);
    offset = f < 1 ? (c) => Math.trunc(f * c) : () => Math.trunc(f);
  } else {
    throw expected('position', what, arg);
  }
  return fromFar ? fixed((c, w) => c - w - offset(c)) : fixed((c) => offset(c));
}

import { decodeBase64Url, queryUnescape } from './escape.js';
import type { Filter, HAlign, Params, TrimBy, VAlign } from './params.js';

/** imagor strips these from the whole request path before parsing. */
const LINE_BREAKS = /[\r\n\v\f\u0085\u2028\u2029]/g;

/** 17+ characters so that dimension segments such as `-1920x-1080` are never mistaken for a signature. */
const HASH = /^[A-Za-z0-9_=-]{17,}$/;
/** Matches the hash charset and length, but is a URL part. */
const NOT_A_HASH = 'adaptive-full-fit-in';

const TRIM = /^trim(?::(top-left|bottom-right))?(?::(\d+))?$/;
// A, B: integer or 0.n / .n; C, D: integer or 0.n / 1.n / .n. Other decimals are not a crop.
const CROP = /^((?:0?\.)?\d+)x((?:0?\.)?\d+):((?:[01]?\.)?\d+)x((?:[01]?\.)?\d+)$/;
const FIT_IN = /^(adaptive-)?(full-)?fit-in$/;
const DIMENSIONS = /^(-?)(\d*)x(-?)(\d*)$/;
const PADDING = /^(\d+)x(\d+)(?::(\d+)x(\d+))?$/;
const H_ALIGNS: readonly string[] = ['left', 'right', 'center'];
const V_ALIGNS: readonly string[] = ['top', 'bottom', 'middle'];

// 2^63 - 1 is not representable as a double; 2^63 is the nearest value
const INT64_MAX = 2 ** 63;

/** Go's strconv.Atoi with the error ignored: '' → 0, overflow clamps to int64 max. */
function atoi(digits: string | undefined): number {
  if (!digits) return 0;
  const n = Number(digits);
  return n > INT64_MAX ? INT64_MAX : n;
}

function skipSlashes(s: string, i: number): number {
  while (s.charCodeAt(i) === 0x2f) i++;
  return i;
}

/**
 * Parses an imagor request path (`/unsafe/fit-in/300x200/img.jpg`, `HASH/...`, `params/unsafe/...`) into
 * Params, the way imagor v1.9.5 does. Never throws: whatever does not match a URL part ends up in the image.
 * Zero values are left undefined.
 */
export function parse(requestPath: string): Params {
  const p: Params = {};
  const s = requestPath.replace(LINE_BREAKS, '');
  let i = skipSlashes(s, 0);
  if (s.startsWith('params/', i)) {
    p.params = true;
    i += 'params/'.length;
  }
  if (s.startsWith('unsafe/', i)) {
    p.unsafe = true;
    i += 'unsafe/'.length;
  } else {
    const slash = s.indexOf('/', i);
    if (slash > i) {
      const segment = s.slice(i, slash);
      if (segment !== NOT_A_HASH && HASH.test(segment)) {
        p.hash = segment;
        i = slash + 1;
      }
    }
  }
  const path = s.slice(i);
  if (path === '') return p;
  p.path = path;
  parseParts(path, p);
  return p;
}

/** The URL parts after the hash, each optional, strictly in order, each one whole segment ending in `/`. */
function parseParts(path: string, p: Params): void {
  let pos = skipSlashes(path, 0);
  /** The next segment if it is terminated by `/` (a part always is), else undefined. */
  const segment = (): string | undefined => {
    const slash = path.indexOf('/', pos);
    return slash < 0 ? undefined : path.slice(pos, slash);
  };
  const consume = (seg: string): void => {
    pos += seg.length + 1;
  };

  let seg = segment();
  if (seg === 'meta') {
    p.meta = true;
    consume(seg);
    seg = segment();
  }
  let m: RegExpExecArray | null;
  if (seg !== undefined && (m = TRIM.exec(seg))) {
    p.trim = true;
    p.trim_by = (m[1] ?? 'top-left') as TrimBy;
    const tolerance = atoi(m[2]);
    if (tolerance !== 0) p.trim_tolerance = tolerance;
    consume(seg);
    seg = segment();
  }
  if (seg !== undefined && (m = CROP.exec(seg))) {
    setNonZero(p, 'crop_left', Number(m[1]));
    setNonZero(p, 'crop_top', Number(m[2]));
    setNonZero(p, 'crop_right', Number(m[3]));
    setNonZero(p, 'crop_bottom', Number(m[4]));
    consume(seg);
    seg = segment();
  }
  if (seg !== undefined && (m = FIT_IN.exec(seg))) {
    p.fit_in = true;
    if (m[1]) p.adaptive_fit_in = true;
    if (m[2]) p.full_fit_in = true;
    consume(seg);
    seg = segment();
  }
  if (seg === 'stretch') {
    p.stretch = true;
    consume(seg);
    seg = segment();
  }
  if (seg !== undefined && (m = DIMENSIONS.exec(seg))) {
    if (m[1]) p.h_flip = true;
    setNonZero(p, 'width', atoi(m[2]));
    if (m[3]) p.v_flip = true;
    setNonZero(p, 'height', atoi(m[4]));
    consume(seg);
    seg = segment();
  }
  if (seg !== undefined && (m = PADDING.exec(seg))) {
    const left = atoi(m[1]);
    const top = atoi(m[2]);
    const long = m[3] !== undefined;
    setNonZero(p, 'padding_left', left);
    setNonZero(p, 'padding_top', top);
    setNonZero(p, 'padding_right', long ? atoi(m[3]) : left);
    setNonZero(p, 'padding_bottom', long ? atoi(m[4]) : top);
    consume(seg);
    seg = segment();
  }
  if (seg !== undefined && H_ALIGNS.includes(seg)) {
    p.h_align = seg as HAlign;
    consume(seg);
    seg = segment();
  }
  if (seg !== undefined && V_ALIGNS.includes(seg)) {
    p.v_align = seg as VAlign;
    consume(seg);
    seg = segment();
  }
  if (seg === 'smart') {
    p.smart = true;
    consume(seg);
  }

  const rest = path.slice(pos);
  if (rest === '') return;
  let image = rest;
  if (rest.startsWith('filters:')) {
    const scanned = scanFilters(rest.slice('filters:'.length));
    if (scanned.filters.length > 0) p.filters = scanned.filters;
    image = scanned.image;
  }
  if (image === '') return;
  setImage(p, image);
}

type NumericField =
  | 'crop_left'
  | 'crop_top'
  | 'crop_right'
  | 'crop_bottom'
  | 'width'
  | 'height'
  | 'padding_left'
  | 'padding_top'
  | 'padding_right'
  | 'padding_bottom';

function setNonZero(p: Params, field: NumericField, value: number): void {
  if (value !== 0) p[field] = value;
}

/** QueryUnescape (raw kept when it fails), then `b64:` decoding (literal kept when it fails). */
function setImage(p: Params, raw: string): void {
  let image = queryUnescape(raw) ?? raw;
  if (image.startsWith('b64:')) {
    const decoded = decodeBase64Url(image.slice('b64:'.length));
    if (decoded !== undefined) {
      image = decoded;
      p.base64_image = true;
    }
  }
  if (image !== '') p.image = image;
}

function makeFilter(name: string, args: string): Filter {
  return args === '' ? { name } : { name, args };
}

/**
 * The filters segment after `filters:`, scanned with a parenthesis depth counter so that nested imagor paths
 * inside arguments survive. At depth 0: `(` ends the name, `)` ends the args, `:` ends a filter (text after
 * `)` is dropped), `/` ends the segment and the rest is the image.
 */
export function scanFilters(body: string): { filters: Filter[]; image: string } {
  const filters: Filter[] = [];
  let depth = 0;
  let text = '';
  let name = '';
  let args = '';
  let image = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '(') {
      if (depth === 0) {
        name = text;
        text = '';
      } else {
        text += ch;
      }
      depth++;
    } else if (ch === ')') {
      depth--;
      if (depth === 0) {
        args = text;
        text = '';
      } else {
        text += ch;
      }
    } else if (ch === '/' && depth === 0) {
      image = body.slice(i + 1);
      if (image !== '') break;
    } else if (ch === ':' && depth === 0) {
      // imagor appends here even when no name was read (`filters::x()` yields an empty filter first)
      filters.push(makeFilter(name, args));
      name = '';
      args = '';
      text = '';
    } else {
      text += ch;
    }
  }
  if (name !== '') filters.push(makeFilter(name, args));
  return { filters, image };
}

/**
 * Why a parsed path names no image, as the message of its 400 answer: an unclosed `filters:` part
 * swallows the rest of the path (`filters:brightness(10/a.jpg`), otherwise the image path is missing.
 */
export function missingImageMessage(p: Params): string {
  const path = p.path ?? '';
  const at = path.search(/(^|\/)filters:/);
  if (at >= 0) {
    const part = path.slice(path.indexOf('filters:', at));
    let depth = 0;
    for (const ch of part) {
      if (ch === '(') depth++;
      else if (ch === ')') depth--;
    }
    if (depth > 0) {
      const open = /filters:(?:.*:)?([a-z_0-9]+)\([^()]*$/i.exec(part)?.[1];
      const name = open ?? p.filters?.at(-1)?.name ?? 'filter';
      return `invalid filters: ${name}( is not closed with ")", so no image path follows`;
    }
  }
  return 'invalid: missing image path (the URL ends before the image)';
}

import { createHash } from 'node:crypto';

/**
 * Storage-key normalisation and key styles (spec §1.6, §6.3).
 *
 * `normalize` turns an image key into something every backend can store verbatim: the key is
 * cleaned like Go's `path.Clean`, line breaks are removed, surrounding slashes trimmed, and every
 * UTF-8 byte outside ASCII alphanumerics, `/ - _ . ~` and the configured safe characters is
 * percent-escaped (`%XX`, upper case). A space becomes `+` (unless the space itself is declared
 * safe). The safe-chars value `--` switches escaping off entirely.
 */

/** Safe-chars value that disables escaping. */
export const NO_ESCAPE = '--';

/** Characters S3 always treats as safe in object keys, on top of the configured ones. */
export const S3_SAFE_CHARS = '!"()*';

const LINE_BREAKS = /\r\n|[\r\n\v\f\u0085\u2028\u2029]/g;
const HEX = '0123456789ABCDEF';

/** Go `path.Clean`: lexical clean-up of `.`, `..` and repeated slashes; `""` becomes `"."`. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      const last = out[out.length - 1];
      if (last !== undefined && last !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

function isUnreserved(b: number): boolean {
  return (
    (b >= 0x61 && b <= 0x7a) || // a-z
    (b >= 0x41 && b <= 0x5a) || // A-Z
    (b >= 0x30 && b <= 0x39) || // 0-9
    b === 0x2f || // /
    b === 0x2d || // -
    b === 0x5f || // _
    b === 0x2e || // .
    b === 0x7e // ~
  );
}

/** Safe set from a safe-chars string; only ASCII characters can be declared safe. */
function safeSet(safeChars: string): Set<number> {
  const set = new Set<number>();
  for (const ch of safeChars) {
    const cp = ch.codePointAt(0);
    if (cp !== undefined && cp < 0x80) set.add(cp);
  }
  return set;
}

const safeCache = new Map<string, Set<number>>();

function cachedSafeSet(safeChars: string): Set<number> {
  let set = safeCache.get(safeChars);
  if (set === undefined) {
    set = safeSet(safeChars);
    if (safeCache.size < 64) safeCache.set(safeChars, set);
  }
  return set;
}

/** Escape every byte that is not unreserved or safe; space becomes `+`. */
function escapeKey(s: string, safe: Set<number>): string {
  const bytes = Buffer.from(s, 'utf8');
  let out = '';
  let plainStart = -1;
  const flush = (end: number): void => {
    if (plainStart >= 0) {
      out += bytes.subarray(plainStart, end).toString('utf8');
      plainStart = -1;
    }
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (isUnreserved(b) || safe.has(b)) {
      if (plainStart < 0) plainStart = i;
      continue;
    }
    flush(i);
    out += b === 0x20 ? '+' : '%' + HEX[b >> 4] + HEX[b & 15];
  }
  flush(bytes.length);
  return out;
}

/**
 * Normalise an image key for a storage backend (imagor `imagorpath.Normalize`).
 * `normalize('a b/c(d)[e]é?.jpg', '')` → `a+b/c%28d%29%5Be%5D%C3%A9%3F.jpg`.
 */
export function normalize(key: string, safeChars = ''): string {
  let k = cleanPath(key);
  k = k.replace(LINE_BREAKS, '');
  k = k.replace(/^\/+|\/+$/g, '');
  if (safeChars === NO_ESCAPE) return k;
  return escapeKey(k, cachedSafeSet(safeChars));
}

/** `/`-framed prefix as imagor stores it: `''`/`'/'` → `'/'`, `'a/b'` → `'/a/b/'`. */
export function normalizePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '') return '/';
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '/' : '/' + trimmed + '/';
}

export function sha1Hex(s: string): string {
  return createHash('sha1').update(s, 'utf8').digest('hex');
}

/** sha1 hex split as `ab/cd/rest`. */
export function digestPath(s: string): string {
  const h = sha1Hex(s);
  return `${h.slice(0, 2)}/${h.slice(2, 4)}/${h.slice(4)}`;
}

export type StorageKeyStyle = 'original' | 'digest';
export type ResultKeyStyle = 'original' | 'digest' | 'suffix' | 'size';

/** Key of a source image in a storage (`IMAGOR_STORAGE_PATH_STYLE`). */
export function storageKey(image: string, style: StorageKeyStyle): string {
  return style === 'digest' ? digestPath(image) : image;
}

export interface ResultKeyInfo {
  /** the image part of the params */
  image: string;
  /** value of the (last) `format()` filter, if any */
  format?: string;
  /** `meta/` request: the result is JSON */
  meta?: boolean;
  width?: number;
  height?: number;
}

/**
 * Key of a processed result (`IMAGOR_RESULT_STORAGE_PATH_STYLE`). `path` is the (possibly
 * regenerated) imagor path without the hash, e.g. `166x169/top/filters:format(webp)/foo/bar.jpg`.
 */
export function resultKey(path: string, style: ResultKeyStyle, info: ResultKeyInfo): string {
  switch (style) {
    case 'original':
      return path;
    case 'digest':
      return digestPath(path);
    case 'suffix':
    case 'size': {
      let suffix = '.' + sha1Hex(path).slice(0, 20);
      if (style === 'size') {
        const w = Math.trunc(info.width ?? 0);
        const h = Math.trunc(info.height ?? 0);
        if (w !== 0 || h !== 0) suffix += `_${w}x${h}`;
      }
      const image = info.image;
      const dot = image.lastIndexOf('.');
      const slash = image.lastIndexOf('/');
      if (dot > -1 && slash < dot) {
        let ext = image.slice(dot);
        if (info.meta === true) ext = '.json';
        else if (info.format !== undefined) ext = '.' + info.format;
        return image.slice(0, dot) + suffix + ext;
      }
      return image + suffix;
    }
  }
}

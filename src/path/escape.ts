/**
 * Byte-level helpers shared by the parser and the generator. Isomorphic: no Buffer, no node: imports.
 * Strings are treated as UTF-8 bytes, the way Go sees them.
 */

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF, as Go keeps the bytes; invalid UTF-8 becomes U+FFFD.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

const HEX = '0123456789ABCDEF';

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/**
 * Go's url.QueryUnescape: `%XX` → byte, `+` → space. Returns undefined when a `%` is not followed by two hex
 * digits (Go returns an error then, and imagor keeps the raw string).
 */
export function queryUnescape(s: string): string | undefined {
  if (!s.includes('%') && !s.includes('+')) return s;
  const out: number[] = [];
  let run = 0; // start of the current run of plain characters
  const flush = (end: number): void => {
    if (end > run) for (const b of encoder.encode(s.slice(run, end))) out.push(b);
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= s.length) return undefined;
      const hi = hexValue(s.charCodeAt(i + 1));
      const lo = hexValue(s.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return undefined;
      flush(i);
      out.push(hi * 16 + lo);
      i += 2;
      run = i + 1;
    } else if (c === 0x2b) {
      flush(i);
      out.push(0x20);
      run = i + 1;
    }
  }
  flush(s.length);
  return decoder.decode(new Uint8Array(out));
}

/** queryUnescape, keeping the text as it is when it cannot be unescaped (imagor's behaviour). */
export function queryUnescapeOrRaw(s: string): string {
  return queryUnescape(s) ?? s;
}

function isPathSegmentSafe(b: number): boolean {
  return (
    (b >= 0x61 && b <= 0x7a) || // a-z
    (b >= 0x41 && b <= 0x5a) || // A-Z
    (b >= 0x30 && b <= 0x39) || // 0-9
    '-_.~$&+:=@'.includes(String.fromCharCode(b))
  );
}

/** Go's url.PathEscape: everything but unreserved characters and `$&+:=@` becomes `%XX` (uppercase). */
export function pathEscape(s: string): string {
  let out = '';
  for (const b of encoder.encode(s)) {
    out += isPathSegmentSafe(b) ? String.fromCharCode(b) : '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Unpadded base64url of the UTF-8 bytes (Go's base64.RawURLEncoding.EncodeToString). */
export function encodeBase64Url(s: string): string {
  const bytes = encoder.encode(s);
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i] ?? 0;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    const n = (b0 << 16) | ((b1 ?? 0) << 8) | (b2 ?? 0);
    out += B64URL[(n >> 18) & 63]! + B64URL[(n >> 12) & 63]!;
    if (b1 !== undefined) out += B64URL[(n >> 6) & 63]!;
    if (b2 !== undefined) out += B64URL[n & 63]!;
  }
  return out;
}

/**
 * Go's base64.RawURLEncoding.DecodeString (non-strict): no padding allowed, CR/LF skipped, non-zero trailing
 * bits accepted, a dangling single character is an error. Returns the bytes as UTF-8 text, or undefined.
 */
export function decodeBase64Url(s: string): string | undefined {
  const values: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\r' || ch === '\n') continue;
    const v = B64URL.indexOf(ch);
    if (v < 0) return undefined;
    values.push(v);
  }
  if (values.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((values.length * 6) / 8));
  let o = 0;
  for (let i = 0; i < values.length; i += 4) {
    const v0 = values[i] ?? 0;
    const v1 = values[i + 1] ?? 0;
    const v2 = values[i + 2] ?? 0;
    const v3 = values[i + 3] ?? 0;
    const n = (v0 << 18) | (v1 << 12) | (v2 << 6) | v3;
    const left = values.length - i;
    out[o++] = (n >> 16) & 255;
    if (left > 2) out[o++] = (n >> 8) & 255;
    if (left > 3) out[o++] = n & 255;
  }
  return decoder.decode(out);
}

/** Bytes Go's URL.EscapedPath() writes as they are: ASCII letters and digits and `-._~$&+,/:;=@`. */
function isPathByteKept(b: number): boolean {
  return (
    (b >= 0x61 && b <= 0x7a) ||
    (b >= 0x41 && b <= 0x5a) ||
    (b >= 0x30 && b <= 0x39) ||
    '-._~$&+,/:;=@'.includes(String.fromCharCode(b))
  );
}

/**
 * Bytes a raw request path may hold for Go to keep it exactly as sent (url.validEncoded in path mode): the kept
 * bytes, the other sub-delimiters `!'()*`, the brackets `[]` and `%` (checked separately).
 */
function isPathByteValidRaw(b: number): boolean {
  return isPathByteKept(b) || "!'()*[]%".includes(String.fromCharCode(b));
}

/** A quoted form of the bytes of an escape error, as Go's strconv.Quote writes ASCII (other bytes as \\xNN). */
function quoteBytes(bytes: Uint8Array): string {
  let out = '"';
  for (const c of bytes) {
    if (c === 0x22 || c === 0x5c) out += '\\' + String.fromCharCode(c);
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + '"';
}

/** One byte per character when the text is latin1 (node:http's request target), else its UTF-8 bytes. */
function requestBytes(raw: string): Uint8Array {
  // eslint-disable-next-line no-control-regex
  if (/^[\u0000-\u00ff]*$/.test(raw)) return Uint8Array.from(raw, (ch) => ch.charCodeAt(0));
  return encoder.encode(raw);
}

/**
 * The request path as imagor sees it: Go's server parses the request target (url.ParseRequestURI) and imagor
 * reads `URL.EscapedPath()`. `raw` is the path of the request line without the query; node:http hands it over
 * one character per byte (latin1).
 *
 * - A control byte, or a `%` not followed by two hex digits, is an error (Go's server answers 400 before any handler runs); the
 *   message is Go's: `invalid URL escape "%zz"`.
 * - A path made only of bytes valid in a URL path is kept exactly as sent, escapes and all.
 * - Otherwise (`\`, `{ } | ^`, `" < >`, a backquote, a `#`, a space or a byte above 0x7e anywhere in it) the
 *   whole path is decoded and encoded again: every escape is normalised, so `%2F` becomes `/`, `%41` becomes
 *   `A` and `%28` stays `%28`, and a raw `(` or `[` becomes `%28` / `%5B` too.
 */
export function escapedRequestPath(raw: string): { path: string } | { error: string } {
  const bytes = requestBytes(raw);
  if (bytes.some((b) => b < 0x20 || b === 0x7f))
    return { error: 'net/url: invalid control character in URL' };
  let valid = true;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0x25) {
      if (i + 2 >= bytes.length || hexValue(bytes[i + 1]!) < 0 || hexValue(bytes[i + 2]!) < 0) {
        return { error: `invalid URL escape ${quoteBytes(bytes.subarray(i, i + 3))}` };
      }
      i += 2;
    } else if (valid && !isPathByteValidRaw(c)) {
      valid = false;
    }
  }
  if (valid) return { path: raw };
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    let b = bytes[i]!;
    if (b === 0x25) {
      b = hexValue(bytes[i + 1]!) * 16 + hexValue(bytes[i + 2]!);
      i += 2;
    }
    out += isPathByteKept(b) ? String.fromCharCode(b) : '%' + HEX[b >> 4]! + HEX[b & 15]!;
  }
  return { path: out };
}

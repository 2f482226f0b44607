import { encodeBase64Url, pathEscape } from './escape.js';
import type { Params } from './params.js';
import { parse } from './parse.js';

/** Anything that signs a path (structurally the same as `Signer` in ../types.ts). */
export interface PathSigner {
  sign(path: string): string;
}

/** Image prefixes that imagor's generator escapes (a URL keyword as the first segment). */
const KEYWORD_PREFIXES = [
  'trim/',
  'meta/',
  'fit-in/',
  'stretch/',
  'top/',
  'left/',
  'right/',
  'bottom/',
  'center/',
  'smart/',
];

/** Go's strconv.FormatFloat(f, 'f', -1, 64): shortest digits, never an exponent. */
export function formatFloat(n: number): string {
  const s = String(n);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const negative = s.startsWith('-');
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exponent = Number(s.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const intLength = (dot < 0 ? mantissa.length : dot) + exponent;
  let out: string;
  if (intLength <= 0) out = '0.' + '0'.repeat(-intLength) + digits;
  else if (intLength >= digits.length) out = digits + '0'.repeat(intLength - digits.length);
  else out = digits.slice(0, intLength) + '.' + digits.slice(intLength);
  return (negative ? '-' : '') + out;
}

/** Every URL part before the image, in canonical order. */
function parts(p: Params): string[] {
  const out: string[] = [];
  if (p.meta) out.push('meta');
  if (p.trim || p.trim_by === 'top-left' || p.trim_by === 'bottom-right') {
    let trim = 'trim';
    if (p.trim_by === 'bottom-right') trim += ':bottom-right';
    if ((p.trim_tolerance ?? 0) > 0) trim += ':' + String(p.trim_tolerance);
    out.push(trim);
  }
  const cl = p.crop_left ?? 0;
  const ct = p.crop_top ?? 0;
  const cr = p.crop_right ?? 0;
  const cb = p.crop_bottom ?? 0;
  if (cl > 0 || ct > 0 || cr > 0 || cb > 0) {
    out.push(`${formatFloat(cl)}x${formatFloat(ct)}:${formatFloat(cr)}x${formatFloat(cb)}`);
  }
  if (p.fit_in || p.adaptive_fit_in || p.full_fit_in) {
    out.push((p.adaptive_fit_in ? 'adaptive-' : '') + (p.full_fit_in ? 'full-' : '') + 'fit-in');
  }
  if (p.stretch) out.push('stretch');
  const pl = p.padding_left ?? 0;
  const pt = p.padding_top ?? 0;
  const pr = p.padding_right ?? 0;
  const pb = p.padding_bottom ?? 0;
  const padded = pl > 0 || pt > 0 || pr > 0 || pb > 0;
  let width = p.width ?? 0;
  let height = p.height ?? 0;
  let hFlip = p.h_flip ?? false;
  let vFlip = p.v_flip ?? false;
  // padding needs a dimension segment in front of it, or it would be read as dimensions (or a crop)
  if (hFlip || vFlip || width !== 0 || height !== 0 || padded) {
    if (width < 0) {
      width = -width;
      hFlip = !hFlip;
    }
    if (height < 0) {
      height = -height;
      vFlip = !vFlip;
    }
    out.push(`${hFlip ? '-' : ''}${width}x${vFlip ? '-' : ''}${height}`);
  }
  if (padded) out.push(pl === pr && pt === pb ? `${pl}x${pt}` : `${pl}x${pt}:${pr}x${pb}`);
  if (p.h_align === 'left' || p.h_align === 'right') out.push(p.h_align);
  if (p.v_align === 'top' || p.v_align === 'bottom') out.push(p.v_align);
  if (p.smart) out.push('smart');
  if (p.filters && p.filters.length > 0) {
    let filters = 'filters:' + p.filters.map((f) => `${f.name}(${f.args ?? ''})`).join(':');
    // the scanner only keeps a nameless filter when a `:` ends it (imagor itself drops it here)
    if (p.filters[p.filters.length - 1]?.name === '') filters += ':';
    out.push(filters);
  }
  return out;
}

/** What imagor's GeneratePath writes for the image. */
function imagorImage(image: string): string {
  const escape =
    image.includes('?') ||
    image.includes('(') ||
    image.includes(')') ||
    image.includes(',') ||
    KEYWORD_PREFIXES.some((prefix) => image.startsWith(prefix));
  return escape ? pathEscape(image) : image;
}

/**
 * A form that always reads back as the same image: PathEscape turns `/` into `%2F` so no URL part can match,
 * `+` and a leading `filters:` are escaped on top of that. Only a literal `b64:<valid base64url>` name still
 * reads back differently (it is decoded after unescaping), which the caller handles.
 */
function escapedImage(image: string): string {
  const escaped = pathEscape(image).replace(/\+/g, '%2B');
  return escaped.startsWith('filters:') ? 'filters%3A' + escaped.slice('filters:'.length) : escaped;
}

function readsBack(prefix: string, encoded: string, image: string): boolean {
  const q = parse('unsafe/' + prefix + encoded);
  return (q.image ?? '') === image && !q.base64_image;
}

/**
 * The path imagor signs, in canonical part order. The image keeps imagor's exact form whenever that form
 * parses back to the same image; otherwise it is escaped further (imagor's own output does not round-trip
 * for images such as `filters:x/a.jpg`, `100x100/a.jpg` or `a+b.jpg`), and as a last resort written as `b64:`.
 */
export function generatePath(p: Params): string {
  const list = parts(p);
  const prefix = list.length > 0 ? list.join('/') + '/' : '';
  const image = p.image ?? '';
  if (p.base64_image) return prefix + 'b64:' + encodeBase64Url(image);
  for (const candidate of [imagorImage(image), escapedImage(image)]) {
    if (readsBack(prefix, candidate, image)) return prefix + candidate;
  }
  return prefix + 'b64:' + encodeBase64Url(image);
}

/** `unsafe/` + the path. */
export function generateUnsafe(p: Params): string {
  return 'unsafe/' + generatePath(p);
}

/** The signature of the path + `/` + the path. */
export function generate(p: Params, signer: PathSigner): string {
  const path = generatePath(p);
  return signer.sign(path) + '/' + path;
}

import type { IncomingHttpHeaders } from 'node:http';
import type { ImageBlob } from '../blob.js';

export interface CacheOptions {
  ttlMs: number;
  swrMs: number;
  noCache: boolean;
}

/** `Cache-Control` and `Expires` as imagor sends them (spec §4.3). */
export function cacheHeaders(
  opts: CacheOptions,
  req: IncomingHttpHeaders,
  override: { maxAgeSec?: number | undefined; expireAtMs?: number | undefined },
  now = Date.now(),
): Record<string, string> {
  const reqCache = String(req['cache-control'] ?? '').toLowerCase();
  let ttl = Math.floor(opts.ttlMs / 1000);
  if (override.maxAgeSec !== undefined) ttl = override.maxAgeSec;
  let isPrivate = reqCache.includes('private');
  if (override.expireAtMs !== undefined) {
    const untilExpiry = Math.ceil((override.expireAtMs - now) / 1000);
    if (untilExpiry < ttl || ttl <= 0) ttl = untilExpiry;
    isPrivate = true;
  }
  if (opts.noCache || ttl <= 0 || reqCache.includes('no-cache')) {
    return { 'Cache-Control': 'private, no-cache, no-store, must-revalidate' };
  }
  const swr = Math.floor(opts.swrMs / 1000);
  const parts = isPrivate
    ? ['private', `max-age=${ttl}`, 'no-transform']
    : ['public', `s-maxage=${ttl}`, `max-age=${ttl}`, 'no-transform'];
  if (swr > 0 && swr < ttl) parts.push(`stale-while-revalidate=${swr}`);
  return {
    'Cache-Control': parts.join(', '),
    Expires: new Date(now + ttl * 1000).toUTCString(),
  };
}

const EXTENSIONS: Record<string, string[]> = {
  'image/jpeg': ['.jpg', '.jpeg'],
  'image/png': ['.png'],
  'image/gif': ['.gif'],
  'image/webp': ['.webp'],
  'image/avif': ['.avif'],
  'image/heif': ['.heif', '.heic'],
  'image/tiff': ['.tiff', '.tif'],
  'image/jp2': ['.jp2'],
  'image/jxl': ['.jxl'],
  'application/json': ['.json'],
};

/** `attachment(name)`: default name is the image's last segment; the output's extension is added unless present. */
export function contentDisposition(
  attachment: string | undefined,
  image: string,
  contentType: string,
): string {
  if (attachment === undefined) return 'inline';
  let name = attachment || image.split('/').pop() || 'image';
  const exts = EXTENSIONS[contentType];
  if (exts && !exts.some((e) => name.toLowerCase().endsWith(e))) name += exts[0];
  return `attachment; filename="${headerSafe(name.replace(/"/g, '%22'))}"`;
}

/**
 * A header value Node will send unchanged: line breaks become spaces (as Go's server writes them);
 * other control characters and non-ASCII text are percent-escaped as UTF-8 bytes (Node refuses
 * characters past Latin-1 in a header and does not write the others as the same bytes everywhere).
 */
function headerSafe(text: string): string {
  let out = '';
  for (const b of Buffer.from(text.replace(/[\r\n]/g, ' '), 'utf8')) {
    out +=
      b < 0x20 || b >= 0x7f ? `%${b.toString(16).toUpperCase().padStart(2, '0')}` : String.fromCharCode(b);
  }
  return out;
}

/** Validators exist only for bytes that came from a storage (never for freshly processed images). */
export function validators(blob: ImageBlob): { etag?: string; lastModified?: Date } {
  const st = blob.stat;
  if (!st) return {};
  const out: { etag?: string; lastModified?: Date } = {};
  if (st.etag) out.etag = st.etag;
  else if (st.modifiedTime && st.size !== undefined)
    out.etag = `${Math.floor(st.modifiedTime.getTime() / 1000).toString(16)}-${st.size.toString(16)}`;
  if (st.modifiedTime) out.lastModified = st.modifiedTime;
  return out;
}

/** 304 check; unlike imagor, `If-Unmodified-Since` is not inverted into a 304. */
export function isNotModified(req: IncomingHttpHeaders, v: { etag?: string; lastModified?: Date }): boolean {
  if (String(req['cache-control'] ?? '').includes('no-cache')) return false;
  const inm = req['if-none-match'];
  if (inm !== undefined && v.etag !== undefined) {
    return inm.split(',').some((t) => t.trim() === v.etag || t.trim() === '*');
  }
  const ims = req['if-modified-since'];
  if (ims && v.lastModified) {
    const since = Date.parse(ims);
    if (!Number.isNaN(since)) return Math.floor(v.lastModified.getTime() / 1000) * 1000 <= since;
  }
  return false;
}

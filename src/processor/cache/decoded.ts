import { LRUCache } from 'lru-cache';
import sharp, { type Sharp } from 'sharp';
import { ImageBlob, type ImageFormat } from '../../blob.js';
import type { Filter, Params } from '../../path/params.js';
import { baseInputOptions, type Source } from '../decode.js';
import type { ProcessorOptions } from '../options.js';

/**
 * imagor's in-memory image cache (`-vips-cache-*`): a decoded, downscaled copy of a source image kept in
 * memory, keyed by the image path alone so that every size asked of the same image is served from one
 * entry. Used by `preview()` base images and by `watermark()` / `image()` overlays of known size.
 */

/** How an entry is kept: raw pixels (fastest to use, most memory), or re-encoded as PNG or WebP. */
export type CacheForm = 'pixel' | 'png' | 'webp';

export interface DecodedCacheOptions {
  /** byte budget of all entries (the LRU evicts beyond it); 0 disables the cache */
  size: number;
  /** a cached copy is shrunk to fit maxWidth × maxHeight; requests for a larger size bypass the cache */
  maxWidth: number;
  maxHeight: number;
  /** entry lifetime in ms; 0 keeps entries until evicted */
  ttl: number;
  form: CacheForm;
}

export interface CachedImage {
  form: CacheForm;
  /** raw pixels (form `pixel`) or the PNG/WebP bytes */
  data: Buffer;
  width: number;
  height: number;
  channels: number;
  /** format of the original bytes: what the answer is encoded as when no format() asks otherwise */
  sourceFormat: ImageFormat;
}

/** What a miss hands back: the entry, or the original blob when the source cannot be cached (animated). */
export type CacheLoad = { entry: CachedImage } | { original: ImageBlob };

export interface DecodedCacheStats {
  /** requests served from an entry */
  hits: number;
  /** sources decoded for the cache (concurrent misses of one key count once) */
  decodes: number;
  entries: number;
  bytes: number;
}

/**
 * Opens a source for decoding into the cache: a sharp pipeline over its first `frames` frames, auto-oriented,
 * with this server's limits; `pages` is how many frames it holds. Supplied by the processor (it knows every
 * format it can read).
 */
export type OpenForCache = (blob: ImageBlob, frames: number) => Promise<{ pipeline: Sharp; pages: number }>;

export interface DecodedCache {
  readonly options: Readonly<DecodedCacheOptions>;
  /** Whether a request for w × h may use the cache: both known and within the cache's maximum. */
  fits(width: number | undefined, height: number | undefined): boolean;
  /** The entry for an image path, if cached (counts a hit). */
  get(key: string): CachedImage | undefined;
  /**
   * The entry for `key`, decoding `load()`'s blob into the cache on a miss. Concurrent misses of one key
   * load and decode once. An animated source (more than one frame of the `frames` asked for) is not cached:
   * its original blob is handed back.
   */
  getOrLoad(key: string, load: () => Promise<ImageBlob>, frames: number): Promise<CacheLoad>;
  stats(): DecodedCacheStats;
}

export function createDecodedCache(
  options: DecodedCacheOptions,
  open: OpenForCache,
): DecodedCache | undefined {
  if (!(options.size > 0)) return undefined;
  const opts: DecodedCacheOptions = { ...options };
  const lru = new LRUCache<string, CachedImage>({
    maxSize: opts.size,
    sizeCalculation: (v) => Math.max(1, v.data.length),
    ...(opts.ttl > 0 ? { ttl: opts.ttl } : {}),
  });
  const inFlight = new Map<string, Promise<CacheLoad>>();
  let hits = 0;
  let decodes = 0;

  async function decode(key: string, load: () => Promise<ImageBlob>, frames: number): Promise<CacheLoad> {
    const blob = await load();
    const { pipeline, pages } = await open(blob, frames);
    // several frames cannot be kept as one still image: the caller processes the original
    if (pages > 1) return { original: blob };
    decodes++;
    const shrunk = pipeline.resize(opts.maxWidth, opts.maxHeight, {
      fit: 'inside',
      withoutEnlargement: true,
    });
    let entry: CachedImage;
    if (opts.form === 'pixel') {
      const { data, info } = await shrunk.raw().toBuffer({ resolveWithObject: true });
      entry = {
        form: 'pixel',
        data,
        width: info.width,
        height: info.height,
        channels: info.channels,
        sourceFormat: blob.format,
      };
    } else {
      // libvips' default WebP quality, as imagor saves its WebP entries
      const encoded = opts.form === 'png' ? shrunk.png() : shrunk.webp({ quality: 75 });
      const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
      entry = {
        form: opts.form,
        data,
        width: info.width,
        height: info.height,
        channels: info.channels,
        sourceFormat: blob.format,
      };
    }
    lru.set(key, entry);
    return { entry };
  }

  return {
    options: opts,
    fits(width, height) {
      return (width ?? 0) > 0 && (height ?? 0) > 0 && width! <= opts.maxWidth && height! <= opts.maxHeight;
    },
    get(key) {
      const entry = lru.get(key);
      if (entry) hits++;
      return entry;
    },
    getOrLoad(key, load, frames) {
      const entry = this.get(key);
      if (entry) return Promise.resolve({ entry });
      let pending = inFlight.get(key);
      if (!pending) {
        pending = decode(key, load, frames).finally(() => inFlight.delete(key));
        inFlight.set(key, pending);
      }
      return pending;
    },
    stats() {
      return { hits, decodes, entries: lru.size, bytes: lru.calculatedSize };
    },
  };
}

/**
 * Requests the cached copy cannot serve: a manual crop, focal points, a page other than the first or a
 * render density (they depend on the original's coordinates or decoding), as imagor bypasses them.
 */
export function bypassesCache(p: Params): boolean {
  if (p.crop_left || p.crop_top || p.crop_right || p.crop_bottom) return true;
  return (p.filters ?? []).some((f: Filter) => {
    if (f.name === 'focal' || f.name === 'dpi') return true;
    if (f.name === 'page') return Number.parseInt(f.args ?? '', 10) > 1;
    return false;
  });
}

/** A cached entry handed to the processor in place of the source blob; `format` stays the source's. */
export class CachedBlob extends ImageBlob {
  readonly entry: CachedImage;
  constructor(entry: CachedImage) {
    super(entry.data);
    this.entry = entry;
  }
  override get format(): ImageFormat {
    return this.entry.sourceFormat;
  }
}

function rawInput(e: CachedImage): { width: number; height: number; channels: 1 | 2 | 3 | 4 } {
  return {
    width: e.width,
    height: e.height,
    channels: Math.min(4, Math.max(1, e.channels)) as 1 | 2 | 3 | 4,
  };
}

/** A sharp pipeline over an entry's pixels. */
export function openEntry(e: CachedImage): Sharp {
  return e.form === 'pixel' ? sharp(e.data, { raw: rawInput(e) }) : sharp(e.data);
}

/** The processor's Source for an entry: upright sRGB (or grey) pixels, no metadata, one frame. */
export function entrySource(e: CachedImage, opts: ProcessorOptions): Source {
  const pixel = e.form === 'pixel';
  return {
    format: e.sourceFormat,
    input: e.data,
    options: pixel ? { raw: rawInput(e), limitInputPixels: false } : baseInputOptions(opts),
    native: !pixel,
    width: e.width,
    pageHeight: e.height,
    pages: 1,
    animated: false,
    orientation: 0,
    hasAlpha: e.channels === 2 || e.channels === 4,
    channels: e.channels,
    space: e.channels <= 2 ? 'b-w' : 'srgb',
    hasExif: false,
    hasIcc: false,
  };
}

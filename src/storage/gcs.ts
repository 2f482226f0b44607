import { createRequire } from 'node:module';
import type * as GcsSdk from '@google-cloud/storage';
import type { File, Storage as GcsClient, StorageOptions } from '@google-cloud/storage';

// Loaded when a GCS storage is created, not at start-up (~7 MB of heap per worker otherwise).
const requireCjs = createRequire(import.meta.url);
const gcsSdk = (): typeof GcsSdk => requireCjs('@google-cloud/storage') as typeof GcsSdk;
import { ImageBlob, type Stat } from '../blob.js';
import { ImagorError, expired, notFound } from '../errors.js';
import { BodyCollector, reserveBody } from '../loader/body.js';
import type { BodyBytes, LoadContext, Storage } from '../types.js';
import { createLocator } from './locate.js';
import { NO_ESCAPE } from './keys.js';

/**
 * Google Cloud Storage loader / storage / result storage (spec §5.7, §6.3–6.5).
 *
 * Key mapping is the same as S3's: `'/' + normalize(key, safeChars)`; with bucket `*` the first
 * segment is the bucket; keys outside `pathPrefix` are refused (400 invalid); the prefix is
 * stripped and the rest joined with the base dir.
 *
 * `get` reads the object's metadata first (expiration, stats for ETag/Last-Modified) and then
 * downloads exactly that generation, so the bytes always match the stats. `put` is a single
 * (multipart) simple upload, which GCS commits whole or not at all; unlike imagor, a failed
 * upload rejects `put` instead of being lost.
 */
export interface GcsStorageOptions {
  /** `bucket`, `bucket/base/dir`, or `*` (bucket = first segment of the key) */
  bucket: string;
  baseDir?: string;
  pathPrefix?: string;
  safeChars?: string;
  /** predefined ACL for written objects, e.g. `publicRead`; empty sends none */
  acl?: string;
  /** objects older than this are `410 expired` on get; 0/undefined = never */
  expirationMs?: number;
  /** an existing client; otherwise one is built from `clientOptions` (Application Default Credentials) */
  client?: GcsClient;
  clientOptions?: StorageOptions;
  name?: string;
}

export interface GcsLocation {
  bucket: string;
  key: string;
}

export interface GcsStorage extends Storage {
  stat(key: string, ctx: LoadContext): Promise<Stat>;
  locate(key: string): GcsLocation;
  readonly client: GcsClient;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** The HTTP status of a GCS client error, when it has one. */
function gcsStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = (err as { code: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

interface ObjectMeta {
  size?: string | number | undefined;
  updated?: string | undefined;
  etag?: string | undefined;
  contentType?: string | undefined;
  contentEncoding?: string | undefined;
  generation?: string | number | undefined;
}

function statFrom(meta: ObjectMeta): Stat {
  const st: Stat = {};
  if (meta.size !== undefined) st.size = Number(meta.size);
  if (meta.updated !== undefined) {
    const t = new Date(meta.updated);
    if (!Number.isNaN(t.getTime())) st.modifiedTime = t;
  }
  if (meta.etag !== undefined && meta.etag !== '') st.etag = meta.etag;
  return st;
}

/**
 * Reads a file's media into one buffer, counted against `bytes`; the download is destroyed when
 * `signal` aborts or a chunk is refused. Settles once, on the first error or the end.
 */
function download(
  file: File,
  declared: number | undefined,
  bytes: BodyBytes,
  signal: AbortSignal,
): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    signal.throwIfAborted();
    const stream = file.createReadStream({ validation: 'crc32c' });
    const body = new BodyCollector(bytes, declared);
    let settled = false;
    const settle = (err: unknown, data?: Buffer): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (data) resolve(data);
      else reject(err instanceof Error ? err : new Error(String(err)));
    };
    const onAbort = (): void => {
      const reason: unknown = signal.reason;
      stream.destroy(reason instanceof Error ? reason : new Error('aborted'));
      settle(reason instanceof Error ? reason : new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (c: Buffer) => {
      if (settled) return;
      try {
        body.push(c);
      } catch (err) {
        settle(err);
        stream.destroy();
      }
    });
    // stays attached after settling: a late failure of the destroyed download is not unhandled
    stream.on('error', (err) => settle(err));
    stream.on('end', () => {
      if (declared !== undefined && body.size !== declared) settle(unreadable());
      else settle(undefined, body.finish());
    });
  });
}

/** The object's media failed or ended early (the cause goes to the log only). */
const unreadable = (cause?: unknown): ImagorError =>
  new ImagorError(502, 'gcs: object body could not be read', { cause });

export function createGcsStorage(opts: GcsStorageOptions): GcsStorage {
  const locate = createLocator({
    bucket: opts.bucket,
    baseDir: opts.baseDir,
    pathPrefix: opts.pathPrefix,
    safeChars: opts.safeChars === NO_ESCAPE ? NO_ESCAPE : (opts.safeChars ?? ''),
    bucketName: BUCKET_NAME,
    store: 'gcs',
  });
  const expirationMs = opts.expirationMs ?? 0;
  const client = opts.client ?? new (gcsSdk().Storage)(opts.clientOptions ?? {});
  const name = opts.name ?? 'gcs';

  const fileOf = (loc: GcsLocation, generation?: number): File =>
    client
      .bucket(loc.bucket)
      .file(loc.key, generation !== undefined && Number.isFinite(generation) ? { generation } : {});

  async function metadata(loc: GcsLocation): Promise<ObjectMeta> {
    try {
      const [meta] = await fileOf(loc).getMetadata();
      return meta as ObjectMeta;
    } catch (err) {
      if (gcsStatus(err) === 404) throw notFound();
      throw err;
    }
  }

  async function get(key: string, ctx: LoadContext): Promise<ImageBlob> {
    const loc = locate(key);
    const meta = await metadata(loc);
    ctx.signal.throwIfAborted();
    const st = statFrom(meta);
    if (expirationMs > 0 && st.modifiedTime && Date.now() - st.modifiedTime.getTime() > expirationMs) {
      throw expired();
    }
    // the metadata's size is what the download holds (an object stored gzip-compressed is
    // decompressed on the way: its body is then counted as it grows)
    const size = Number(meta.size);
    const declared =
      meta.size !== undefined && !meta.contentEncoding && Number.isFinite(size) ? size : undefined;
    const bytes = await reserveBody(ctx, ctx.signal, declared);
    let data: Buffer;
    try {
      data = await download(fileOf(loc, Number(meta.generation)), declared, bytes, ctx.signal);
    } catch (err) {
      bytes.release();
      // the object was replaced or removed between the metadata read and the download
      if (gcsStatus(err) === 404) throw notFound();
      if (err instanceof ImagorError || ctx.signal.aborted) throw err;
      throw unreadable(err);
    }
    return new ImageBlob(data, { contentType: meta.contentType, stat: st });
  }

  async function stat(key: string, ctx: LoadContext): Promise<Stat> {
    const meta = await metadata(locate(key));
    ctx.signal.throwIfAborted();
    return statFrom(meta);
  }

  async function put(key: string, blob: ImageBlob, signal: AbortSignal): Promise<void> {
    const loc = locate(key);
    signal.throwIfAborted();
    const file = fileOf(loc);
    await new Promise<void>((resolve, reject) => {
      const ws = file.createWriteStream({
        resumable: false,
        contentType: blob.contentType,
        validation: 'crc32c',
        ...(opts.acl ? { predefinedAcl: opts.acl as 'publicRead' } : {}),
      });
      const onAbort = (): void => {
        ws.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      let settled = false;
      const done = (err?: unknown): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else reject(err instanceof Error ? err : new Error(String(err)));
      };
      ws.on('error', done);
      ws.on('finish', () => done());
      ws.end(blob.data);
    });
  }

  async function del(key: string, signal: AbortSignal): Promise<void> {
    const loc = locate(key);
    signal.throwIfAborted();
    try {
      await fileOf(loc).delete();
    } catch (err) {
      if (gcsStatus(err) === 404) return;
      throw err;
    }
  }

  return { name, client, get, stat, put, delete: del, locate };
}

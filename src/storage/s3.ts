import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type {
  ObjectCannedACL,
  PutObjectCommandInput,
  S3Client,
  S3ClientConfig,
  StorageClass,
} from '@aws-sdk/client-s3';
import { ImageBlob, type Stat } from '../blob.js';
import { ImagorError, expired, notFound } from '../errors.js';
import { BodyCollector, reserveBody } from '../loader/body.js';
import type { BodyBytes, LoadContext, Storage } from '../types.js';
import { createLocator } from './locate.js';
import { NO_ESCAPE, S3_SAFE_CHARS } from './keys.js';

/**
 * AWS S3 loader / storage / result storage (spec §5.6, §6.3–6.5).
 *
 * Key mapping: `'/' + normalize(key, '!"()*' + safeChars)` (safe chars `--` = no escaping); with
 * bucket `*` the first segment of the normalised key is the bucket and the rest is the key; keys
 * outside `pathPrefix` are refused (400 invalid); the prefix is stripped, the rest joined with the
 * base dir (`bucket/base/dir` or `baseDir`) and the leading slash dropped. Keys with a `..` segment
 * and empty object keys are refused too (400), so nothing can step outside the base dir.
 *
 * `put` is a single PutObject: S3 makes the object visible whole or not at all.
 */
export interface S3StorageOptions {
  /** `bucket`, `bucket/base/dir`, or `*` (bucket = first segment of the key) */
  bucket: string;
  baseDir?: string;
  pathPrefix?: string;
  safeChars?: string;
  acl?: string;
  tagging?: string;
  /** default `STANDARD` */
  storageClass?: string;
  /** objects older than this are `410 expired` on get; 0/undefined = never */
  expirationMs?: number;
  client?: S3Client;
  clientConfig?: {
    region?: string;
    endpoint?: string;
    forcePathStyle?: boolean;
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    /** idle keep-alive sockets kept per host (`-s3-http-max-idle-conns-per-host`) */
    maxIdleConnsPerHost?: number;
  };
  name?: string;
}

export interface S3Location {
  bucket: string;
  key: string;
}

export interface S3Storage extends Storage {
  stat(key: string, ctx: LoadContext): Promise<Stat>;
  /** Bucket and object key for an image key; throws 400 invalid for refused keys. */
  locate(key: string): S3Location;
  readonly client: S3Client;
}

// The SDK is loaded when an S3 storage is created, not at start-up: a server without S3 saves ~4 MB
// of heap per worker (fewer, cheaper garbage collections under load).
const requireCjs = createRequire(import.meta.url);
let sdkModule: typeof S3Sdk | undefined;
const sdk = (): typeof S3Sdk => (sdkModule ??= requireCjs('@aws-sdk/client-s3') as typeof S3Sdk);

const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound']);

/** S3 error meaning "no such object or bucket". */
export function isS3NotFound(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (NOT_FOUND_NAMES.has(err.name)) return true;
  const code = (err as Error & { Code?: unknown }).Code;
  return typeof code === 'string' && NOT_FOUND_NAMES.has(code);
}

/** DNS-compatible bucket name (what S3 accepts for new buckets). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** An S3 client for the given settings (SDK loaded on first call). */
export function buildClient(cfg: S3StorageOptions['clientConfig']): S3Client {
  const config: S3ClientConfig = {};
  if (cfg?.region !== undefined && cfg.region !== '') config.region = cfg.region;
  if (cfg?.endpoint !== undefined && cfg.endpoint !== '') config.endpoint = cfg.endpoint;
  if (cfg?.forcePathStyle === true) config.forcePathStyle = true;
  if (cfg?.credentials !== undefined) {
    const c = cfg.credentials;
    config.credentials =
      c.sessionToken !== undefined && c.sessionToken !== ''
        ? { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken }
        : { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey };
  }
  if (cfg?.maxIdleConnsPerHost !== undefined && cfg.maxIdleConnsPerHost > 0) {
    const agent = { keepAlive: true, maxFreeSockets: cfg.maxIdleConnsPerHost };
    config.requestHandler = { httpAgent: new http.Agent(agent), httpsAgent: new https.Agent(agent) };
  }
  // no credentials given: the SDK's default provider chain resolves them
  return new (sdk().S3Client)(config);
}

/**
 * Reads a GetObject body into one Buffer, counted against `bytes`; the stream is destroyed when
 * `signal` aborts. A body cut mid-way (connection reset, premature end) rejects with the stream's
 * error; the stream is never left without an error listener.
 */
async function readBody(
  body: unknown,
  declared: number | undefined,
  bytes: BodyBytes,
  signal: AbortSignal,
): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  const collector = new BodyCollector(bytes, declared);
  if (body instanceof Readable) {
    const onAbort = (): void => {
      body.destroy(signal.reason instanceof Error ? signal.reason : undefined);
    };
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // leaving the loop early (a refused chunk) destroys the stream
      for await (const chunk of body) {
        collector.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
      }
      signal.throwIfAborted();
      if (declared !== undefined && collector.size !== declared) throw unreadable();
      return collector.finish();
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
  const mixin = body as { transformToByteArray?: () => Promise<Uint8Array> };
  if (typeof mixin.transformToByteArray === 'function') {
    const bytesRead = await mixin.transformToByteArray();
    signal.throwIfAborted();
    collector.push(Buffer.from(bytesRead.buffer, bytesRead.byteOffset, bytesRead.byteLength));
    return collector.finish();
  }
  throw new Error('s3: unsupported response body type');
}

/** The object's body failed or ended before its Content-Length (the cause goes to the log only). */
const unreadable = (cause?: unknown): ImagorError =>
  new ImagorError(502, 's3: object body could not be read', { cause });

function discardBody(body: unknown): void {
  if (body instanceof Readable) body.destroy();
}

/**
 * What a failed body read answers: our own errors and aborts as they are; the stream's own
 * failure (a connection cut mid-body) as 502 with a fixed message, the cause kept for the log.
 */
function readError(err: unknown): unknown {
  if (err instanceof ImagorError) return err;
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) return err;
  return unreadable(err);
}

function statFrom(out: {
  ContentLength?: number | undefined;
  LastModified?: Date | undefined;
  ETag?: string | undefined;
}): Stat {
  const st: Stat = {};
  if (out.ContentLength !== undefined) st.size = out.ContentLength;
  if (out.LastModified !== undefined) st.modifiedTime = out.LastModified;
  if (out.ETag !== undefined) st.etag = out.ETag;
  return st;
}

export function createS3Storage(opts: S3StorageOptions): S3Storage {
  const locate = createLocator({
    bucket: opts.bucket,
    baseDir: opts.baseDir,
    pathPrefix: opts.pathPrefix,
    safeChars: opts.safeChars === NO_ESCAPE ? NO_ESCAPE : S3_SAFE_CHARS + (opts.safeChars ?? ''),
    bucketName: BUCKET_NAME,
    store: 's3',
  });
  const expirationMs = opts.expirationMs ?? 0;
  const storageClass =
    opts.storageClass !== undefined && opts.storageClass !== '' ? opts.storageClass : 'STANDARD';
  const client = opts.client ?? buildClient(opts.clientConfig);
  const name = opts.name ?? 's3';

  async function get(key: string, ctx: LoadContext): Promise<ImageBlob> {
    const loc = locate(key);
    let out;
    try {
      out = await client.send(new (sdk().GetObjectCommand)({ Bucket: loc.bucket, Key: loc.key }), {
        abortSignal: ctx.signal,
      });
    } catch (err) {
      if (isS3NotFound(err)) throw notFound();
      throw err;
    }
    let bytes: BodyBytes | undefined;
    try {
      if (
        expirationMs > 0 &&
        out.LastModified !== undefined &&
        Date.now() - out.LastModified.getTime() > expirationMs
      ) {
        throw expired();
      }
      // the body stays in the socket while the request waits for room
      bytes = await reserveBody(ctx, ctx.signal, out.ContentLength);
      const data = await readBody(out.Body, out.ContentLength, bytes, ctx.signal);
      return new ImageBlob(data, { contentType: out.ContentType, stat: statFrom(out) });
    } catch (err) {
      bytes?.release();
      discardBody(out.Body);
      throw readError(err);
    }
  }

  async function stat(key: string, ctx: LoadContext): Promise<Stat> {
    const loc = locate(key);
    try {
      const head = await client.send(new (sdk().HeadObjectCommand)({ Bucket: loc.bucket, Key: loc.key }), {
        abortSignal: ctx.signal,
      });
      return statFrom(head);
    } catch (err) {
      if (isS3NotFound(err)) throw notFound();
      throw err;
    }
  }

  async function put(key: string, blob: ImageBlob, signal: AbortSignal): Promise<void> {
    const loc = locate(key);
    signal.throwIfAborted();
    const input: PutObjectCommandInput = {
      Bucket: loc.bucket,
      Key: loc.key,
      Body: blob.data,
      ContentType: blob.contentType,
      ContentLength: blob.size,
      StorageClass: storageClass as StorageClass,
    };
    if (opts.acl !== undefined && opts.acl !== '') input.ACL = opts.acl as ObjectCannedACL;
    if (opts.tagging !== undefined && opts.tagging !== '') input.Tagging = opts.tagging;
    await client.send(new (sdk().PutObjectCommand)(input), { abortSignal: signal });
  }

  async function del(key: string, signal: AbortSignal): Promise<void> {
    const loc = locate(key);
    try {
      await client.send(new (sdk().DeleteObjectCommand)({ Bucket: loc.bucket, Key: loc.key }), {
        abortSignal: signal,
      });
    } catch (err) {
      if (isS3NotFound(err)) return;
      throw err;
    }
  }

  return { name, client, get, stat, put, delete: del, locate };
}

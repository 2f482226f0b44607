import type { IncomingHttpHeaders } from 'node:http';
import os from 'node:os';
import type { Logger } from 'pino';
import { ImageBlob, type ImageFormat } from '../blob.js';
import { ImagorError, expired, invalid, notFound, signatureMismatch, toImagorError } from '../errors.js';
import { queryUnescapeOrRaw } from '../path/escape.js';
import { generatePath } from '../path/generate.js';
import { missingImageMessage, parse } from '../path/parse.js';
import type { Filter, Params } from '../path/params.js';
import { paramsToJSON } from '../path/json.js';
import { resultKey, storageKey } from '../storage/keys.js';
import type { LoadContext, Loader, Processor, Storage } from '../types.js';
import type { UploadBody, UploadLoader } from '../loader/upload.js';
import { cacheHeaders, contentDisposition, isNotModified, validators, type CacheOptions } from './headers.js';
import { ProcessLimiter } from '../limiter.js';
import { imageSlots } from './capacity.js';
import { ByteBudget, type RequestBytes } from './byte-budget.js';
import { deadline, expiresAt } from './deadline.js';
import { SingleFlight } from './singleflight.js';
import { landingPage } from './landing.js';

export interface VerifyingSigner {
  sign(path: string): string;
  verify(path: string, hash: string): boolean;
}

export interface AppOptions {
  version: string;
  unsafe: boolean;
  signer: VerifyingSigner;
  loaders: Loader[];
  storages: Storage[];
  resultStorages: Storage[];
  processor: Processor;
  baseParams: string;
  autoWebp: boolean;
  autoAvif: boolean;
  autoJpeg: boolean;
  cache: CacheOptions;
  requestTimeoutMs: number;
  loadTimeoutMs: number;
  saveTimeoutMs: number;
  processTimeoutMs: number;
  processConcurrency: number;
  processQueueSize: number;
  /** cores this process may use (default: all of the machine's); sizes the three limits below */
  cores?: number;
  /**
   * Images processed at once by this process (0 = sized from `cores`, src/app/capacity.ts). One more
   * source per core may be loaded ahead of a free slot; the requests beyond wait in line without holding
   * their source bytes.
   * Not imagor's -imagor-process-concurrency: that one refuses (429); this one only queues, to keep
   * memory flat and libuv's pool free for I/O.
   */
  parallelImages?: number;
  /**
   * Of those, how many may be AVIF/HEIF sources at once (0 = one per core). Their decoder needs about
   * 70 MB of working memory for a 2000 px photo, and more of them in flight than cores gave no more
   * throughput, only more memory (bench/README.md).
   */
  parallelHeavyDecodes?: number;
  storagePathStyle: 'original' | 'digest';
  resultStoragePathStyle: 'original' | 'digest' | 'suffix' | 'size';
  modifiedTimeCheck: boolean;
  disableParamsEndpoint: boolean;
  responseRawOnError: boolean;
  basePathRedirect: string;
  logger: Logger;
  /** observability hooks (metrics); all optional */
  hooks?: AppHooks;
  /** `-upload-loader-enable`: POST uploads (only honoured together with `unsafe`) */
  upload?: UploadLoader;
  /**
   * Upload bytes this process holds at once (default 128 MiB; 0 = no cap). Each upload reserves its
   * Content-Length (or the upload size limit) before its body is read; the ones that do not fit wait.
   */
  uploadBytesInFlight?: number;
  /** uploads that may wait for that budget before the next one is refused with 429 (default 64) */
  uploadBytesQueue?: number;
  /**
   * Bytes of loaded sources (loader and storage bodies, result storage reads) this process holds at
   * once (default 256 MiB; 0 = no cap). Each body reserves its declared length before it is read, a
   * body of unknown length a first chunk and then more as it streams (src/app/byte-budget.ts).
   */
  loadBytesInFlight?: number;
  /** requests that may wait for that budget before the next one is refused with 429 (default 64) */
  loadBytesQueue?: number;
}

export const DEFAULT_UPLOAD_BYTES_IN_FLIGHT = 128 * 2 ** 20;
export const DEFAULT_LOAD_BYTES_IN_FLIGHT = 256 * 2 ** 20;

export interface AppHooks {
  stage?(stage: 'load' | 'process' | 'save', ms: number): void;
  resultStorage?(outcome: 'hit' | 'miss'): void;
  storage?(outcome: 'hit' | 'miss'): void;
  processed?(): void;
}

export interface AppRequest {
  method: string;
  /** raw (still percent-encoded) path after any server prefix, without the query string */
  path: string;
  headers: IncomingHttpHeaders;
  signal: AbortSignal;
  /** request body (the node:http request itself); only read for POST uploads */
  body?: UploadBody;
  /** request Content-Type; defaults to `headers['content-type']` */
  contentType?: string;
}

export interface AppResponse {
  status: number;
  headers: Record<string, string>;
  /** undefined: no body at all (HEAD, 304, 405, 499) */
  body: Buffer | undefined;
}

interface WorkResult {
  blob: ImageBlob;
  fromStorage: boolean;
  responseHeaders?: Record<string, string>;
}

const UTILITY_FILTERS = new Set(['expire', 'attachment', 'max_age']);

/** Sources whose decoder needs far more memory than the picture itself (see parallelHeavyDecodes). */
const HEAVY_DECODES: ReadonlySet<ImageFormat> = new Set(['avif', 'heif']);

export interface App {
  handle(req: AppRequest): Promise<AppResponse>;
  readonly limiter: ProcessLimiter;
  /** bytes of loaded sources held now (`held`) and requests waiting for room (`queued`) */
  readonly loadBytes: ByteBudget;
  /** the same for uploads */
  readonly uploadBytes: ByteBudget;
  /** resolves when background storage writes have settled (tests, graceful shutdown) */
  idle(): Promise<void>;
  /**
   * How long the oldest pixel work still running has outlived its request's deadline (0: none).
   * libvips cannot interrupt some operations (librsvg rendering an SVG): a worker whose work stays
   * overdue is best replaced (src/main.ts).
   */
  overdueWorkMs(): number;
}

export function createApp(opts: AppOptions): App {
  const limiter = new ProcessLimiter(opts.processConcurrency, opts.processQueueSize);
  const cores = opts.cores && opts.cores > 0 ? opts.cores : os.availableParallelism();
  const images = opts.parallelImages && opts.parallelImages > 0 ? opts.parallelImages : imageSlots(cores);
  const slots = new ProcessLimiter(images, Number.MAX_SAFE_INTEGER);
  // one source per core may be loaded ahead, so a freed slot starts on bytes already in memory
  const loadSlots = new ProcessLimiter(images + cores, Number.MAX_SAFE_INTEGER);
  const heavySlots = new ProcessLimiter(
    opts.parallelHeavyDecodes && opts.parallelHeavyDecodes > 0 ? opts.parallelHeavyDecodes : cores,
    Number.MAX_SAFE_INTEGER,
  );
  const uploadBytes = new ByteBudget(
    opts.uploadBytesInFlight ?? DEFAULT_UPLOAD_BYTES_IN_FLIGHT,
    opts.uploadBytesQueue ?? 64,
  );
  const loadBytes = new ByteBudget(
    opts.loadBytesInFlight ?? DEFAULT_LOAD_BYTES_IN_FLIGHT,
    opts.loadBytesQueue ?? 64,
  );
  const flight = new SingleFlight<WorkResult>();
  const background = new Set<Promise<unknown>>();
  const hooks = opts.hooks ?? {};
  const baseParams = opts.baseParams ? parse('unsafe/' + opts.baseParams.replace(/^\/+/, '')) : undefined;

  const track = (p: Promise<unknown>): void => {
    const q = p.catch(() => undefined).finally(() => background.delete(q));
    background.add(q);
  };

  function verify(path: string): Params {
    const p = parse(path);
    if (p.unsafe) {
      if (opts.unsafe) return p;
      throw signatureMismatch();
    }
    if (!p.hash || !opts.signer.verify(p.path ?? '', p.hash)) throw signatureMismatch();
    return p;
  }

  function verifyWithRetry(path: string): Params {
    try {
      return verify(path);
    } catch (err) {
      const e = toImagorError(err);
      if (e.status !== 403 && e.status !== 400) throw e;
      const unescaped = queryUnescapeOrRaw(path);
      if (unescaped === path) throw e;
      return verify(unescaped);
    }
  }

  async function loadFrom(sources: readonly Loader[], key: string, ctx: LoadContext): Promise<ImageBlob> {
    let lastErr: ImagorError | undefined;
    for (const src of sources) {
      try {
        const blob = await withTimeout(ctx.signal, opts.loadTimeoutMs, (signal) =>
          src.get(key, { ...ctx, signal }),
        );
        if (!blob.isEmpty) return blob;
      } catch (err) {
        const e = toImagorError(err);
        if (ctx.signal.aborted) throw e;
        lastErr = e;
      }
    }
    throw lastErr ?? notFound();
  }

  async function forgetSource(image: string): Promise<void> {
    const sKey = storageKey(image, opts.storagePathStyle);
    await Promise.allSettled(
      opts.storages.map((st) => withDeadline(opts.saveTimeoutMs, (s) => st.delete(sKey, s))),
    );
  }

  async function loadSource(
    image: string,
    ctx: LoadContext,
    saves?: Array<Promise<void>>,
  ): Promise<ImageBlob> {
    const started = Date.now();
    const sKey = storageKey(image, opts.storagePathStyle);
    if (opts.storages.length > 0) {
      try {
        const blob = await loadFrom(opts.storages, sKey, ctx);
        hooks.storage?.('hit');
        return blob;
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        hooks.storage?.('miss');
      }
    }
    const blob = await loadFrom(opts.loaders, image, ctx);
    hooks.stage?.('load', Date.now() - started);
    for (const st of opts.storages) {
      const save = saveTo(st, sKey, blob);
      saves?.push(save);
      track(save);
    }
    return blob;
  }

  async function saveTo(storage: Storage, key: string, blob: ImageBlob): Promise<void> {
    const started = Date.now();
    try {
      await withDeadline(opts.saveTimeoutMs, (signal) => storage.put(key, blob, signal));
      hooks.stage?.('save', Date.now() - started);
    } catch (err) {
      opts.logger.warn({ err, storage: storage.name, key }, 'storage write failed');
      await withDeadline(opts.saveTimeoutMs, (s) => storage.delete(key, s)).catch(() => undefined);
    }
  }

  async function fromResultStorage(
    key: string,
    image: string,
    ctx: LoadContext,
  ): Promise<ImageBlob | undefined> {
    for (const rs of opts.resultStorages) {
      try {
        const blob = await withTimeout(ctx.signal, opts.loadTimeoutMs, (signal) =>
          rs.get(key, { ...ctx, signal }),
        );
        if (blob.isEmpty) continue;
        if (opts.modifiedTimeCheck && (await sourceIsNewer(image, blob, ctx))) continue;
        return blob;
      } catch (err) {
        if (ctx.signal.aborted) throw err;
      }
    }
    return undefined;
  }

  async function sourceIsNewer(image: string, result: ImageBlob, ctx: LoadContext): Promise<boolean> {
    const resultTime = result.stat?.modifiedTime;
    if (!resultTime) return false;
    const candidates: Loader[] = opts.storages.length > 0 ? opts.storages : opts.loaders;
    const key = opts.storages.length > 0 ? storageKey(image, opts.storagePathStyle) : image;
    for (const c of candidates) {
      if (!c.stat) continue;
      try {
        const st = await c.stat(key, ctx);
        if (st?.modifiedTime) return st.modifiedTime > resultTime;
      } catch {
        // a source that cannot be stat'ed keeps the cached result
      }
    }
    return false;
  }

  /**
   * One answer's work. The source bytes it loaded (`hold`) are given back when its answer is made,
   * or, when its pixel work outlives it, when that work ends.
   */
  async function work(
    p: Params,
    key: string | undefined,
    flags: { raw: boolean; preview: boolean },
    ctx: LoadContext,
    hold: RequestBytes,
  ): Promise<WorkResult> {
    let job: Promise<unknown> | undefined;
    try {
      return await workWithHold(p, key, flags, { ...ctx, bytes: hold }, (j) => (job = j));
    } finally {
      holdUntilSettled(job, () => hold.release());
    }
  }

  async function workWithHold(
    p: Params,
    key: string | undefined,
    flags: { raw: boolean; preview: boolean },
    ctx: LoadContext,
    started: (job: Promise<unknown>) => void,
  ): Promise<WorkResult> {
    const image = p.image ?? '';
    if (key && !flags.raw && opts.resultStorages.length > 0) {
      const hit = await fromResultStorage(key, image, ctx);
      hooks.resultStorage?.(hit ? 'hit' : 'miss');
      if (hit) return { blob: hit, fromStorage: true };
    }
    if (flags.raw) {
      const src = await loadSource(image, ctx);
      return { blob: src, fromStorage: src.stat !== undefined, ...overrides(src) };
    }
    const release = await limiter.acquire(ctx.signal);
    let releaseLoad: (() => void) | undefined;
    let releaseSlot: (() => void) | undefined;
    let job: Promise<unknown> | undefined;
    try {
      releaseLoad = await loadSlots.acquire(ctx.signal);
      const saves: Array<Promise<void>> = [];
      const source = /^color:/i.test(image)
        ? new ImageBlob(Buffer.alloc(0))
        : ((flags.preview ? opts.processor.cachedSource?.(image, p) : undefined) ??
          (await loadSource(image, ctx, saves)));
      releaseSlot = await slots.acquire(ctx.signal);
      let out: ImageBlob;
      try {
        out = await processWithRawOnError(source, p, ctx, flags.preview, (j) => {
          job = j;
          started(j);
        });
      } catch (err) {
        // a source that cannot be processed is not kept in the storages (imagor does the same)
        if (saves.length > 0) track(Promise.allSettled(saves).then(() => forgetSource(image)));
        throw err;
      }
      if (key && !flags.preview) for (const rs of opts.resultStorages) track(saveTo(rs, key, out));
      return { blob: out, fromStorage: false, ...overrides(source) };
    } finally {
      holdUntilSettled(job, () => {
        releaseSlot?.();
        releaseLoad?.();
        release();
      });
    }
  }

  /**
   * Frees a request's slots when its pixel work has really ended, not when the request gave up on
   * it: work that outlives its request still holds memory and cores, and must not make room for more.
   */
  function holdUntilSettled(job: Promise<unknown> | undefined, free: () => void): void {
    if (job === undefined) free();
    else void job.then(free, free);
  }

  /** Runs the processor; with `-imagor-response-raw-on-error` a failure carries the source along. */
  async function processWithRawOnError(
    source: ImageBlob,
    p: Params,
    ctx: LoadContext,
    preview = false,
    hold?: (job: Promise<unknown>) => void,
  ): Promise<ImageBlob> {
    let releaseHeavy: (() => void) | undefined;
    let job: Promise<unknown> | undefined;
    try {
      // taken while holding an image slot; heavy holders wait on nothing else, so no deadlock
      if (HEAVY_DECODES.has(source.format)) releaseHeavy = await heavySlots.acquire(ctx.signal);
      const started = Date.now();
      const out = await withTimeout(ctx.signal, opts.processTimeoutMs, (signal) => {
        const j = opts.processor.process(source, p, {
          signal,
          load: (img, s) =>
            loadSource(img, { headers: ctx.headers, signal: s, ...(ctx.bytes ? { bytes: ctx.bytes } : {}) }),
          ...(preview ? { preview } : {}),
        });
        job = j;
        hold?.(j);
        watch(j, expiresAt(signal));
        return j;
      });
      hooks.stage?.('process', Date.now() - started);
      hooks.processed?.();
      return out;
    } catch (err) {
      const e = toImagorError(err);
      if (opts.responseRawOnError && !source.isEmpty && e.status !== 499) throw new RawOnError(e, source);
      throw e;
    } finally {
      holdUntilSettled(job, () => releaseHeavy?.());
    }
  }

  /** Pixel work in progress and when its request's deadline fires (see overdueWorkMs). */
  const running = new Map<Promise<unknown>, number>();
  function watch(job: Promise<unknown>, at: number | undefined): void {
    if (at === undefined) return;
    running.set(job, at);
    const forget = (): void => void running.delete(job);
    job.then(forget, forget);
  }

  interface Prepared {
    p: Params;
    image: string;
    key: string | undefined;
    flags: { raw: boolean; preview: boolean };
    maxAgeSec: number | undefined;
    expireAtMs: number | undefined;
    attachment: string | undefined;
    vary: boolean;
  }

  /** Signature, base params, utility filters, auto format and the result key (spec §6.2 steps 1–2). */
  function prepare(req: AppRequest, upload: boolean): Prepared {
    let p = verifyWithRetry(req.path);
    if (baseParams) p = applyBaseParams(p, baseParams);
    const filters = p.filters ?? [];
    let maxAgeSec: number | undefined;
    let expireAtMs: number | undefined;
    let attachment: string | undefined;
    let explicitFormat = false;
    const flags = { raw: false, preview: false };
    for (const f of filters) {
      const args = f.args ?? '';
      if (f.name === 'expire') {
        const ts = Number(args);
        if (args !== '' && Number.isFinite(ts)) {
          if (ts < Date.now()) throw expired();
          expireAtMs = ts;
        }
      } else if (f.name === 'max_age') {
        const s = Number(args);
        if (args !== '' && Number.isInteger(s) && s >= 0) maxAgeSec = s;
      } else if (f.name === 'attachment') attachment = queryUnescapeOrRaw(args);
      else if (f.name === 'format') explicitFormat = true;
      else if (f.name === 'raw') flags.raw = true;
      else if (f.name === 'preview') flags.preview = true;
    }
    let changed = filters.some((f) => UTILITY_FILTERS.has(f.name)) || baseParams !== undefined;
    let kept: Filter[] = filters.filter((f) => !UTILITY_FILTERS.has(f.name));
    const autoFormat = opts.autoAvif || opts.autoWebp || opts.autoJpeg;
    const vary = autoFormat && !explicitFormat && !p.meta;
    if (vary) {
      const negotiated = negotiateFormat(String(req.headers.accept ?? ''), opts);
      if (negotiated.length > 0) {
        kept = [...kept, ...negotiated];
        changed = true;
      }
    }
    p = { ...p, filters: kept };
    if (kept.length === 0) delete p.filters;
    if (upload) {
      // the image part of an upload path is ignored: the body is the image
      delete p.image;
      return { p, image: '', key: undefined, flags, maxAgeSec, expireAtMs, attachment, vary };
    }
    const image = p.image ?? '';
    if (image === '') throw invalid(missingImageMessage(p));
    const path = changed ? generatePath(p) : (p.path ?? generatePath(p));
    const formatFilter = [...kept].reverse().find((f) => f.name === 'format');
    const key = flags.preview
      ? undefined
      : resultKey(path, opts.resultStoragePathStyle, {
          image,
          ...(formatFilter?.args ? { format: formatFilter.args } : {}),
          ...(p.meta ? { meta: true } : {}),
          ...(p.width ? { width: p.width } : {}),
          ...(p.height ? { height: p.height } : {}),
        });
    return { p, image, key, flags, maxAgeSec, expireAtMs, attachment, vary };
  }

  async function handleImage(req: AppRequest): Promise<AppResponse> {
    if (opts.upload && opts.unsafe && req.method === 'GET') {
      const parsed = parse(req.path);
      if (parsed.unsafe && (parsed.image ?? '') === '') {
        const body = Buffer.from(uploadForm(req.path, paramsToJSON(parsed), opts.upload.fieldName));
        return {
          status: 200,
          headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(body.length) },
          body,
        };
      }
    }
    const prep = prepare(req, false);
    const { p, key, flags } = prep;
    // Shared work is bounded by the request timeout, not by one client's connection: a follower
    // must not fail because the leader's client went away.
    const ctxFor = (signal: AbortSignal): LoadContext => ({ headers: req.headers, signal });
    const run = async (): Promise<WorkResult> => {
      const d = deadline(undefined, opts.requestTimeoutMs);
      try {
        return await work(p, key, flags, ctxFor(d.signal), loadBytes.hold());
      } finally {
        d.done();
      }
    };
    return respond(req, prep, () =>
      raceSignal(key && !flags.raw ? flight.do(key, run).then((r) => r.value) : run(), req.signal),
    );
  }

  /** POST upload (spec §4.4): the body is the source; no storages, no result storage, no dedup. */
  async function handleUpload(req: AppRequest, upload: UploadLoader): Promise<AppResponse> {
    const prep = prepare(req, true);
    // a timer this request holds (see deadline.ts): an unreferenced AbortSignal.timeout can be collected
    const d = deadline(req.signal, opts.requestTimeoutMs);
    const signal = d.signal;
    const lengthHeader = req.headers['content-length'];
    const length = lengthHeader !== undefined ? Number(lengthHeader) : undefined;
    return respond(req, prep, async () => {
      try {
        return await uploadWork(signal);
      } finally {
        d.done();
      }
    });

    async function uploadWork(signal: AbortSignal): Promise<WorkResult> {
      const declared = length !== undefined && Number.isFinite(length) && length >= 0 ? length : undefined;
      // what this body may hold: its declared length, at most the size limit; an unknown length
      // (chunked) reserves the limit, or 32 MiB when uploads are unlimited
      const limit = upload.maxAllowedSize;
      const reserve = Math.min(declared ?? limit, limit === Infinity ? (declared ?? 32 * 2 ** 20) : limit);
      let releaseBytes: (() => void) | undefined;
      try {
        releaseBytes = await uploadBytes.acquire(reserve, signal);
      } catch (err) {
        // the body is left unread: the answer closes the connection
        throw toImagorError(err);
      }
      try {
        return await readAndProcess(signal);
      } finally {
        releaseBytes();
      }
    }

    async function readAndProcess(signal: AbortSignal): Promise<WorkResult> {
      const started = Date.now();
      const source = await raceSignal(
        upload.read(
          req.body,
          req.contentType ?? req.headers['content-type'],
          signal,
          length !== undefined && Number.isFinite(length) ? length : undefined,
        ),
        signal,
      );
      hooks.stage?.('load', Date.now() - started);
      const release = await limiter.acquire(signal);
      let releaseSlot: (() => void) | undefined;
      let job: Promise<unknown> | undefined;
      // sources loaded by the upload's image() or watermark() filters
      const hold = loadBytes.hold();
      try {
        releaseSlot = await slots.acquire(signal);
        const out = await processWithRawOnError(
          source,
          prep.p,
          { headers: req.headers, signal, bytes: hold },
          false,
          (j) => (job = j),
        );
        return { blob: out, fromStorage: false };
      } finally {
        holdUntilSettled(job, () => {
          hold.release();
          releaseSlot?.();
          release();
        });
      }
    }
  }

  async function respond(
    req: AppRequest,
    prep: Prepared,
    produce: () => Promise<WorkResult>,
  ): Promise<AppResponse> {
    const { image, flags, maxAgeSec, expireAtMs, attachment, vary } = prep;
    let result: WorkResult;
    try {
      result = await produce();
    } catch (err) {
      if (err instanceof RawOnError) {
        return {
          status: err.error.status,
          headers: {
            'Content-Type': err.source.contentType,
            'Content-Length': String(err.source.size),
            'Content-Disposition': 'inline',
            ...cacheHeaders(opts.cache, req.headers, { maxAgeSec, expireAtMs }),
          },
          body: err.source.data,
        };
      }
      throw err;
    }

    const blob = result.blob;
    const headers: Record<string, string> = {
      'Content-Type': blob.contentType,
      'Content-Length': String(blob.size),
      'Content-Disposition': contentDisposition(attachment, image || 'image', blob.contentType),
      ...cacheHeaders(opts.cache, req.headers, { maxAgeSec, expireAtMs }),
    };
    if (vary) headers['Vary'] = 'Accept';
    if (flags.raw) headers['Content-Security-Policy'] = "script-src 'none'";
    if (result.fromStorage) {
      const v = validators(blob);
      if (v.etag) headers['ETag'] = v.etag;
      if (v.lastModified) headers['Last-Modified'] = v.lastModified.toUTCString();
      if (isNotModified(req.headers, v)) {
        delete headers['Content-Length'];
        return { status: 304, headers, body: undefined };
      }
    }
    Object.assign(headers, result.responseHeaders ?? {});
    return { status: 200, headers, body: blob.data };
  }

  function handleParams(req: AppRequest): AppResponse {
    if (opts.disableParamsEndpoint)
      return { status: 200, headers: { 'Content-Length': '0' }, body: Buffer.alloc(0) };
    const p = parse(req.path);
    const body = Buffer.from(paramsToJSON(p));
    return {
      status: 200,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) },
      body,
    };
  }

  async function handle(req: AppRequest): Promise<AppResponse> {
    const trimmed = req.path.replace(/^\/+/, '');
    if (
      req.method === 'POST' &&
      opts.upload &&
      opts.unsafe &&
      trimmed !== '' &&
      !trimmed.startsWith('params/')
    ) {
      return handleUpload(req, opts.upload);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, headers: {}, body: undefined };
    if (trimmed === '') {
      if (opts.basePathRedirect) {
        return { status: 307, headers: { Location: opts.basePathRedirect }, body: undefined };
      }
      const body = Buffer.from(landingPage(opts.version, opts.unsafe));
      return {
        status: 200,
        headers: { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(body.length) },
        body,
      };
    }
    if (trimmed.startsWith('params/')) return handleParams(req);
    return handleImage(req);
  }

  return {
    handle,
    limiter,
    loadBytes,
    uploadBytes,
    async idle() {
      while (background.size > 0) await Promise.all([...background]);
    },
    overdueWorkMs() {
      const now = Date.now();
      let worst = 0;
      for (const at of running.values()) worst = Math.max(worst, now - at);
      return worst;
    },
  };
}

/** The HTML form imagor shows for a GET of an unsafe processing path without image when uploads are on. */
function uploadForm(path: string, paramsJson: string, field: string): string {
  const esc = (t: string): string =>
    t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const action = '/' + path.replace(/^\/+/, '');
  return (
    '<!doctype html><html><head><meta charset="utf-8"><title>imagor upload</title></head><body>' +
    `<form method="post" enctype="multipart/form-data" action="${esc(action)}">` +
    `<input type="file" name="${esc(field)}" accept="image/*"> <button type="submit">Upload</button></form>` +
    `<pre>${esc(paramsJson)}</pre></body></html>`
  );
}

class RawOnError extends Error {
  constructor(
    readonly error: ImagorError,
    readonly source: ImageBlob,
  ) {
    super(error.message);
  }
}

function overrides(src: ImageBlob): { responseHeaders?: Record<string, string> } {
  const h = (src as ImageBlob & { responseHeaders?: Record<string, string> }).responseHeaders;
  return h && Object.keys(h).length > 0 ? { responseHeaders: h } : {};
}

function negotiateFormat(accept: string, opts: AppOptions): Filter[] {
  if (opts.autoAvif && accept.includes('image/avif')) {
    const out: Filter[] = [{ name: 'format', args: 'avif' }];
    if (opts.autoWebp && accept.includes('image/webp')) out.push({ name: 'fallback_format', args: 'webp' });
    return out;
  }
  if (opts.autoWebp && accept.includes('image/webp')) return [{ name: 'format', args: 'webp' }];
  if (
    opts.autoJpeg &&
    (accept === '' || accept.includes('image/jpeg') || accept.includes('image/*') || accept.includes('*/*'))
  ) {
    return [{ name: 'format', args: 'jpeg' }];
  }
  return [];
}

/** `-imagor-base-params`: fields the URL leaves unset are taken from the base; base filters go after the URL's. */
function applyBaseParams(p: Params, base: Params): Params {
  const out: Params = { ...p };
  const skip = new Set(['path', 'image', 'hash', 'unsafe', 'params', 'filters', 'base64_image']);
  for (const [k, v] of Object.entries(base) as [keyof Params, unknown][]) {
    if (skip.has(k) || v === undefined) continue;
    if (out[k] === undefined) (out as Record<string, unknown>)[k] = v;
  }
  const filters = [...(p.filters ?? []), ...(base.filters ?? [])];
  if (filters.length > 0) out.filters = filters;
  return out;
}

async function withTimeout<T>(
  parent: AbortSignal,
  ms: number,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (ms <= 0) return raceSignal(fn(parent), parent);
  const d = deadline(parent, ms);
  try {
    return await raceSignal(fn(d.signal), d.signal);
  } finally {
    d.done();
  }
}

/** Runs `fn` under a deadline timer held (and cleared) here; 0 or less = no deadline. */
async function withDeadline<T>(ms: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const d = deadline(undefined, ms);
  try {
    return await raceSignal(fn(d.signal), d.signal);
  } finally {
    d.done();
  }
}

/** Settles with the promise, or rejects as soon as the signal aborts (the work itself may go on). */
function raceSignal<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    p.catch(() => undefined);
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function abortError(signal: AbortSignal): ImagorError {
  const r: unknown = signal.reason;
  if (r instanceof Error && r.name === 'TimeoutError') return new ImagorError(408, 'timeout');
  if (r instanceof ImagorError) return r;
  return new ImagorError(499, 'client closed request');
}

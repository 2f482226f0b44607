import type { IncomingHttpHeaders } from 'node:http';
import type { ImageBlob, Stat } from './blob.js';
import type { Params } from './path/params.js';

/** What a loader or storage call knows about the request that caused it. */
export interface LoadContext {
  signal: AbortSignal;
  /** headers of the client request (for header forwarding); empty for internal loads */
  headers: IncomingHttpHeaders;
  /** the request's share of the process's source byte budget; absent: bodies are not counted */
  bytes?: SourceBytes;
}

/**
 * Room for the source bodies one request holds (src/app/byte-budget.ts). A loader reserves a body's
 * declared length (or a first chunk when it is not known) before it reads the body, and tells the
 * reservation as the body grows beyond it.
 */
export interface SourceBytes {
  /**
   * Reserves `bytes` for a body about to be read. Waits for room only while the request holds no
   * other source bytes (408 at the deadline, 429 beyond the waiting line); a request that already
   * holds some gets room at once or 503. A declared length larger than the whole budget is 400; a
   * `first-chunk` reservation (a body of unknown length) is cut to the budget instead.
   */
  reserve(bytes: number, signal: AbortSignal, length?: 'declared' | 'first-chunk'): Promise<BodyBytes>;
}

/** One body's reservation. */
export interface BodyBytes {
  /** bytes this body has room for now (Infinity when bodies are not counted) */
  readonly reserved: number;
  /** The body has reached `total` bytes: takes more room at once when needed, or throws (400/503). */
  grow(total: number): void;
  /** The body is complete at `total` bytes: gives back what was reserved beyond it. */
  settle(total: number): void;
  /** The read failed: gives all of this body's bytes back. */
  release(): void;
}

/** A read-only source of image bytes. Throws ImagorError 404 when it has no such key, 400 when the key is not its kind. */
export interface Loader {
  readonly name: string;
  get(key: string, ctx: LoadContext): Promise<ImageBlob>;
  stat?(key: string, ctx: LoadContext): Promise<Stat | undefined>;
}

/** A loader that can also keep bytes: storages (sources) and result storages (processed images). */
export interface Storage extends Loader {
  /** Writes whole or not at all: a reader never sees a partial object under `key`. */
  put(key: string, blob: ImageBlob, signal: AbortSignal): Promise<void>;
  delete(key: string, signal: AbortSignal): Promise<void>;
}

export interface ProcessContext {
  signal: AbortSignal;
  /** Loads an image key through the same storages and loaders as the main image (nested image(), watermark()). */
  load(image: string, signal: AbortSignal): Promise<ImageBlob>;
  /** the request has `preview()`: its base image may be served from and kept in the decoded-image cache */
  preview?: boolean;
}

export interface Processor {
  process(blob: ImageBlob, params: Params, ctx: ProcessContext): Promise<ImageBlob>;
  /**
   * The decoded-image cache's copy of a `preview()` request's base image, when it holds one the request
   * may use: the source then needs no loading at all.
   */
  cachedSource?(image: string, params: Params): ImageBlob | undefined;
}

export interface Signer {
  sign(path: string): string;
}

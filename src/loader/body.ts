/**
 * Reading a source body into one buffer while it is counted against the request's source byte
 * budget (src/app/byte-budget.ts) and an optional size limit. Shared by the HTTP loader and the S3
 * and GCS storages.
 */
import { maxSizeExceeded } from '../errors.js';
import type { BodyBytes, LoadContext } from '../types.js';

/** What a body of unknown length (chunked, compressed) reserves before its first byte is read. */
export const FIRST_CHUNK = 1024 * 1024;

/** A reservation that counts nothing (no budget, or a budget of 0). */
export const UNCOUNTED: BodyBytes = {
  reserved: Infinity,
  grow: () => undefined,
  settle: () => undefined,
  release: () => undefined,
};

/**
 * Reserves room for a body about to be read: its declared length, or a first chunk (at most the
 * size limit) when the length is not known. Without a budget in `ctx`, nothing is counted.
 */
export async function reserveBody(
  ctx: LoadContext,
  signal: AbortSignal,
  declared: number | undefined,
  maxSize = 0,
): Promise<BodyBytes> {
  if (!ctx.bytes) return UNCOUNTED;
  if (declared !== undefined) return ctx.bytes.reserve(declared, signal, 'declared');
  return ctx.bytes.reserve(maxSize > 0 ? Math.min(maxSize, FIRST_CHUNK) : FIRST_CHUNK, signal, 'first-chunk');
}

/**
 * Collects a body's chunks. With a declared length the body has room for (or within the size
 * limit), the chunks are copied into one buffer of that length as they come: the whole body is
 * never held twice. Each chunk is checked against the size limit (400) and the reservation
 * (which grows or refuses) before it is kept.
 */
export class BodyCollector {
  private buf: Buffer | undefined;
  private readonly chunks: Buffer[] = [];
  private total = 0;

  constructor(
    private readonly bytes: BodyBytes,
    declared: number | undefined,
    private readonly maxSize = 0,
  ) {
    const bounded =
      declared !== undefined && (declared <= bytes.reserved || (maxSize > 0 && declared <= maxSize));
    if (bounded && declared > 0) this.buf = Buffer.allocUnsafe(declared);
  }

  get size(): number {
    return this.total;
  }

  push(chunk: Buffer): void {
    const total = this.total + chunk.length;
    if (this.maxSize > 0 && total > this.maxSize) throw maxSizeExceeded();
    this.bytes.grow(total);
    if (this.buf && total <= this.buf.length) {
      chunk.copy(this.buf, this.total);
    } else {
      // more than declared (a decoded body, a lying origin): keep the chunks as they are
      if (this.buf) {
        this.chunks.push(this.buf.subarray(0, this.total));
        this.buf = undefined;
      }
      this.chunks.push(chunk);
    }
    this.total = total;
  }

  /** The whole body; gives back the room reserved beyond it. */
  finish(): Buffer {
    this.bytes.settle(this.total);
    if (this.buf) {
      if (this.total === this.buf.length) return this.buf;
      // shorter than declared: do not keep the larger allocation alive behind a slice
      return Buffer.from(this.buf.subarray(0, this.total));
    }
    return Buffer.concat(this.chunks, this.total);
  }
}

import { ImagorError, maxSizeExceeded, sourceBytesExhausted, timeout, tooManyRequests } from '../errors.js';
import { UNCOUNTED } from '../loader/body.js';
import type { BodyBytes, SourceBytes } from '../types.js';

/**
 * A cap on the bytes this process holds at once (uploads, loaded source bodies): each request
 * reserves what it may hold before it reads a body, and gives it back when its answer is made. A
 * request that does not fit waits (first come, first served, until its deadline: 408) while its body
 * stays in the socket; beyond `maxWaiting` waiting requests, the next one is refused at once (429),
 * as imagor's process queue does.
 */
export class ByteBudget {
  private used = 0;
  private readonly waiting: Array<{ bytes: number; grant: () => void }> = [];

  constructor(
    readonly capacity: number,
    private readonly maxWaiting: number,
  ) {}

  get held(): number {
    return this.used;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Bytes not held by anyone. */
  get room(): number {
    return Math.max(0, this.capacity - this.used);
  }

  /** Reserves `bytes` (at most the whole capacity); resolves with the function that gives them back. */
  async acquire(bytes: number, signal: AbortSignal): Promise<() => void> {
    if (this.capacity <= 0) return () => undefined;
    const n = Math.max(0, Math.min(bytes, this.capacity));
    await this.take(n, signal);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.give(n);
    };
  }

  /** Room for the source bodies of one request (see RequestBytes); `release()` it when its answer is made. */
  hold(): RequestBytes {
    return new RequestBytes(this);
  }

  /** Waits in line for `n` bytes (n ≤ capacity). */
  take(n: number, signal: AbortSignal): Promise<void> {
    if (n === 0 || (this.waiting.length === 0 && this.used + n <= this.capacity)) {
      this.used += n;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(tooManyRequests());
    return new Promise<void>((resolve, reject) => {
      const entry = {
        bytes: n,
        grant: (): void => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        const r: unknown = signal.reason;
        reject(
          r instanceof ImagorError ? r : r instanceof Error && r.name !== 'TimeoutError' ? r : timeout(),
        );
        this.admit();
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Takes `n` bytes at once if they fit, ahead of any waiting request; false when they do not. */
  tryTake(n: number): boolean {
    if (this.used + n > this.capacity) return false;
    this.used += n;
    return true;
  }

  give(n: number): void {
    if (n <= 0) return;
    this.used -= n;
    this.admit();
  }

  /** Grants waiting reservations in order while they fit. */
  private admit(): void {
    for (;;) {
      const next = this.waiting[0];
      if (!next || this.used + next.bytes > this.capacity) return;
      this.waiting.shift();
      this.used += next.bytes;
      next.grant();
    }
  }
}

/**
 * The source bytes one request holds, reserved body by body and given back all at once by
 * `release()` (when the request's answer is made and its pixel work has ended).
 *
 * No deadlock between requests that each hold part of the budget: a request waits for room only
 * while it holds none. Once it holds some (its main source, while an `image()` or watermark source
 * is loaded; a chunked body growing past its first chunk), it takes room at once, ahead of the
 * waiting line, or fails with 503. Its reservations are made one after another, so two loads of
 * one request never both wait.
 */
export class RequestBytes implements SourceBytes {
  private bytes = 0;
  private released = false;
  private turn: Promise<void> = Promise.resolve();

  constructor(private readonly budget: ByteBudget) {}

  /** Bytes this request holds now. */
  get held(): number {
    return this.bytes;
  }

  async reserve(
    bytes: number,
    signal: AbortSignal,
    length: 'declared' | 'first-chunk' = 'declared',
  ): Promise<BodyBytes> {
    const cap = this.budget.capacity;
    if (cap <= 0) return UNCOUNTED;
    let n = Math.max(0, Math.ceil(bytes));
    if (n > cap) {
      if (length === 'declared') throw maxSizeExceeded();
      n = cap;
    }
    const before = this.turn;
    let next: () => void = () => undefined;
    this.turn = new Promise<void>((r) => (next = r));
    try {
      await before;
      if (this.released) throw sourceBytesExhausted();
      if (this.bytes > 0) {
        // a body of unknown length starts with what is left; it fails only if it outgrows that
        if (length === 'first-chunk') n = Math.min(n, this.budget.room);
        if (!this.budget.tryTake(n)) throw sourceBytesExhausted();
      } else {
        await this.budget.take(n, signal);
        // the request gave up (and gave its bytes back) while this one waited
        if (this.released) {
          this.budget.give(n);
          throw sourceBytesExhausted();
        }
      }
      this.bytes += n;
    } finally {
      next();
    }
    return this.body(n);
  }

  /** Gives back every byte this request still holds; later reservations are refused. */
  release(): void {
    if (this.released) return;
    this.released = true;
    const n = this.bytes;
    this.bytes = 0;
    this.budget.give(n);
  }

  private body(reserved: number): BodyBytes {
    let mine = reserved;
    const cap = this.budget.capacity;
    const shrink = (to: number): void => {
      if (this.released || to >= mine) return;
      const back = mine - to;
      mine = to;
      this.bytes -= back;
      this.budget.give(back);
    };
    const more = (n: number): boolean => {
      if (!this.budget.tryTake(n)) return false;
      mine += n;
      this.bytes += n;
      return true;
    };
    return {
      get reserved() {
        return mine;
      },
      grow: (total) => {
        if (total <= mine) return;
        if (total > cap) throw maxSizeExceeded();
        if (this.released) throw sourceBytesExhausted();
        // in steps that at least double, so a body streamed in small chunks asks rarely
        const want = Math.min(cap, Math.max(total, mine * 2));
        if (!more(want - mine) && !more(total - mine)) throw sourceBytesExhausted();
      },
      settle: (total) => shrink(Math.max(0, total)),
      release: () => shrink(0),
    };
  }
}

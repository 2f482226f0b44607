import { ImagorError, timeout, tooManyRequests } from '../errors.js';

/**
 * A cap on the request bytes this process holds at once (uploads): each request reserves what it
 * may hold before it reads its body, and gives it back when its answer is made. A request that does
 * not fit waits (first come, first served, until its deadline: 408) while its body stays in the
 * socket; beyond `maxWaiting` waiting requests, the next one is refused at once (429), as imagor's
 * process queue does.
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

  /** Reserves `bytes` (at most the whole capacity); resolves with the function that gives them back. */
  async acquire(bytes: number, signal: AbortSignal): Promise<() => void> {
    if (this.capacity <= 0) return () => undefined;
    const n = Math.max(0, Math.min(bytes, this.capacity));
    if (this.waiting.length === 0 && this.used + n <= this.capacity) {
      this.used += n;
      return this.releaser(n);
    }
    if (this.waiting.length >= this.maxWaiting) throw tooManyRequests();
    await new Promise<void>((resolve, reject) => {
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
    return this.releaser(n);
  }

  private releaser(n: number): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.used -= n;
      this.admit();
    };
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

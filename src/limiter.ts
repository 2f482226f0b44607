import { timeout, tooManyRequests } from './errors.js';

/**
 * imagor's process limits: `concurrency` slots plus an admission gate of concurrency + queueSize.
 * Beyond the gate a request is refused at once (429); an admitted one waits for a slot until its
 * deadline (408). concurrency <= 0 means unlimited.
 */
export class ProcessLimiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly queueSize: number,
  ) {}

  get inFlight(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async acquire(signal: AbortSignal): Promise<() => void> {
    if (this.concurrency <= 0) return () => undefined;
    if (this.running + this.waiting.length >= this.concurrency + Math.max(0, this.queueSize)) {
      throw tooManyRequests();
    }
    if (this.running < this.concurrency) {
      this.running++;
      return this.releaser();
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(
          signal.reason instanceof Error && signal.reason.name !== 'TimeoutError' ? signal.reason : timeout(),
        );
      };
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
    // the slot was handed over by the releaser, running already counts it
    return this.releaser();
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    };
  }
}

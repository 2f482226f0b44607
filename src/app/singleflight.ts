/**
 * Concurrent calls with the same key share one execution. The leader's abort does not cancel the
 * shared work for followers: a follower whose leader failed because its own client went away retries.
 */
export class SingleFlight<T> {
  private readonly inflight = new Map<string, Promise<T>>();

  get size(): number {
    return this.inflight.size;
  }

  async do(key: string, fn: () => Promise<T>): Promise<{ value: T; shared: boolean }> {
    const existing = this.inflight.get(key);
    if (existing) return { value: await existing, shared: true };
    const p = fn().finally(() => {
      if (this.inflight.get(key) === p) this.inflight.delete(key);
    });
    this.inflight.set(key, p);
    return { value: await p, shared: false };
  }
}

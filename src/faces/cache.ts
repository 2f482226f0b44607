/**
 * Detection results by source image key: least recently used entries go first once `size` entries
 * are held; with a TTL an entry older than it is a miss (and dropped). size 0 holds nothing.
 */
export class DetectionCache<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();

  constructor(
    readonly size: number,
    readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (this.ttlMs > 0 && this.now() - e.at >= this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    // re-insert: Map iteration order is the recency order
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V): void {
    if (this.size <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, at: this.now() });
    while (this.entries.size > this.size) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }

  get length(): number {
    return this.entries.size;
  }
}

/**
 * A signal that aborts when its parent does or when `ms` pass (a TimeoutError), and that is released
 * with `done()`. Unlike AbortSignal.timeout/any, nothing outlives the call: no timer waits 30 s for each
 * finished request and no composite signal is left for the garbage collector, which matters at
 * hundreds of requests per second.
 */
export interface Deadline {
  signal: AbortSignal;
  done(): void;
}

/** When each deadline's signal fires (epoch ms); read by the processor for sharp's timeout(). */
const expiries = new WeakMap<AbortSignal, number>();

/** Epoch ms at which `signal` (made by deadline(), or derived from one) times out, if known. */
export function expiresAt(signal: AbortSignal): number | undefined {
  return expiries.get(signal);
}

export function deadline(parent: AbortSignal | undefined, ms: number): Deadline {
  const ac = new AbortController();
  const inherited = parent ? expiries.get(parent) : undefined;
  const own = ms > 0 ? Date.now() + ms : undefined;
  const at = own === undefined ? inherited : inherited === undefined ? own : Math.min(own, inherited);
  if (at !== undefined) expiries.set(ac.signal, at);
  const onAbort = (): void => ac.abort(parent?.reason);
  if (parent?.aborted) ac.abort(parent.reason);
  else parent?.addEventListener('abort', onAbort, { once: true });
  const timer =
    ms > 0
      ? setTimeout(() => ac.abort(new DOMException('The operation timed out.', 'TimeoutError')), ms)
      : undefined;
  timer?.unref();
  return {
    signal: ac.signal,
    done() {
      if (timer) clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}

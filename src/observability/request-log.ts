/**
 * Per-request facts for the access line: where the time went (load / process / save, as the app's
 * stage hooks report them) and whether the result storage answered. The handler opens a record for
 * each request; the hooks below find it through AsyncLocalStorage, so the app needs no extra wiring.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';
import type { AppHooks } from '../app/app.js';

export interface RequestRecord {
  /** milliseconds per stage (summed when a stage runs more than once, e.g. a watermark's load) */
  load?: number;
  process?: number;
  save?: number;
  /** result storage: `hit` (served from it) or `miss` */
  cache?: 'hit' | 'miss';
  /** source storage: `hit` or `miss` */
  storage?: 'hit' | 'miss';
  /** the response has been logged: later stages (background saves) get their own debug line */
  done?: boolean;
  uri?: string;
}

const current = new AsyncLocalStorage<RequestRecord>();

/** Runs `fn` with `record` as the current request's record. */
export function withRequestRecord<T>(record: RequestRecord, fn: () => T): T {
  return current.run(record, fn);
}

/** App hooks that fill the current request's record, then call `inner` (metrics). */
export function recordingHooks(inner: AppHooks | undefined, logger: Logger): AppHooks {
  return {
    stage(stage, ms) {
      const rec = current.getStore();
      if (rec) {
        if (rec.done) {
          if (logger.isLevelEnabled('debug')) logger.debug({ uri: rec.uri, stage, ms }, `${stage} finished`);
        } else rec[stage] = (rec[stage] ?? 0) + ms;
      }
      inner?.stage?.(stage, ms);
    },
    resultStorage(outcome) {
      const rec = current.getStore();
      if (rec && !rec.done) rec.cache = outcome;
      inner?.resultStorage?.(outcome);
    },
    storage(outcome) {
      const rec = current.getStore();
      if (rec && !rec.done) rec.storage = outcome;
      inner?.storage?.(outcome);
    },
    processed() {
      inner?.processed?.();
    },
  };
}

import { AsyncLocalStorage } from 'node:async_hooks';
import type { Sharp } from 'sharp';
import { toImagorError, type ImagorError } from '../errors.js';

/**
 * The request a piece of pixel work belongs to, carried implicitly (AsyncLocalStorage) from the
 * processor's entry points down to every sharp pipeline, so that work stops with its request:
 * each pipeline gets sharp's `timeout()` for the time left, and each step (frame, filter) first
 * checks the signal. Without it a timed-out request answers 408 while libvips computes on.
 */
interface Scope {
  signal: AbortSignal;
  /** epoch ms at which the request's deadline fires, if it has one */
  expiresAt: number | undefined;
}

const scope = new AsyncLocalStorage<Scope>();

export function runInWorkScope<T>(
  signal: AbortSignal,
  expiresAt: number | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  return scope.run({ signal, expiresAt }, fn);
}

/** Throws the request's own error (408, 499) when its signal has fired. */
export function checkWork(): void {
  const s = scope.getStore();
  if (s?.signal.aborted) throw abortedWork(s.signal);
}

/** The request's own error (408, 499) for work stopped by its aborted signal. */
export function abortedWork(signal: AbortSignal): ImagorError {
  return toImagorError(abortCause(signal.reason));
}

/** The signal of the request the current work belongs to, if any. */
export function workSignal(): AbortSignal | undefined {
  return scope.getStore()?.signal;
}

/** Gives a pipeline sharp's timeout for the time the request has left (whole seconds, at least 1). */
export function boundWork(p: Sharp): Sharp {
  const s = scope.getStore();
  if (s?.expiresAt === undefined) return p;
  const left = s.expiresAt - Date.now();
  return p.timeout({ seconds: Math.max(1, Math.ceil(left / 1000)) });
}

function abortCause(reason: unknown): unknown {
  if (reason instanceof Error) return reason;
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

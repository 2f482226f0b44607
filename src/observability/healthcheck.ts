#!/usr/bin/env node
/**
 * Container health probe: `node dist/src/observability/healthcheck.js [url]` exits 0 when
 * `GET <server>/healthcheck` answers 200 within 3 s, else 1. The slim Node image has no curl, so the
 * Dockerfile's HEALTHCHECK runs this. Without a URL argument it finds the server from the same
 * environment variables the server reads (BIND, SERVER_ADDRESS, PORT, SERVER_PATH_PREFIX).
 */
import { pathToFileURL } from 'node:url';

/** The health-check URL for a server configured by these environment variables. */
export function healthcheckUrl(env: NodeJS.ProcessEnv): string {
  let host = env['SERVER_ADDRESS'] ?? '';
  let port = env['PORT'] || '8000';
  const bind = env['BIND'] ?? '';
  if (bind) {
    const colon = bind.lastIndexOf(':');
    host = colon >= 0 ? bind.slice(0, colon) : bind;
    if (colon >= 0 && bind.slice(colon + 1)) port = bind.slice(colon + 1);
  }
  host = host.replace(/^\[|\]$/g, '');
  // a wildcard or empty address listens everywhere, loopback included
  if (host === '' || host === '0.0.0.0' || host === '::') host = '127.0.0.1';
  const prefix = (env['SERVER_PATH_PREFIX'] ?? '').replace(/\/+$/, '');
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return `http://${hostPart}:${port}${prefix && !prefix.startsWith('/') ? '/' : ''}${prefix}/healthcheck`;
}

/** Resolves true when the URL answers 200 within the timeout. */
export async function probe(url: string, timeoutMs = 3000): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const url = process.argv[2] ?? healthcheckUrl(process.env);
  void probe(url).then((ok) => {
    if (!ok) process.stderr.write(`healthcheck failed: ${url}\n`);
    process.exit(ok ? 0 : 1);
  });
}

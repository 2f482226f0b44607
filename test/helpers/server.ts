import { pino } from 'pino';
import { buildServer, type BuiltServer } from '../../src/build.js';
import { loadConfig } from '../../src/config/load.js';
import { fixturePath } from './fixtures.js';

/** Starts the real server (same build path as the CLI) on 127.0.0.1 with a free port. */
export async function startServer(args: string[], env: Record<string, string> = {}): Promise<BuiltServer> {
  const r = loadConfig(['-bind', '127.0.0.1:0', ...args], env, { readFile: () => undefined });
  if (r.kind !== 'config') throw new Error(`bad test configuration: ${JSON.stringify(r)}`);
  return buildServer(r.config, pino({ level: 'silent' }));
}

/** Unsafe mode, file loader on the fixtures folder, HTTP loader off: the usual e2e set-up. */
export function startFixtureServer(extra: string[] = []): Promise<BuiltServer> {
  return startServer([
    '-imagor-unsafe',
    '-file-loader-base-dir',
    fixturePath(''),
    '-http-loader-disable',
    ...extra,
  ]);
}

export interface Fetched {
  status: number;
  headers: Headers;
  body: Buffer;
}

export async function get(url: string, init: RequestInit = {}): Promise<Fetched> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

export function json(f: Fetched): unknown {
  return JSON.parse(f.body.toString('utf8'));
}

/**
 * Shared pieces of the storage, concurrency and upload end-to-end tests: a real S3-protocol server
 * (s3rver), a controllable origin for the HTTP loader, and a server start that takes build extras
 * (processing counters, fault injection).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import S3rver from 's3rver';
import { buildServer, type BuildExtras, type BuiltServer } from '../../src/build.js';
import { loadConfig } from '../../src/config/load.js';

export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Fixture {
  endpoint: string;
  client: S3Client;
  keys(bucket: string): Promise<string[]>;
  read(bucket: string, key: string): Promise<Buffer>;
  write(bucket: string, key: string, data: Buffer, contentType?: string): Promise<void>;
  /** backdate an object's LastModified by `ms` */
  age(bucket: string, key: string, ms: number): Promise<void>;
  /** the flags that point every S3 role at this server */
  flags: string[];
  close(): Promise<void>;
}

export async function startS3(buckets: string[]): Promise<S3Fixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'imagor-e2e-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const addr = await server.run();
  const endpoint = `http://127.0.0.1:${addr.port}`;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
  });
  return {
    endpoint,
    client,
    async keys(bucket) {
      const out = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
    },
    async read(bucket, key) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(out.Body ? await out.Body.transformToByteArray() : new Uint8Array());
    },
    async write(bucket, key, data, contentType = 'application/octet-stream') {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: data, ContentType: contentType }),
      );
    },
    async age(bucket, key, ms) {
      const past = new Date(Date.now() - ms);
      await utimes(server.store.getResourcePath(bucket, key, 'object'), past, past);
    },
    flags: [
      '-s3-endpoint',
      endpoint,
      '-s3-force-path-style',
      '-aws-region',
      'us-east-1',
      '-aws-access-key-id',
      S3_CREDENTIALS.accessKeyId,
      '-aws-secret-access-key',
      S3_CREDENTIALS.secretAccessKey,
    ],
    async close() {
      client.destroy();
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A counter of processed images, to prove that a response came from a storage. */
export interface Counted {
  server: BuiltServer;
  processed: () => number;
}

/** Starts the real server (CLI build path) on 127.0.0.1 with extras; counts processing runs. */
export async function startCounted(
  args: string[],
  extras: Omit<BuildExtras, 'hooks'> = {},
): Promise<Counted> {
  const r = loadConfig(['-bind', '127.0.0.1:0', ...args], {}, { readFile: () => undefined });
  if (r.kind !== 'config') throw new Error(`bad test configuration: ${JSON.stringify(r)}`);
  let processed = 0;
  const server = await buildServer(r.config, pino({ level: 'silent' }), {
    ...extras,
    hooks: { processed: () => processed++ },
  });
  return { server, processed: () => processed };
}

export interface Origin {
  url: string;
  /** GET requests per path */
  hits: Map<string, number>;
  /** resolves when `n` GET requests for `path` have arrived (held ones included) */
  arrived(path: string, n: number): Promise<void>;
  /** set a path's body; `held` paths wait for `release(path)` before answering */
  serve(path: string, body: Buffer, type: string, mode?: 'normal' | 'held' | 'half'): void;
  release(path: string): void;
  close(): Promise<void>;
}

/**
 * Origin server for the HTTP loader. Modes: `normal`; `held` (headers and body are sent only after
 * `release`); `half` (declares the full length, sends half the bytes, then destroys the socket).
 */
export async function startOrigin(): Promise<Origin> {
  const routes = new Map<string, { body: Buffer; type: string; mode: string }>();
  const hits = new Map<string, number>();
  const waiters: Array<{ path: string; n: number; resolve: () => void }> = [];
  const gates = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  const gate = (p: string): { promise: Promise<void>; resolve: () => void } => {
    let g = gates.get(p);
    if (!g) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      g = { promise, resolve };
      gates.set(p, g);
    }
    return g;
  };
  const server = http.createServer((req, res) => {
    const p = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routes.get(p);
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    const headers = { 'Content-Type': route.type, 'Content-Length': route.body.length };
    if (req.method === 'HEAD') {
      res.writeHead(200, headers).end();
      return;
    }
    hits.set(p, (hits.get(p) ?? 0) + 1);
    for (const w of [...waiters]) {
      if (w.path === p && (hits.get(p) ?? 0) >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
    if (route.mode === 'half') {
      res.writeHead(200, headers);
      res.write(route.body.subarray(0, Math.floor(route.body.length / 2)), () => {
        setImmediate(() => res.destroy());
      });
      return;
    }
    const send = (): void => {
      res.writeHead(200, headers).end(route.body);
    };
    if (route.mode === 'held') void gate(p).promise.then(send);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    arrived: (p, n) =>
      (hits.get(p) ?? 0) >= n
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ path: p, n, resolve })),
    serve(p, body, type, mode = 'normal') {
      routes.set(p, { body, type, mode });
    },
    release: (p) => gate(p).resolve(),
    close: () =>
      new Promise<void>((resolve) => {
        for (const g of gates.values()) g.resolve();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Every file below `dir`, relative, sorted (hidden temp files included). */
export async function listFiles(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    return entries
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
      .sort();
  } catch {
    return [];
  }
}

/** Resolves once `server` has received `n` requests in total (the app has entered its pipeline). */
export function requestsArrived(server: http.Server, n: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const on = (): void => {
      if (++seen >= n) {
        server.off('request', on);
        resolve();
      }
    };
    server.on('request', on);
  });
}

/**
 * GET with node:http and exactly the given headers. (fetch adds `Cache-Control: no-cache` to
 * conditional requests, which by design disables 304s.)
 */
export function plainGet(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

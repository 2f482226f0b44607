/**
 * FAKE Google Cloud Storage JSON API, for tests only. It is not an emulator: it implements just the
 * calls `@google-cloud/storage` makes for our GCS storage (object metadata get, media download,
 * multipart simple upload, delete), keeps objects in memory, and lets tests inject failures.
 * Paths are accepted with or without the `/storage/v1` prefix (the client drops it when
 * `STORAGE_EMULATOR_HOST` is used).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

export interface FakeObject {
  data: Buffer;
  contentType: string;
  generation: number;
  updated: Date;
  predefinedAcl: string | undefined;
}

export interface FakeGcs {
  url: string;
  objects: Map<string, FakeObject>;
  /** buckets whose uploads fail with the given status (e.g. 403) */
  failUploads: Map<string, number>;
  /**
   * buckets whose media downloads send this many bytes of the body, then drop the connection; with
   * `chunked`, the body is sent without a Content-Length
   */
  cutMedia: Map<string, { after: number; chunked?: boolean }>;
  /** counts per kind of call */
  calls: { metadata: number; media: number; upload: number; delete: number };
  put(bucket: string, key: string, data: Buffer, contentType?: string): void;
  get(bucket: string, key: string): FakeObject | undefined;
  keys(bucket: string): string[];
  close(): Promise<void>;
}

const id = (bucket: string, key: string): string => `${bucket}\u0000${key}`;

function md5(b: Buffer): string {
  return createHash('md5').update(b).digest('base64');
}

function crc32c(b: Buffer): string {
  const c = new CRC32C();
  c.update(b);
  return c.toString();
}

function readAll(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** multipart/related body → parts (headers + body bytes). */
function parseMultipart(body: Buffer, boundary: string): Array<{ headers: string; body: Buffer }> {
  const delim = Buffer.from(`--${boundary}`);
  const parts: Array<{ headers: string; body: Buffer }> = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delim, start);
    if (next < 0) break;
    const chunk = body.subarray(start + 2, next - 2); // skip CRLF after delimiter and before next
    const sep = chunk.indexOf('\r\n\r\n');
    parts.push({ headers: chunk.subarray(0, sep).toString(), body: chunk.subarray(sep + 4) });
    pos = next;
  }
  return parts;
}

export async function startFakeGcs(buckets: string[]): Promise<FakeGcs> {
  const known = new Set(buckets);
  const objects = new Map<string, FakeObject>();
  const failUploads = new Map<string, number>();
  const cutMedia = new Map<string, { after: number; chunked?: boolean }>();
  const calls = { metadata: 0, media: 0, upload: 0, delete: 0 };
  let generation = 1000;

  const meta = (bucket: string, key: string, o: FakeObject): Record<string, string> => ({
    kind: 'storage#object',
    id: `${bucket}/${key}/${o.generation}`,
    name: key,
    bucket,
    generation: String(o.generation),
    metageneration: '1',
    contentType: o.contentType,
    size: String(o.data.length),
    updated: o.updated.toISOString(),
    timeCreated: o.updated.toISOString(),
    etag: `"${md5(o.data).slice(0, 12)}-${o.generation}"`,
    md5Hash: md5(o.data),
    crc32c: crc32c(o.data),
  });

  const sendJson = (res: http.ServerResponse, status: number, body: unknown): void => {
    const b = Buffer.from(JSON.stringify(body));
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': b.length });
    res.end(b);
  };
  const sendError = (res: http.ServerResponse, status: number, message: string): void =>
    sendJson(res, status, { error: { code: status, message, errors: [{ reason: 'fake', message }] } });

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const p = url.pathname.replace(/^\/storage\/v1(?=\/)/, '');
      const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(p);
      if (upload && req.method === 'POST') {
        calls.upload++;
        const bucket = decodeURIComponent(upload[1] ?? '');
        const body = await readAll(req);
        if (!known.has(bucket)) return sendError(res, 404, 'bucket not found');
        const fail = failUploads.get(bucket);
        if (fail !== undefined) return sendError(res, fail, 'upload refused by the fake');
        const boundary = /boundary=("?)([^";]+)\1/.exec(req.headers['content-type'] ?? '')?.[2];
        if (url.searchParams.get('uploadType') !== 'multipart' || !boundary)
          return sendError(res, 400, 'only multipart uploads are faked');
        const parts = parseMultipart(body, boundary);
        const media = parts[1];
        const key = url.searchParams.get('name') ?? '';
        if (!media || key === '') return sendError(res, 400, 'bad multipart body');
        const ct = /content-type:\s*([^\r\n]+)/i.exec(media.headers)?.[1] ?? 'application/octet-stream';
        const o: FakeObject = {
          data: Buffer.from(media.body),
          contentType: ct,
          generation: ++generation,
          updated: new Date(),
          predefinedAcl: url.searchParams.get('predefinedAcl') ?? undefined,
        };
        objects.set(id(bucket, key), o);
        return sendJson(res, 200, meta(bucket, key, o));
      }
      const obj = /^\/b\/([^/]+)\/o\/(.+)$/.exec(p);
      if (!obj) return sendError(res, 404, 'no such endpoint');
      await readAll(req);
      const bucket = decodeURIComponent(obj[1] ?? '');
      const key = decodeURIComponent(obj[2] ?? '');
      if (!known.has(bucket)) return sendError(res, 404, 'bucket not found');
      const o = objects.get(id(bucket, key));
      const gen = url.searchParams.get('generation');
      if (!o || (gen !== null && gen !== String(o.generation))) {
        if (req.method === 'GET') {
          if (url.searchParams.get('alt') === 'media') calls.media++;
          else calls.metadata++;
        }
        return sendError(res, 404, 'no such object');
      }
      if (req.method === 'DELETE') {
        calls.delete++;
        objects.delete(id(bucket, key));
        res.writeHead(204);
        return res.end();
      }
      if (req.method !== 'GET') return sendError(res, 405, 'method not faked');
      if (url.searchParams.get('alt') === 'media') {
        calls.media++;
        const cut = cutMedia.get(bucket);
        res.writeHead(200, {
          'Content-Type': o.contentType,
          ...(cut?.chunked ? {} : { 'Content-Length': o.data.length }),
          'x-goog-hash': `crc32c=${crc32c(o.data)},md5=${md5(o.data)}`,
          'x-goog-stored-content-encoding': 'identity',
          'x-goog-generation': String(o.generation),
        });
        if (cut !== undefined) {
          res.write(o.data.subarray(0, cut.after), () => res.destroy());
          return;
        }
        return res.end(o.data);
      }
      calls.metadata++;
      return sendJson(res, 200, meta(bucket, key, o));
    })().catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    objects,
    failUploads,
    cutMedia,
    calls,
    put(bucket, key, data, contentType = 'application/octet-stream') {
      objects.set(id(bucket, key), {
        data,
        contentType,
        generation: ++generation,
        updated: new Date(),
        predefinedAcl: undefined,
      });
    },
    get: (bucket, key) => objects.get(id(bucket, key)),
    keys: (bucket) =>
      [...objects.keys()]
        .filter((k) => k.startsWith(bucket + '\u0000'))
        .map((k) => k.slice(bucket.length + 1))
        .sort(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

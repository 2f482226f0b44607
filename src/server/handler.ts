import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { App, AppRequest, AppResponse } from '../app/app.js';
import { ImagorError, invalid, toImagorError } from '../errors.js';
import { withRequestRecord, type RequestRecord } from '../observability/request-log.js';
import { escapedRequestPath } from '../path/escape.js';
import { createPlayground, type PlaygroundOptions } from './playground.js';

export interface HandlerOptions {
  app: App;
  logger: Logger;
  pathPrefix: string;
  cors: boolean;
  stripQueryString: boolean;
  accessLog: boolean;
  disableErrorBody: boolean;
  /** called once per answered request (metrics) */
  onResponse?: (info: { method: string; status: number; seconds: number }) => void;
  /** the URL playground page and its assets; absent: no playground (see playgroundOptions) */
  playground?: PlaygroundOptions | undefined;
}

/** A request as every transport (node:http, Web fetch) hands it to the middleware chain. */
export interface CoreRequest {
  method: string;
  /** request target: raw path plus optional query string */
  url: string;
  headers: IncomingHttpHeaders;
  signal: AbortSignal;
  /** peer address, for the access log ('' when unknown) */
  remoteAddress: string;
  /** request body (POST uploads) */
  body?: AppRequest['body'];
}

/**
 * imagor's middleware chain (prefix → health → strip query → CORS → playground → app), independent of the
 * transport. Never rejects: failures become imagor's JSON error responses.
 */
export function createCoreHandler(opts: HandlerOptions): (req: CoreRequest) => Promise<AppResponse> {
  const prefix = opts.pathPrefix.replace(/\/+$/, '');
  const playground = opts.playground ? createPlayground(opts.playground) : undefined;

  // -debug implies the access line: it is where the per-request timings go
  const accessLog = opts.accessLog || opts.logger.isLevelEnabled('debug');
  return (req) => {
    const rec: RequestRecord = { uri: req.url };
    return withRequestRecord(rec, () => handle(req, rec));
  };

  async function handle(req: CoreRequest, rec: RequestRecord): Promise<AppResponse> {
    const started = process.hrtime.bigint();
    const method = req.method;
    const rawUrl = req.url;
    const q = rawUrl.indexOf('?');
    const escaped = escapedRequestPath(q >= 0 ? rawUrl.slice(0, q) : rawUrl);
    let path = 'path' in escaped ? escaped.path : '';
    const query = q >= 0 ? rawUrl.slice(q) : '';
    const extraHeaders: Record<string, string> = {};
    let reason: string | undefined;

    const finish = (r: AppResponse, log = true): AppResponse => {
      const out: AppResponse = { ...r, headers: mergeHeaders(extraHeaders, r.headers) };
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      opts.onResponse?.({ method, status: out.status, seconds });
      if (log && accessLog) logAccess(req, rec, out, seconds, reason);
      rec.done = true;
      return out;
    };

    // Go's server rejects a request target it cannot parse before any handler runs
    if ('error' in escaped) return finish(errorResponse(invalid(escaped.error), opts.disableErrorBody));
    if (prefix) {
      if (path !== prefix && !path.startsWith(prefix + '/')) {
        const body = Buffer.from('404 page not found\n');
        return finish({ status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body });
      }
      path = path.slice(prefix.length) || '/';
    }
    if (method === 'GET' && (path === '/healthcheck' || path === '/favicon.ico')) {
      return finish({ status: 200, headers: { 'Content-Length': '0' }, body: Buffer.alloc(0) }, false);
    }
    if (opts.stripQueryString && query.length > 1) {
      return finish({ status: 307, headers: { Location: prefix + path || '/' }, body: undefined });
    }
    if (opts.cors && req.headers.origin) {
      extraHeaders['Access-Control-Allow-Origin'] = '*';
      extraHeaders['Vary'] = 'Origin';
      if (method === 'OPTIONS' && req.headers['access-control-request-method']) {
        extraHeaders['Access-Control-Allow-Methods'] = 'GET, POST, HEAD';
        const h = req.headers['access-control-request-headers'];
        if (h) extraHeaders['Access-Control-Allow-Headers'] = Array.isArray(h) ? h.join(', ') : h;
        return finish({ status: 204, headers: {}, body: undefined });
      }
    }

    try {
      const page = playground ? await playground(method, path) : undefined;
      if (page) return finish(page);
      const appRequest: AppRequest = { method, path, headers: req.headers, signal: req.signal };
      if (req.body !== undefined) appRequest.body = req.body;
      const contentType = req.headers['content-type'];
      if (contentType !== undefined) appRequest.contentType = contentType;
      return finish(await opts.app.handle(appRequest));
    } catch (err) {
      const e = toImagorError(err);
      reason = e.message;
      // an unsafe URL is only refused when unsafe mode is off: say so, it is the usual first-run surprise
      if (e.status === 403 && /^\/+unsafe\//.test(path))
        reason += ' (unsafe URLs are off: sign the URL or start with -imagor-unsafe)';
      if (e.status === 500) opts.logger.error({ err, uri: rawUrl }, 'request failed');
      if (e.status === 499 || req.signal.aborted)
        return finish({ status: 499, headers: {}, body: undefined });
      return finish(errorResponse(err, opts.disableErrorBody));
    }
  }

  /**
   * The access line: `GET /unsafe/100x0/a.jpg 200 5120B 12ms hit` plus the same facts as fields; with
   * `-debug` also where the time went (load / process / save).
   */
  function logAccess(
    req: CoreRequest,
    rec: RequestRecord,
    out: AppResponse,
    seconds: number,
    reason: string | undefined,
  ): void {
    const ms = Math.round(seconds * 1000);
    const bytes = out.body?.length ?? 0;
    const fields: Record<string, unknown> = {
      method: req.method,
      uri: req.url,
      status: out.status,
      bytes,
      took: ms,
      ip: clientIp(req.headers, req.remoteAddress),
      'user-agent': req.headers['user-agent'],
    };
    if (rec.cache) fields['cache'] = rec.cache;
    if (reason !== undefined && out.status >= 400) fields['reason'] = reason;
    if (opts.logger.isLevelEnabled('debug')) {
      const timings: Record<string, number> = {};
      if (rec.load !== undefined) timings['load'] = rec.load;
      if (rec.process !== undefined) timings['process'] = rec.process;
      if (rec.save !== undefined) timings['save'] = rec.save;
      if (Object.keys(timings).length > 0) fields['timings'] = timings;
      if (rec.storage) fields['storage'] = rec.storage;
    }
    const tail = rec.cache ? ` ${rec.cache}` : '';
    opts.logger.info(fields, `${req.method} ${req.url} ${out.status} ${bytes}B ${ms}ms${tail}`);
  }
}

/** imagor's error answer: `{"message","status"}` JSON, or an empty body with `-imagor-disable-error-body`. */
export function errorResponse(err: unknown, disableErrorBody: boolean): AppResponse {
  const e = toImagorError(err);
  if (disableErrorBody) return { status: e.status, headers: { 'Content-Length': '0' }, body: undefined };
  const body = Buffer.from(JSON.stringify(e.toJSON()));
  return {
    status: e.status,
    headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) },
    body,
  };
}

/** The node:http listener: imagor's middleware chain (prefix → access log → strip query → CORS → health) → app. */
export function createHandler(opts: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const core = createCoreHandler(opts);
  return (req, res) => {
    const method = req.method ?? 'GET';
    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    void core({
      method,
      url: req.url ?? '/',
      headers: req.headers,
      signal: ac.signal,
      remoteAddress: req.socket.remoteAddress ?? '',
      body: req,
    })
      .then(
        (r) => send(res, method, r),
        (err: unknown) => {
          opts.logger.error({ err, uri: req.url }, 'request failed');
          send(res, method, errorResponse(err, opts.disableErrorBody));
        },
      )
      .catch((err: unknown) => {
        // a header Node refuses to write must not become an unhandled rejection that ends the worker
        opts.logger.error({ err, uri: req.url }, 'response could not be written');
        if (res.headersSent) return void res.destroy();
        try {
          for (const name of res.getHeaderNames()) res.removeHeader(name);
          send(res, method, errorResponse(new ImagorError(500, 'internal error'), opts.disableErrorBody));
        } catch {
          res.destroy();
        }
      });
  };
}

/** The same chain as a Web `Request → Response` function (Hono, Bun, Deno, workers, fetch adapters). */
export function createFetchHandler(
  opts: HandlerOptions,
): (request: Request, info?: { remoteAddress?: string }) => Promise<Response> {
  const core = createCoreHandler(opts);
  return async (request, info) => {
    const url = new URL(request.url);
    const headers: IncomingHttpHeaders = {};
    request.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const r = await core({
      method: request.method,
      url: url.pathname + url.search,
      headers,
      signal: request.signal,
      remoteAddress: info?.remoteAddress ?? '',
      ...(request.body !== null && request.method === 'POST' ? { body: chunks(request.body) } : {}),
    });
    const body = request.method === 'HEAD' || r.status === 204 || r.status === 304 ? undefined : r.body;
    return new Response(body === undefined ? null : Uint8Array.from(body), {
      status: r.status,
      headers: r.headers,
    });
  };
}

/** A Web stream as the async iterable of Buffers the app reads uploads from. */
async function* chunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Buffer> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  } finally {
    reader.releaseLock();
  }
}

/** Headers set by the chain (CORS) come first; a `Vary` from both sides is joined. */
function mergeHeaders(first: Record<string, string>, second: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...first };
  for (const [k, v] of Object.entries(second)) {
    if (k === 'Vary' && out['Vary'] !== undefined) out['Vary'] = `${out['Vary']}, ${v}`;
    else out[k] = v;
  }
  return out;
}

function send(res: ServerResponse, method: string, r: AppResponse): void {
  if (res.destroyed || res.writableEnded) return;
  res.statusCode = r.status;
  for (const [k, v] of Object.entries(r.headers)) {
    if (k === 'Vary' && res.hasHeader('Vary'))
      res.setHeader('Vary', `${String(res.getHeader('Vary'))}, ${v}`);
    else res.setHeader(k, v);
  }
  if (method === 'HEAD' || r.body === undefined) res.end();
  else res.end(r.body);
}

/** imagor's access-log ip: first public address in X-Forwarded-For, else X-Real-Ip, else the peer. */
function clientIp(headers: IncomingHttpHeaders, remoteAddress: string): string {
  const xff = headers['x-forwarded-for'];
  if (typeof xff === 'string') {
    const first = xff
      .split(',')
      .map((s) => s.trim())
      .find((s) => s && !/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|127\.|::1$|fc|fd)/i.test(s));
    if (first) return first;
  }
  const real = headers['x-real-ip'];
  if (typeof real === 'string' && real) return real;
  return remoteAddress;
}

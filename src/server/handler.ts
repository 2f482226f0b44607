import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { App, AppResponse } from '../app/app.js';
import { toImagorError } from '../errors.js';

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
}

/** The node:http listener: imagor's middleware chain (prefix → access log → strip query → CORS → health) → app. */
export function createHandler(opts: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const prefix = opts.pathPrefix.replace(/\/+$/, '');
  return (req, res) => {
    const started = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    let path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const query = q >= 0 ? rawUrl.slice(q) : '';

    const finish = (r: AppResponse, log = true): void => {
      send(res, method, r);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      opts.onResponse?.({ method, status: r.status, seconds });
      if (log && opts.accessLog) {
        opts.logger.info(
          {
            status: r.status,
            method,
            uri: rawUrl,
            ip: clientIp(req),
            'user-agent': req.headers['user-agent'],
            took: Math.round(seconds * 1000),
          },
          'access',
        );
      }
    };

    if (prefix) {
      if (path !== prefix && !path.startsWith(prefix + '/')) {
        const body = Buffer.from('404 page not found\n');
        finish({ status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body });
        return;
      }
      path = path.slice(prefix.length) || '/';
    }
    if (method === 'GET' && (path === '/healthcheck' || path === '/favicon.ico')) {
      finish({ status: 200, headers: { 'Content-Length': '0' }, body: Buffer.alloc(0) }, false);
      return;
    }
    if (opts.stripQueryString && query.length > 1) {
      finish({ status: 307, headers: { Location: prefix + path || '/' }, body: undefined });
      return;
    }
    if (opts.cors && req.headers.origin) {
      res.setHeader('Access-Control-Allow-Origin', '*');
      res.setHeader('Vary', 'Origin');
      if (method === 'OPTIONS' && req.headers['access-control-request-method']) {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, HEAD');
        const h = req.headers['access-control-request-headers'];
        if (h) res.setHeader('Access-Control-Allow-Headers', h);
        finish({ status: 204, headers: {}, body: undefined });
        return;
      }
    }

    const ac = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) ac.abort();
    });
    opts.app.handle({ method, path, headers: req.headers, signal: ac.signal }).then(
      (r) => finish(r),
      (err: unknown) => {
        const e = toImagorError(err);
        if (e.status === 500) opts.logger.error({ err, uri: rawUrl }, 'request failed');
        if (e.status === 499 || ac.signal.aborted) {
          finish({ status: 499, headers: {}, body: undefined });
          return;
        }
        if (opts.disableErrorBody) {
          finish({ status: e.status, headers: { 'Content-Length': '0' }, body: undefined });
          return;
        }
        const body = Buffer.from(JSON.stringify(e.toJSON()));
        finish({
          status: e.status,
          headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) },
          body,
        });
      },
    );
  };
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
function clientIp(req: IncomingMessage): string {
  const xff = req.headers['x-forwarded-for'];
  if (typeof xff === 'string') {
    const first = xff
      .split(',')
      .map((s) => s.trim())
      .find((s) => s && !/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|127\.|::1$|fc|fd)/i.test(s));
    if (first) return first;
  }
  const real = req.headers['x-real-ip'];
  if (typeof real === 'string' && real) return real;
  return req.socket.remoteAddress ?? '';
}

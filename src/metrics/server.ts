/**
 * The Prometheus listener (imagor's -prometheus-bind / -prometheus-path): a separate node:http server.
 * Path `/` (default) serves the metrics on every path, like promhttp.Handler(); any other path serves
 * them on that exact path and redirects every other path to it with 308.
 */
import http from 'node:http';
import { listen } from '../server/server.js';
import { gzipSync } from 'node:zlib';
import type { Registry } from 'prom-client';

export type MetricsSource = Registry | { (): Promise<string>; contentType?: string };

export interface MetricsServerOptions {
  /** `host:port`, `:port` (all interfaces) or `[v6]:port` */
  bind: string;
  /** default `/` */
  path?: string;
  /** a registry (single process) or a getter such as `createClusterCollector(registry)` */
  source: MetricsSource;
  /** called when collecting fails (the scrape gets a 500) */
  onError?: (err: unknown) => void;
}

export interface MetricsServer {
  /** e.g. `http://127.0.0.1:5000/metrics` */
  url: string;
  close(): Promise<void>;
}

const DEFAULT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** `host:port` → listen arguments; an empty host means all interfaces. */
export function parseBind(bind: string): { host: string | undefined; port: number } {
  const i = bind.lastIndexOf(':');
  const host = (i >= 0 ? bind.slice(0, i) : '').replace(/^\[|\]$/g, '');
  const port = Number(i >= 0 ? bind.slice(i + 1) : bind);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid prometheus bind address: ${bind}`);
  return { host: host || undefined, port };
}

export async function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const path = opts.path && opts.path !== '' ? opts.path : '/';
  const source = opts.source;
  const collect = (): Promise<string> => (typeof source === 'function' ? source() : source.metrics());
  const contentType =
    (typeof source === 'function' ? source.contentType : source.contentType) ?? DEFAULT_CONTENT_TYPE;

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const reqPath = q >= 0 ? url.slice(0, q) : url;
    if (path !== '/' && reqPath !== path) {
      res.statusCode = 308;
      res.setHeader('Location', path);
      if (req.method === 'GET' || req.method === 'HEAD') {
        res.setHeader('Content-Type', 'text/html; charset=utf-8');
        res.end(req.method === 'GET' ? `<a href="${path}">Permanent Redirect</a>.\n` : undefined);
      } else res.end();
      return;
    }
    collect().then(
      (text) => {
        let body = Buffer.from(text);
        res.setHeader('Content-Type', contentType);
        if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
          body = gzipSync(body);
          res.setHeader('Content-Encoding', 'gzip');
        }
        res.setHeader('Content-Length', body.length);
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        opts.onError?.(err);
        res.statusCode = 500;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end(
          `An error has occurred while serving metrics:\n\n${err instanceof Error ? err.message : String(err)}\n`,
        );
      },
    );
  });

  const { host, port } = parseBind(opts.bind);
  const base = await listen(server, host, port);
  return {
    url: `${base}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

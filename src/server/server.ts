import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListenOptions {
  bind: string;
  address: string;
  port: number;
  /** listen on this handle (a bound socket from the supervisor) instead of host/port */
  handle?: object;
}

export interface RunningServer {
  server: http.Server;
  /** base URL, e.g. http://127.0.0.1:8000 */
  url: string;
  /** stops accepting, lets in-flight requests finish (up to graceMs), then closes */
  close(graceMs?: number): Promise<void>;
}

/** `-bind host:port` wins over `-server-address` + `-port`. */
export function listenTarget(o: ListenOptions): { host: string | undefined; port: number } {
  if (o.bind) {
    const i = o.bind.lastIndexOf(':');
    const host = o.bind.slice(0, i).replace(/^\[|\]$/g, '');
    return { host: host || undefined, port: Number(o.bind.slice(i + 1)) };
  }
  return { host: o.address || undefined, port: o.port };
}

/** Starts listening; resolves with a base URL a client on this machine can use (wildcards shown as loopback). */
export async function listen(
  server: http.Server,
  host: string | undefined,
  port: number,
  handle?: object,
): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (handle) server.listen(handle, done);
    else server.listen(port, host, done);
  });
  const addr = server.address() as AddressInfo;
  const shownHost =
    addr.family === 'IPv6'
      ? `[${addr.address === '::' ? '::1' : addr.address}]`
      : addr.address === '0.0.0.0'
        ? '127.0.0.1'
        : addr.address;
  return `http://${shownHost}:${addr.port}`;
}

export async function startServer(listener: http.RequestListener, o: ListenOptions): Promise<RunningServer> {
  const server = http.createServer({ maxHeaderSize: 1 << 20 }, listener);
  server.keepAliveTimeout = 65_000;
  const { host, port } = listenTarget(o);
  const url = await listen(server, host, port, o.handle);
  return {
    server,
    url,
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

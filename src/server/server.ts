import http from 'node:http';
import net, { type AddressInfo } from 'node:net';

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
  /** the address the socket is bound to, e.g. `0.0.0.0:8000` or `[::]:8000` (wildcards as they are) */
  address: string;
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

/** `host:port` as an operator writes it (IPv6 in brackets; no host = all interfaces). */
function hostPort(host: string | undefined, port: number): string {
  const h = host === undefined || host === '' ? '0.0.0.0' : host;
  return `${h.includes(':') ? `[${h}]` : h}:${port}`;
}

/** A listen failure an operator can act on: the address and what is wrong with it. */
export class ListenError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ListenError';
    this.code = code;
  }
}

/** A failed bind or listen as the operator's message: `address 127.0.0.1:8000 is already in use`. */
export function listenError(err: unknown, host: string | undefined, port: number): Error {
  const code = (err as { code?: unknown } | null)?.code;
  const where = hostPort(host, port);
  if (code === 'EADDRINUSE')
    return new ListenError(code, `address ${where} is already in use`, { cause: err });
  if (code === 'EACCES')
    return new ListenError(code, `no permission to listen on ${where} (ports below 1024 need privileges)`, {
      cause: err,
    });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new ListenError(String(code), `cannot listen on ${where}: no such local address`, { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}

/** The bound address as `host:port`, wildcards as they are (`0.0.0.0:8000`, `[::]:8000`). */
export function boundAddress(server: http.Server): string {
  const addr = server.address() as AddressInfo;
  return addr.family === 'IPv6' ? `[${addr.address}]:${addr.port}` : `${addr.address}:${addr.port}`;
}

/** Starts listening; resolves with a base URL a client on this machine can use (wildcards shown as loopback). */
export async function listen(
  server: http.Server,
  host: string | undefined,
  port: number,
  handle?: object,
): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: unknown): void => reject(listenError(err, host, port));
    server.once('error', onError);
    const done = (): void => {
      server.off('error', onError);
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

/**
 * After a drain starts, idle kept-alive connections stay open this long, so that a client which sends
 * its next request on one gets an answer (with `Connection: close`) instead of a reset; the
 * connections still idle after it are closed.
 */
const IDLE_CLOSE_DELAY_MS = 1_000;

export async function startServer(listener: http.RequestListener, o: ListenOptions): Promise<RunningServer> {
  let draining = false;
  const server = http.createServer({ maxHeaderSize: 1 << 20 }, (req, res) => {
    // while draining every answer ends its connection: the client's next request opens a new one,
    // which reaches a server that still accepts connections
    if (draining) res.setHeader('Connection', 'close');
    listener(req, res);
  });
  server.keepAliveTimeout = 65_000;
  const { host, port } = listenTarget(o);
  const url = await listen(server, host, port, o.handle);
  return {
    server,
    url,
    address: boundAddress(server),
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        draining = true;
        const all = setTimeout(() => server.closeAllConnections(), graceMs);
        all.unref();
        const idle = setTimeout(() => server.closeIdleConnections(), Math.min(IDLE_CLOSE_DELAY_MS, graceMs));
        idle.unref();
        // net.Server's close stops accepting and waits for the open connections; http.Server's own close
        // would also drop the idle ones at once, racing requests already on their way
        net.Server.prototype.close.call(server, () => {
          clearTimeout(all);
          clearTimeout(idle);
          resolve();
        });
      }),
  };
}

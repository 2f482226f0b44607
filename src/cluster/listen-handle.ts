/**
 * The supervisor's listening socket: bound once by the primary, handed to every worker over IPC.
 *
 * node:cluster shares a port the same way (the primary binds, each worker calls listen() on its copy
 * and accept()s), but it closes the primary's copy when the last worker leaves: with one worker, a
 * crash closed the port until the replacement listened, and connections were refused meanwhile. Here the
 * primary keeps its copy for its whole life, so the socket stays in the LISTEN state and the kernel
 * queues new connections (up to the backlog) until a worker accepts them again. The primary never
 * listens on it itself (a listening handle in the primary's event loop would accept connections).
 *
 * Node offers no public call that binds without listening; `net._createServerHandle` is the function
 * node:cluster itself uses for this (present since Node 0.x). Without it the caller falls back to
 * node:cluster's sharing.
 */
import net from 'node:net';
import util from 'node:util';
import { listenError } from '../server/server.js';

/** A bound, not yet listening TCP handle (Node's internal TCP wrap); opaque to callers. */
export type ListenHandle = object & { close(): void };

type CreateServerHandle = (
  address: string | null,
  port: number,
  addressType: number,
) => number | (ListenHandle & { getsockname(out: object): number });

/** Whether this Node can bind a socket for the workers (else node:cluster shares the port). */
export function canShareListenHandle(): boolean {
  return typeof (net as unknown as { _createServerHandle?: unknown })._createServerHandle === 'function';
}

/**
 * Binds `host:port` (host undefined: all interfaces, IPv6 first, like `server.listen(port)`).
 * Rejects with the operator's message, e.g. `address 127.0.0.1:8000 is already in use`.
 */
export function bindListenHandle(host: string | undefined, port: number): Promise<ListenHandle> {
  const create = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;
  const family = host === undefined ? 4 : net.isIP(host) || 4;
  let h = create(host ?? null, port, family);
  // libuv defers EADDRINUSE from bind() to listen(), which runs in a worker on a copy of the socket that
  // has lost it (and would bind an ephemeral port instead): a socket left unbound means the port is taken
  if (typeof h !== 'number' && port !== 0) {
    const out: { port?: number } = {};
    if (h.getsockname(out) !== 0 || out.port !== port) {
      h.close();
      h = addrInUse();
    }
  }
  if (typeof h === 'number') {
    const err = new Error(util.getSystemErrorMap().get(h)?.[1] ?? 'listen failed') as NodeJS.ErrnoException;
    err.code = util.getSystemErrorName(h);
    return Promise.reject(listenError(err, host, port));
  }
  return Promise.resolve(h);
}

/** The errno of EADDRINUSE on this platform. */
function addrInUse(): number {
  for (const [errno, [name]] of util.getSystemErrorMap()) if (name === 'EADDRINUSE') return errno;
  return -98;
}

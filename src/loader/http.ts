/**
 * HTTP(S) loader (imagor `httploader`, spec §5.4): key → URL (default scheme, base URL), allow-list
 * (Go path.Match host globs OR a regexp on the URL, re-checked on every redirect), a network guard that
 * checks the address actually dialled (custom `lookup`, literal IPs checked up front), HEAD size probe
 * plus a size cap enforced while streaming the decoded body, header forwarding, Accept/Content-Type
 * check, plain and CONNECT proxies. Every failure is an ImagorError.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import dns from 'node:dns';
import zlib from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Duplex, Transform } from 'node:stream';
import { ImageBlob, type Stat } from '../blob.js';
import {
  ImagorError,
  clientClosed,
  invalid,
  maxSizeExceeded,
  notFound,
  timeout,
  unsupportedFormat,
} from '../errors.js';
import type { BodyBytes, LoadContext, Loader } from '../types.js';
import { BodyCollector, reserveBody } from './body.js';
import { compileGoGlob } from './glob.js';
import { createNetworkGuard } from './netguard.js';
import { goStatusText } from './status.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Name resolution used for every direct connection (the network guard checks its answers). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface HttpLoaderOptions {
  /** host globs with Go `path.Match` semantics (`*` stops only at `/`, so `*.example.com` matches `a.b.example.com`) */
  allowedSources: string[];
  /** regexp on the full URL, OR-ed with `allowedSources` */
  allowedSourceRegexp?: string;
  /** joined with the image key (the key's query is kept) */
  baseUrl?: string;
  /** scheme prefixed to keys without one; `nil` refuses such keys */
  defaultScheme: string;
  /** sent as `Accept`; the response `Content-Type` must glob-match one entry (`*\/*` accepts anything) */
  accept: string;
  /** bytes; 0 = unlimited. Probed with HEAD first, then enforced while streaming the body */
  maxAllowedSize: number;
  /** client request headers to forward; `*` = all */
  forwardHeaders: string[];
  /** forward all client headers (minus hop-by-hop, Accept-Encoding and conditional headers) */
  forwardClientHeaders: boolean;
  /** upstream response headers made available as `HttpBlob.responseHeaders` */
  overrideResponseHeaders: string[];
  insecureSkipVerify: boolean;
  /** proxies (`http://[user:pass@]host:port`), one picked at random per request */
  proxyUrls: string[];
  /** host globs that go through a proxy; empty = all */
  proxyAllowedSources: string[];
  blockLoopbackNetworks: boolean;
  blockPrivateNetworks: boolean;
  blockLinkLocalNetworks: boolean;
  /** extra CIDRs to refuse */
  blockNetworks: string[];
  /** default `imagor/<version>` */
  userAgent: string;
  /** version for the default User-Agent */
  version?: string;
  /** per-load deadline (408); the request's own signal applies regardless */
  timeoutMs?: number;
  /** name resolution (default: the system resolver via dns.lookup); tests map names to loopback with it */
  lookup?: HostResolver;
}

/** Loaded bytes plus the upstream response headers listed in `overrideResponseHeaders`. */
export class HttpBlob extends ImageBlob {
  readonly responseHeaders: Record<string, string>;
  constructor(
    data: Buffer,
    options: {
      contentType?: string | undefined;
      stat?: Stat | undefined;
      responseHeaders?: Record<string, string> | undefined;
    } = {},
  ) {
    super(data, { contentType: options.contentType, stat: options.stat });
    this.responseHeaders = options.responseHeaders ?? {};
  }
}

export interface HttpLoader extends Loader {
  get(key: string, ctx: LoadContext): Promise<HttpBlob>;
  stat(key: string, ctx: LoadContext): Promise<Stat | undefined>;
  /** Closes idle keep-alive connections. */
  close(): void;
}

export const DEFAULT_VERSION = '1.9.5';
const MAX_REDIRECTS = 10;
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);

/** Never forwarded: connection-level headers, our own encoding negotiation, and conditionals (an
 * upstream 304 would leave us without a body). */
const NOT_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'content-type',
  'expect',
  'http2-settings',
  'accept-encoding',
]);
const CONDITIONAL = new Set([
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'if-range',
  'range',
]);
/** Dropped on a redirect to a host that is neither the original host nor a subdomain of it (as Go does). */
const SENSITIVE = ['authorization', 'www-authenticate', 'cookie', 'cookie2'];

const sourceNotAllowed = (): ImagorError => new ImagorError(403, 'http source not allowed');

const csv = (list: readonly string[] | undefined): string[] =>
  (list ?? []).map((s) => s.trim()).filter((s) => s !== '');

const bareHost = (hostname: string): string =>
  hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;

const firstHeader = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

async function systemResolve(hostname: string): Promise<ResolvedAddress[]> {
  const found = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}

function compileGlobs(patterns: string[]): RegExp[] {
  return patterns.map((p) => compileGoGlob(p.toLowerCase())).filter((r): r is RegExp => r !== undefined);
}

function basicAuth(user: string, pass: string): string {
  return 'Basic ' + Buffer.from(`${decodeURIComponent(user)}:${decodeURIComponent(pass)}`).toString('base64');
}

function contentLength(res: IncomingMessage): number | undefined {
  const v = res.headers['content-length'];
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v);
}

function abortReason(reason: unknown): ImagorError {
  if (reason instanceof ImagorError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return timeout();
  return clientClosed();
}

function sendRequest(
  mod: typeof http | typeof https,
  options: https.RequestOptions,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = mod.request(options, resolve);
    req.on('error', reject);
    req.end();
  });
}

export function createHttpLoader(opts: Partial<HttpLoaderOptions> = {}): HttpLoader {
  const allowedGlobs = compileGlobs(csv(opts.allowedSources));
  const allowedRegexp = opts.allowedSourceRegexp ? new RegExp(opts.allowedSourceRegexp) : undefined;
  const restricted = allowedGlobs.length > 0 || allowedRegexp !== undefined;
  const defaultScheme = opts.defaultScheme ?? 'https';
  const accept = opts.accept ?? '*/*';
  const acceptTypes = accept
    .split(',')
    .map((s) => (s.split(';')[0] ?? '').trim().toLowerCase())
    .filter((s) => s !== '');
  const acceptAny = acceptTypes.length === 0 || acceptTypes.includes('*/*') || acceptTypes.includes('*');
  const acceptGlobs = compileGlobs(acceptTypes);
  const maxSize = opts.maxAllowedSize ?? 0;
  const forwardNames = csv(opts.forwardHeaders).map((s) => s.toLowerCase());
  const forwardAll = opts.forwardClientHeaders === true || forwardNames.includes('*');
  const overrideNames = csv(opts.overrideResponseHeaders);
  const rejectUnauthorized = opts.insecureSkipVerify !== true;
  const userAgent = opts.userAgent || `imagor/${opts.version ?? DEFAULT_VERSION}`;
  const timeoutMs = opts.timeoutMs ?? 0;
  const resolve = opts.lookup ?? systemResolve;
  const guard = createNetworkGuard({
    blockLoopbackNetworks: opts.blockLoopbackNetworks ?? true,
    blockPrivateNetworks: opts.blockPrivateNetworks ?? true,
    blockLinkLocalNetworks: opts.blockLinkLocalNetworks ?? true,
    blockNetworks: csv(opts.blockNetworks),
  });
  const proxies = csv(opts.proxyUrls).map((p) => {
    const u = new URL(p);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new Error(`unsupported -http-loader-proxy-urls scheme: ${u.protocol}`);
    }
    return u;
  });
  const proxyGlobs = compileGlobs(csv(opts.proxyAllowedSources));
  let baseUrl: URL | undefined;
  if (opts.baseUrl) {
    baseUrl = new URL(opts.baseUrl);
    baseUrl.hash = '';
  }

  /** Resolves, refuses any blocked answer, then hands the addresses to net.connect: the guard sees
   * exactly the addresses the socket will connect to (no DNS-rebinding window). */
  const guardedLookup: net.LookupFunction = (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const addrs = family === 4 || family === 6 ? found.filter((a) => a.family === family) : found;
        const first = addrs[0];
        if (!first) {
          const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          err.code = 'ENOTFOUND';
          callback(err, '');
          return;
        }
        try {
          for (const a of addrs) guard.check(a.address);
        } catch (err) {
          callback(err as ImagorError, '');
          return;
        }
        if (options.all) callback(null, addrs);
        else callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };

  const httpAgent = new http.Agent({ keepAlive: true });
  const httpsAgent = new https.Agent({ keepAlive: true, rejectUnauthorized });
  const proxyAgent = new http.Agent({ keepAlive: true });
  const proxyTlsAgent = new https.Agent({ keepAlive: true, rejectUnauthorized });

  function toUrl(key: string): URL {
    if (key === '') throw invalid();
    let raw = key;
    if (baseUrl) {
      const q = key.indexOf('?');
      const keyPath = q === -1 ? key : key.slice(0, q);
      const query = [baseUrl.search.slice(1), q === -1 ? '' : key.slice(q + 1)].filter((s) => s !== '');
      const prefix = new URL(baseUrl.href);
      prefix.search = '';
      raw =
        prefix.href.replace(/\/+$/, '') +
        '/' +
        keyPath.replace(/^\/+/, '') +
        (query.length ? '?' + query.join('&') : '');
    }
    // Go's url.Parse refuses control characters and malformed escapes outside the query; WHATWG
    // URL would silently strip or keep them.
    const q = raw.indexOf('?');
    const beforeQuery = q === -1 ? raw : raw.slice(0, q);
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(raw) || /%(?![0-9a-fA-F]{2})/.test(beforeQuery)) throw invalid();
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(raw);
    if (!scheme) {
      if (defaultScheme === '' || defaultScheme === 'nil') throw invalid();
      raw = `${defaultScheme}://${raw}`;
    }
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw invalid();
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '') throw invalid();
    u.hash = '';
    return u;
  }

  function isAllowed(u: URL): boolean {
    if (!restricted) return true;
    const host = u.hostname.toLowerCase();
    const hostPort = u.host.toLowerCase();
    if (allowedGlobs.some((g) => g.test(host) || g.test(hostPort))) return true;
    return allowedRegexp !== undefined && allowedRegexp.test(u.href);
  }

  function accepts(contentType: string | undefined): boolean {
    if (acceptAny) return true;
    const t = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    return t !== '' && acceptGlobs.some((g) => g.test(t));
  }

  function pickProxy(u: URL): URL | undefined {
    if (proxies.length === 0) return undefined;
    const host = u.hostname.toLowerCase();
    if (proxyGlobs.length > 0 && !proxyGlobs.some((g) => g.test(host) || g.test(u.host))) return undefined;
    return proxies[Math.floor(Math.random() * proxies.length)];
  }

  function buildHeaders(client: IncomingHttpHeaders): OutgoingHttpHeaders {
    const h: OutgoingHttpHeaders = { 'user-agent': userAgent, accept };
    if (forwardAll) {
      const connectionTokens = new Set(
        (firstHeader(client.connection) ?? '')
          .split(',')
          .map((s) => s.trim().toLowerCase())
          .filter((s) => s !== ''),
      );
      for (const [k, v] of Object.entries(client)) {
        if (v === undefined || k.startsWith(':') || NOT_FORWARDED.has(k) || CONDITIONAL.has(k)) continue;
        if (connectionTokens.has(k)) continue;
        h[k] = v;
      }
    } else {
      for (const k of forwardNames) {
        const v = client[k];
        if (v !== undefined && !NOT_FORWARDED.has(k)) h[k] = v;
      }
    }
    h['accept-encoding'] = 'gzip, deflate, br';
    return h;
  }

  /** A tunnel through `proxy` to `authority` (host:port) for TLS targets. */
  function connectTunnel(proxy: URL, authority: string, signal: AbortSignal): Promise<Duplex> {
    return new Promise((resolveTunnel, reject) => {
      const headers: OutgoingHttpHeaders = { host: authority };
      if (proxy.username) headers['proxy-authorization'] = basicAuth(proxy.username, proxy.password);
      const mod = proxy.protocol === 'https:' ? https : http;
      const req = mod.request({
        host: bareHost(proxy.hostname),
        port: proxy.port || (proxy.protocol === 'https:' ? 443 : 80),
        method: 'CONNECT',
        path: authority,
        headers,
        agent: false,
        rejectUnauthorized,
        signal,
      });
      req.once('connect', (res: IncomingMessage, socket: Duplex, head: Buffer) => {
        const status = res.statusCode ?? 0;
        if (status < 200 || status >= 300) {
          socket.destroy();
          reject(new ImagorError(status >= 400 ? status : 404, goStatusText(status) || 'not found'));
          return;
        }
        if (head.length > 0) socket.unshift(head);
        resolveTunnel(socket);
      });
      req.once('error', reject);
      req.end();
    });
  }

  /** One request, no redirect handling. Literal IPs are checked here, names in guardedLookup. */
  async function send(
    u: URL,
    method: string,
    baseHeaders: OutgoingHttpHeaders,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    const host = bareHost(u.hostname);
    const isLiteral = net.isIP(host) !== 0;
    if (isLiteral) guard.check(host);
    const isHttps = u.protocol === 'https:';
    const port = u.port ? Number(u.port) : isHttps ? 443 : 80;
    const headers: OutgoingHttpHeaders = { ...baseHeaders, host: u.host };
    if (u.username) headers.authorization = basicAuth(u.username, u.password);
    const path = u.pathname + u.search;
    const proxy = pickProxy(u);

    if (!proxy) {
      return sendRequest(isHttps ? https : http, {
        host,
        port,
        path,
        method,
        headers,
        agent: isHttps ? httpsAgent : httpAgent,
        lookup: guardedLookup,
        signal,
      });
    }

    // The proxy resolves the target itself, so the guard can only check what we resolve: a
    // best-effort pre-check (a resolution failure here is left for the proxy to report).
    if (!isLiteral && !guard.disabled) {
      let found: ResolvedAddress[] = [];
      try {
        found = await resolve(host);
      } catch {
        found = [];
      }
      for (const a of found) guard.check(a.address);
    }
    if (proxy.username) headers['proxy-authorization'] = basicAuth(proxy.username, proxy.password);
    const proxyHost = bareHost(proxy.hostname);
    const proxyPort = proxy.port || (proxy.protocol === 'https:' ? 443 : 80);
    if (!isHttps) {
      // absolute-form request line to the proxy
      return sendRequest(proxy.protocol === 'https:' ? https : http, {
        host: proxyHost,
        port: proxyPort,
        path: `${u.protocol}//${u.host}${path}`,
        method,
        headers,
        agent: proxy.protocol === 'https:' ? proxyTlsAgent : proxyAgent,
        signal,
      });
    }
    delete headers['proxy-authorization'];
    const authority = `${net.isIP(host) === 6 ? `[${host}]` : host}:${port}`;
    const tunnel = await connectTunnel(proxy, authority, signal);
    const tlsOptions: tls.ConnectionOptions = { socket: tunnel, rejectUnauthorized };
    if (!isLiteral) tlsOptions.servername = host;
    return sendRequest(https, {
      host,
      port,
      path,
      method,
      headers,
      // no `agent`: with an agent (even `agent: false`, which makes a fresh one) Node ignores
      // createConnection and would dial the target directly
      createConnection: () => tls.connect(tlsOptions),
      signal,
    });
  }

  /** Follows up to MAX_REDIRECTS redirects, re-checking the allow-list (and, via send, the guard) on each hop. */
  async function follow(
    start: URL,
    method: string,
    headers: OutgoingHttpHeaders,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    const origin = start.hostname.toLowerCase();
    let u = start;
    let h = headers;
    for (let redirects = 0; ; redirects++) {
      const res = await send(u, method, h, signal);
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (!REDIRECT_CODES.has(status) || location === undefined || location === '') return res;
      res.destroy();
      if (redirects >= MAX_REDIRECTS) {
        throw new ImagorError(400, `stopped after ${MAX_REDIRECTS} redirects`);
      }
      let next: URL;
      try {
        next = new URL(location, u);
      } catch {
        throw invalid();
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw invalid();
      next.hash = '';
      if (!isAllowed(next)) throw sourceNotAllowed();
      const nextHost = next.hostname.toLowerCase();
      if (nextHost !== origin && !nextHost.endsWith('.' + origin)) {
        h = { ...h };
        for (const k of SENSITIVE) delete h[k];
      }
      u = next;
    }
  }

  function decoderFor(res: IncomingMessage): Transform | undefined {
    const encoding = (res.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (encoding === 'gzip' || encoding === 'x-gzip') return zlib.createGunzip();
    if (encoding === 'deflate') return zlib.createInflate();
    if (encoding === 'br') return zlib.createBrotliDecompress();
    return undefined;
  }

  /**
   * Streams the (decoded) body into one buffer. The size cap and the request's byte reservation
   * apply to decoded bytes and stop the transfer as soon as either refuses a chunk.
   */
  async function readBody(
    res: IncomingMessage,
    decoder: Transform | undefined,
    declared: number | undefined,
    bytes: BodyBytes,
    signal: AbortSignal,
  ): Promise<Buffer> {
    const body = new BodyCollector(bytes, declared, maxSize);
    let refused: unknown;
    const sink = async (source: AsyncIterable<Buffer>): Promise<void> => {
      for await (const chunk of source) {
        try {
          body.push(chunk);
        } catch (err) {
          refused = err;
          throw err;
        }
      }
    };
    try {
      if (decoder) await pipeline(res, decoder, sink, { signal });
      else await pipeline(res, sink, { signal });
    } catch (err) {
      // tearing the pipeline down can surface as an AbortError/premature close instead of our error
      throw refused ?? err;
    }
    return body.finish();
  }

  function linkSignal(parent: AbortSignal): { signal: AbortSignal; dispose: () => void } {
    const ac = new AbortController();
    const onAbort = (): void => ac.abort(abortReason(parent.reason));
    if (parent.aborted) onAbort();
    else parent.addEventListener('abort', onAbort, { once: true });
    const timer = timeoutMs > 0 ? setTimeout(() => ac.abort(timeout()), timeoutMs) : undefined;
    return {
      signal: ac.signal,
      dispose: () => {
        if (timer) clearTimeout(timer);
        parent.removeEventListener('abort', onAbort);
      },
    };
  }

  function mapError(err: unknown, signal: AbortSignal): ImagorError {
    if (signal.aborted) return abortReason(signal.reason);
    if (err instanceof ImagorError) return err;
    const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
    if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return timeout();
    if (code.startsWith('Z_')) return unsupportedFormat();
    // DNS failures, refused/reset connections, TLS failures: the source could not be loaded.
    return notFound();
  }

  function statOf(res: IncomingMessage, size: number | undefined): Stat {
    const stat: Stat = {};
    if (size !== undefined) stat.size = size;
    const lm = res.headers['last-modified'];
    if (lm) {
      const d = new Date(lm);
      if (!Number.isNaN(d.getTime())) stat.modifiedTime = d;
    }
    const etag = res.headers.etag;
    if (etag) stat.etag = etag;
    return stat;
  }

  async function get(key: string, ctx: LoadContext): Promise<HttpBlob> {
    const u = toUrl(key);
    if (!isAllowed(u)) throw sourceNotAllowed();
    const { signal, dispose } = linkSignal(ctx.signal);
    try {
      if (signal.aborted) throw abortReason(signal.reason);
      const headers = buildHeaders(ctx.headers);
      if (maxSize > 0) {
        const head = await follow(u, 'HEAD', headers, signal);
        head.resume();
        const status = head.statusCode ?? 0;
        const len = contentLength(head);
        // A failing HEAD is not fatal (some origins only sign GET); the GET below decides.
        if (status >= 200 && status < 300 && len !== undefined && len > maxSize) throw maxSizeExceeded();
      }
      const res = await follow(u, 'GET', headers, signal);
      const status = res.statusCode ?? 0;
      if (status >= 400) {
        res.destroy();
        throw new ImagorError(status, goStatusText(status));
      }
      const contentType = firstHeader(res.headers['content-type']);
      if (!accepts(contentType)) {
        res.destroy();
        throw unsupportedFormat();
      }
      const len = contentLength(res);
      if (maxSize > 0 && len !== undefined && len > maxSize && !res.headers['content-encoding']) {
        res.destroy();
        throw maxSizeExceeded();
      }
      const decoder = decoderFor(res);
      // a compressed body's decoded length is not known before it is read
      const declared = decoder ? undefined : len;
      let bytes: BodyBytes;
      try {
        // the body stays in the socket while the request waits for room
        bytes = await reserveBody(ctx, signal, declared, maxSize);
      } catch (err) {
        res.destroy();
        decoder?.destroy();
        throw err;
      }
      let data: Buffer;
      try {
        data = await readBody(res, decoder, declared, bytes, signal);
      } catch (err) {
        bytes.release();
        throw err;
      }
      const responseHeaders: Record<string, string> = {};
      for (const name of overrideNames) {
        const v = firstHeader(res.headers[name.toLowerCase()]);
        if (v !== undefined && v !== '') responseHeaders[name] = v;
      }
      return new HttpBlob(data, { contentType, stat: statOf(res, data.length), responseHeaders });
    } catch (err) {
      throw mapError(err, signal);
    } finally {
      dispose();
    }
  }

  async function stat(key: string, ctx: LoadContext): Promise<Stat | undefined> {
    const u = toUrl(key);
    if (!isAllowed(u)) throw sourceNotAllowed();
    const { signal, dispose } = linkSignal(ctx.signal);
    try {
      if (signal.aborted) throw abortReason(signal.reason);
      const res = await follow(u, 'HEAD', buildHeaders(ctx.headers), signal);
      res.resume();
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) return undefined;
      return statOf(res, contentLength(res));
    } catch (err) {
      throw mapError(err, signal);
    } finally {
      dispose();
    }
  }

  function close(): void {
    httpAgent.destroy();
    httpsAgent.destroy();
    proxyAgent.destroy();
    proxyTlsAgent.destroy();
  }

  return { name: 'http', get, stat, close };
}

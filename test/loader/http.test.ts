import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { ImagorError } from '../../src/errors.js';
import {
  HttpBlob,
  createHttpLoader,
  type HostResolver,
  type HttpLoader,
  type HttpLoaderOptions,
  type ResolvedAddress,
} from '../../src/loader/http.js';
import type { LoadContext } from '../../src/types.js';
import { readFixture } from '../helpers/fixtures.js';
import { TEST_CERT, TEST_KEY } from './tls-fixture.js';

const GOPHER = readFixture('imagor/gopher.png');
const LAST_MODIFIED = 'Wed, 21 Oct 2015 07:28:00 GMT';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

const seen: Seen[] = [];
const seenPaths = (): string[] => seen.map((s) => `${s.method} ${s.url}`);
let hangArrived: () => void = () => undefined;
let endlessClosed: Promise<number> = Promise.resolve(0);

function sendGopher(res: ServerResponse, extra: Record<string, string> = {}): void {
  res.writeHead(200, {
    'content-type': 'image/png',
    'content-length': String(GOPHER.length),
    'cache-control': 'max-age=60',
    'last-modified': LAST_MODIFIED,
    etag: '"gopher-v1"',
    ...extra,
  });
  res.end(GOPHER);
}

function endless(req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'HEAD') {
    // lies: claims a tiny body
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': '10' });
    res.end();
    return;
  }
  // no Content-Length, chunked, never ends on its own
  res.writeHead(200, { 'content-type': 'image/png' });
  const chunk = Buffer.alloc(16 * 1024, 7);
  let written = 0;
  endlessClosed = new Promise((resolve) => res.once('close', () => resolve(written)));
  const pump = (): void => {
    while (!res.destroyed) {
      written += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
  };
  pump();
}

function route(req: IncomingMessage, res: ServerResponse): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
  const u = new URL('http://origin' + (req.url ?? '/'));
  const p = u.pathname;
  let m: RegExpExecArray | null;
  if (p === '/gopher.png' || p.startsWith('/base/')) return sendGopher(res);
  if ((m = /^\/status\/(\d{3})$/.exec(p))) {
    res.writeHead(Number(m[1]), { 'content-type': 'text/plain' });
    res.end('origin error body');
    return;
  }
  if ((m = /^\/redirect\/(\d+)$/.exec(p))) {
    const n = Number(m[1]);
    if (n === 0) return sendGopher(res);
    res.writeHead(302, { location: `/redirect/${n - 1}` });
    res.end();
    return;
  }
  if (p === '/goto') {
    res.writeHead(302, { location: u.searchParams.get('to') ?? '/' });
    res.end();
    return;
  }
  if (p === '/text') {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('hello');
    return;
  }
  if (p === '/notype') {
    res.writeHead(200, { 'content-length': String(GOPHER.length) });
    res.end(GOPHER);
    return;
  }
  if (p === '/gzip') {
    const body = zlib.gzipSync(GOPHER);
    res.writeHead(200, { 'content-type': 'image/png', 'content-encoding': 'gzip' });
    res.end(body);
    return;
  }
  if (p === '/br') {
    res.writeHead(200, { 'content-type': 'image/png', 'content-encoding': 'br' });
    res.end(zlib.brotliCompressSync(GOPHER, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }));
    return;
  }
  if (p === '/bomb') {
    const body = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024));
    res.writeHead(200, {
      'content-type': 'image/png',
      'content-encoding': 'gzip',
      'content-length': String(body.length),
    });
    res.end(body);
    return;
  }
  if (p === '/endless') return endless(req, res);
  if (p === '/echo') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(req.headers));
    return;
  }
  if (p === '/hang') {
    hangArrived();
    return; // never answers
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('no route');
}

let origin: http.Server;
let tlsOrigin: https.Server;
let port = 0;
let tlsPort = 0;
const loaders: HttpLoader[] = [];

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const HOSTS: Record<string, ResolvedAddress[]> = {
  'origin.test': [{ address: '127.0.0.1', family: 4 }],
  'allowed.test': [{ address: '127.0.0.1', family: 4 }],
  'other.test': [{ address: '127.0.0.1', family: 4 }],
  'a.b.example.test': [{ address: '127.0.0.1', family: 4 }],
  'example.test': [{ address: '127.0.0.1', family: 4 }],
  'private.test': [{ address: '10.0.0.1', family: 4 }],
  'metadata.test': [{ address: '169.254.169.254', family: 4 }],
  'mapped.test': [{ address: '::ffff:127.0.0.1', family: 6 }],
  'nat64.test': [{ address: '64:ff9b::a9fe:a9fe', family: 6 }],
};

/** Test resolver: maps the names above, fails every other name without asking DNS. */
const lookup: HostResolver = (hostname) => {
  const found = HOSTS[hostname];
  if (!found) {
    const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
    err.code = 'ENOTFOUND';
    return Promise.reject(err);
  }
  return Promise.resolve(found);
};

function mk(opts: Partial<HttpLoaderOptions> = {}): HttpLoader {
  const loader = createHttpLoader({ lookup, ...opts });
  loaders.push(loader);
  return loader;
}
/** Loopback allowed: the origin runs on 127.0.0.1. */
const open = (opts: Partial<HttpLoaderOptions> = {}): HttpLoader =>
  mk({ blockLoopbackNetworks: false, ...opts });

const ctx = (headers: IncomingHttpHeaders = {}, signal = new AbortController().signal): LoadContext => ({
  signal,
  headers,
});
const at = (host: string, path: string): string => `http://${host}:${port}${path}`;

async function rejectsWith(p: Promise<unknown>, status: number, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ImagorError, `expected ImagorError, got ${String(err)}`);
    assert.equal(err.status, status);
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

before(async () => {
  origin = http.createServer(route);
  port = await listen(origin);
  tlsOrigin = https.createServer({ key: TEST_KEY, cert: TEST_CERT }, route);
  tlsPort = await listen(tlsOrigin);
});

after(() => {
  for (const l of loaders) l.close();
  origin.closeAllConnections();
  origin.close();
  tlsOrigin.closeAllConnections();
  tlsOrigin.close();
});

beforeEach(() => {
  seen.length = 0;
});

describe('fetching', () => {
  test('loads an image with its type, stat and listed response headers', async () => {
    const blob = await open({ overrideResponseHeaders: ['Cache-Control', 'X-Missing'] }).get(
      at('origin.test', '/gopher.png'),
      ctx(),
    );
    assert.ok(blob instanceof HttpBlob);
    assert.deepEqual(blob.data, GOPHER);
    assert.equal(blob.contentType, 'image/png');
    assert.deepEqual(blob.responseHeaders, { 'Cache-Control': 'max-age=60' });
    assert.deepEqual(blob.stat, {
      size: GOPHER.length,
      modifiedTime: new Date(LAST_MODIFIED),
      etag: '"gopher-v1"',
    });
    assert.deepEqual(seenPaths(), ['GET /gopher.png']);
  });

  test('passes upstream error statuses through with Go status text', async () => {
    const loader = open();
    await rejectsWith(loader.get(at('origin.test', '/status/404'), ctx()), 404, 'Not Found');
    await rejectsWith(loader.get(at('origin.test', '/status/500'), ctx()), 500, 'Internal Server Error');
    await rejectsWith(loader.get(at('origin.test', '/status/413'), ctx()), 413, 'Request Entity Too Large');
    await rejectsWith(loader.get(at('origin.test', '/status/403'), ctx()), 403, 'Forbidden');
  });

  test('decodes gzip and brotli bodies', async () => {
    const loader = open();
    assert.deepEqual((await loader.get(at('origin.test', '/gzip'), ctx())).data, GOPHER);
    assert.deepEqual((await loader.get(at('origin.test', '/br'), ctx())).data, GOPHER);
    assert.equal(seen[0]?.headers['accept-encoding'], 'gzip, deflate, br');
  });

  test('drops the fragment and keeps the query', async () => {
    await open().get(at('origin.test', '/gopher.png?w=1#frag'), ctx());
    assert.deepEqual(seenPaths(), ['GET /gopher.png?w=1']);
  });

  test('a connection refused or an unknown host is 404 not found', async () => {
    const closed = http.createServer();
    const closedPort = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    await rejectsWith(open().get(`http://127.0.0.1:${closedPort}/x.png`, ctx()), 404, 'not found');
    await rejectsWith(open().get('http://nowhere.test/x.png', ctx()), 404, 'not found');
  });

  test('https with insecureSkipVerify loads from a self-signed origin; without it, 404', async () => {
    const blob = await open({ insecureSkipVerify: true }).get(
      `https://origin.test:${tlsPort}/gopher.png`,
      ctx(),
    );
    assert.deepEqual(blob.data, GOPHER);
    await rejectsWith(open().get(`https://origin.test:${tlsPort}/gopher.png`, ctx()), 404, 'not found');
  });
});

describe('keys and schemes', () => {
  test('a key without scheme gets the default scheme', async () => {
    const blob = await open({ defaultScheme: 'http' }).get(`origin.test:${port}/gopher.png`, ctx());
    assert.deepEqual(blob.data, GOPHER);
    const viaHttps = await open({ insecureSkipVerify: true }).get(`origin.test:${tlsPort}/gopher.png`, ctx());
    assert.deepEqual(viaHttps.data, GOPHER);
  });

  test("default scheme 'nil' refuses keys without scheme", async () => {
    await rejectsWith(
      open({ defaultScheme: 'nil' }).get(`origin.test:${port}/gopher.png`, ctx()),
      400,
      'invalid',
    );
  });

  test('empty, unparsable and non-http keys are 400 invalid', async () => {
    const loader = open();
    await rejectsWith(loader.get('', ctx()), 400, 'invalid');
    await rejectsWith(loader.get('ftp://origin.test/a.png', ctx()), 400, 'invalid');
    await rejectsWith(loader.get('file:///etc/passwd', ctx()), 400, 'invalid');
    await rejectsWith(loader.get('http://', ctx()), 400, 'invalid');
    await rejectsWith(loader.get('http://exa mple.com/a.png', ctx()), 400, 'invalid');
    await rejectsWith(loader.get('origin.test/100%.png', ctx()), 400, 'invalid');
    await rejectsWith(loader.get('http://origin.test/a\n.png', ctx()), 400, 'invalid');
    assert.deepEqual(seen, []);
  });

  test('doubled slashes and a bad escape in the query are kept', async () => {
    await rejectsWith(open().get(at('origin.test', '//x.png?q=100%'), ctx()), 404, 'Not Found');
    assert.deepEqual(seenPaths(), ['GET //x.png?q=100%']);
  });

  test('baseUrl is joined with the key, keeping the query', async () => {
    const loader = open({ baseUrl: at('origin.test', '/base/') });
    await loader.get('/img/gopher.png?v=2', ctx());
    await loader.get('a b.png', ctx());
    assert.deepEqual(seenPaths(), ['GET /base/img/gopher.png?v=2', 'GET /base/a%20b.png']);
  });
});

describe('allowed sources', () => {
  test('host glob: allowed host loads, other host is refused without a request', async () => {
    const loader = open({ allowedSources: ['allowed.test'] });
    assert.deepEqual((await loader.get(at('allowed.test', '/gopher.png'), ctx())).data, GOPHER);
    await rejectsWith(loader.get(at('other.test', '/gopher.png'), ctx()), 403, 'http source not allowed');
    assert.deepEqual(seenPaths(), ['GET /gopher.png']);
  });

  test("glob '*' matches across dots as Go path.Match does", async () => {
    const loader = open({ allowedSources: ['*.example.test'] });
    assert.deepEqual((await loader.get(at('a.b.example.test', '/gopher.png'), ctx())).data, GOPHER);
    await rejectsWith(loader.get(at('example.test', '/gopher.png'), ctx()), 403, 'http source not allowed');
  });

  test('regexp on the full URL, OR-ed with the globs', async () => {
    const loader = open({
      allowedSources: ['allowed.test'],
      allowedSourceRegexp: '^http://other\\.test:\\d+/gopher',
    });
    await loader.get(at('other.test', '/gopher.png'), ctx());
    await loader.get(at('allowed.test', '/gopher.png'), ctx());
    await rejectsWith(loader.get(at('other.test', '/redirect/0'), ctx()), 403, 'http source not allowed');
    assert.equal(seen.length, 2);
  });

  test('the fragment is dropped before the regexp sees the URL', async () => {
    const loader = open({ allowedSourceRegexp: '\\.png$' });
    await loader.get(at('origin.test', '/gopher.png#x'), ctx());
    assert.deepEqual(seenPaths(), ['GET /gopher.png']);
  });

  test('a redirect from an allowed host to a refused host is 403', async () => {
    const loader = open({ allowedSources: ['allowed.test'] });
    const to = encodeURIComponent(at('other.test', '/gopher.png'));
    await rejectsWith(
      loader.get(at('allowed.test', `/goto?to=${to}`), ctx()),
      403,
      'http source not allowed',
    );
    assert.deepEqual(seenPaths(), [`GET /goto?to=${to}`]);
  });
});

describe('redirects', () => {
  test('up to 10 redirects are followed', async () => {
    const blob = await open().get(at('origin.test', '/redirect/10'), ctx());
    assert.deepEqual(blob.data, GOPHER);
    assert.equal(seen.length, 11);
  });

  test('an 11th redirect is refused', async () => {
    await rejectsWith(
      open().get(at('origin.test', '/redirect/11'), ctx()),
      400,
      'stopped after 10 redirects',
    );
    assert.equal(seen.length, 11);
  });

  test('credentials are not forwarded to another host on redirect', async () => {
    const loader = open({ forwardHeaders: ['Authorization', 'X-Trace'] });
    const to = encodeURIComponent(at('other.test', '/echo'));
    const blob = await loader.get(
      at('origin.test', `/goto?to=${to}`),
      ctx({ authorization: 'Bearer secret', 'x-trace': 't1' }),
    );
    const echoed = JSON.parse(blob.data.toString('utf8')) as Record<string, string>;
    assert.equal(seen[0]?.headers.authorization, 'Bearer secret');
    assert.equal(echoed.authorization, undefined);
    assert.equal(echoed['x-trace'], 't1');
  });
});

describe('maximum size', () => {
  test('HEAD probe refuses a declared oversized body without a GET', async () => {
    await rejectsWith(
      open({ maxAllowedSize: 100 }).get(at('origin.test', '/gopher.png'), ctx()),
      400,
      'maximum size exceeded',
    );
    assert.deepEqual(seenPaths(), ['HEAD /gopher.png']);
  });

  test('a body of exactly the maximum loads', async () => {
    const blob = await open({ maxAllowedSize: GOPHER.length }).get(at('origin.test', '/gopher.png'), ctx());
    assert.equal(blob.size, GOPHER.length);
    assert.deepEqual(seenPaths(), ['HEAD /gopher.png', 'GET /gopher.png']);
  });

  test(
    'an origin lying in HEAD and streaming without Content-Length is cut off while streaming',
    { timeout: 30_000 },
    async () => {
      await rejectsWith(
        open({ maxAllowedSize: 64 * 1024 }).get(at('origin.test', '/endless'), ctx()),
        400,
        'maximum size exceeded',
      );
      // the transfer was aborted (the endless response would otherwise never close)
      const written = await endlessClosed;
      assert.ok(written > 64 * 1024);
      assert.deepEqual(seenPaths(), ['HEAD /endless', 'GET /endless']);
    },
  );

  test('the cap applies to decoded bytes (gzip bomb)', async () => {
    await rejectsWith(
      open({ maxAllowedSize: 1024 * 1024 }).get(at('origin.test', '/bomb'), ctx()),
      400,
      'maximum size exceeded',
    );
  });
});

describe('content type', () => {
  test('a type not matching accept is 406 unsupported format', async () => {
    const loader = open({ accept: 'image/*' });
    await rejectsWith(loader.get(at('origin.test', '/text'), ctx()), 406, 'unsupported format');
    await rejectsWith(loader.get(at('origin.test', '/notype'), ctx()), 406, 'unsupported format');
    assert.equal((await loader.get(at('origin.test', '/gopher.png'), ctx())).size, GOPHER.length);
    assert.equal(seen[0]?.headers.accept, 'image/*');
  });

  test('accept with several entries and parameters', async () => {
    const loader = open({ accept: 'image/png;q=0.9, text/*' });
    await loader.get(at('origin.test', '/text'), ctx());
    await loader.get(at('origin.test', '/gopher.png'), ctx());
    await rejectsWith(loader.get(at('origin.test', '/echo'), ctx()), 406, 'unsupported format');
  });

  test('*/* accepts anything, even a missing type', async () => {
    const blob = await open().get(at('origin.test', '/notype'), ctx());
    assert.deepEqual(blob.data, GOPHER);
    assert.equal(seen[0]?.headers.accept, '*/*');
  });
});

describe('request headers', () => {
  const client: IncomingHttpHeaders = {
    'x-custom': 'c1',
    'x-other': 'o1',
    'accept-encoding': 'identity',
    'if-none-match': '"abc"',
    cookie: 'a=1',
    'user-agent': 'browser/1',
  };

  test('default User-Agent and Accept; nothing forwarded by default', async () => {
    const blob = await open().get(at('origin.test', '/echo'), ctx(client));
    const echoed = JSON.parse(blob.data.toString('utf8')) as Record<string, string>;
    assert.equal(echoed['user-agent'], 'imagor/1.9.5');
    assert.equal(echoed.accept, '*/*');
    assert.equal(echoed['x-custom'], undefined);
    assert.equal(echoed.cookie, undefined);
    assert.equal(echoed.host, `origin.test:${port}`);
  });

  test('forwardHeaders forwards the listed headers only', async () => {
    const loader = open({ forwardHeaders: ['X-Custom', 'Cookie'], userAgent: 'custom-agent', version: '9' });
    const blob = await loader.get(at('origin.test', '/echo'), ctx(client));
    const echoed = JSON.parse(blob.data.toString('utf8')) as Record<string, string>;
    assert.equal(echoed['x-custom'], 'c1');
    assert.equal(echoed.cookie, 'a=1');
    assert.equal(echoed['x-other'], undefined);
    assert.equal(echoed['user-agent'], 'custom-agent');
  });

  test('the version option sets the default User-Agent', async () => {
    const blob = await open({ version: '2.0.0' }).get(at('origin.test', '/echo'), ctx());
    const echoed = JSON.parse(blob.data.toString('utf8')) as Record<string, string>;
    assert.equal(echoed['user-agent'], 'imagor/2.0.0');
  });

  test("forwardClientHeaders (and '*') forward all but hop-by-hop, encoding and conditionals", async () => {
    for (const opts of [{ forwardClientHeaders: true }, { forwardHeaders: ['*'] }]) {
      const blob = await open(opts).get(
        at('origin.test', '/echo'),
        ctx({ ...client, connection: 'keep-alive, x-hop', 'x-hop': 'h', 'proxy-authorization': 'p' }),
      );
      const echoed = JSON.parse(blob.data.toString('utf8')) as Record<string, string>;
      assert.equal(echoed['x-custom'], 'c1');
      assert.equal(echoed['x-other'], 'o1');
      assert.equal(echoed.cookie, 'a=1');
      assert.equal(echoed['user-agent'], 'browser/1');
      assert.equal(echoed['accept-encoding'], 'gzip, deflate, br');
      assert.equal(echoed['if-none-match'], undefined);
      assert.equal(echoed['x-hop'], undefined);
      assert.equal(echoed['proxy-authorization'], undefined);
      assert.equal(echoed.host, `origin.test:${port}`);
    }
  });
});

describe('network guard (default on)', () => {
  const LOOPBACK = '(set -http-loader-block-loopback-networks=false to allow)';
  const PRIVATE = '(set -http-loader-block-private-networks=false to allow)';
  const LINK_LOCAL = '(set -http-loader-block-link-local-networks=false to allow)';

  test('a loopback literal is refused before connecting', async () => {
    await rejectsWith(
      mk().get(`http://127.0.0.1:${port}/gopher.png`, ctx()),
      403,
      `http source address 127.0.0.1 is a loopback address, refused ${LOOPBACK}`,
    );
    await rejectsWith(
      mk().get(`http://[::1]:${port}/gopher.png`, ctx()),
      403,
      `http source address ::1 is a loopback address, refused ${LOOPBACK}`,
    );
    assert.deepEqual(seen, []);
  });

  test("'localhost' through the system resolver is refused on its resolved address", async () => {
    const loader = createHttpLoader({});
    loaders.push(loader);
    await rejectsWith(
      loader.get(`http://localhost:${port}/gopher.png`, ctx()),
      403,
      /^http source address (127\.0\.0\.1|::1) is a loopback address, refused \(set -http-loader-block-loopback-networks=false to allow\)$/,
    );
    assert.deepEqual(seen, []);
  });

  test('a name resolving to loopback is refused in lookup', async () => {
    await rejectsWith(
      mk().get(at('origin.test', '/gopher.png'), ctx()),
      403,
      `http source address 127.0.0.1 is a loopback address, refused ${LOOPBACK}`,
    );
    assert.deepEqual(seen, []);
  });

  test('private and link-local addresses, literal or resolved', async () => {
    const loader = mk();
    await rejectsWith(
      loader.get('http://10.0.0.1/a.png', ctx()),
      403,
      `http source address 10.0.0.1 is a private address, refused ${PRIVATE}`,
    );
    await rejectsWith(
      loader.get('http://private.test/a.png', ctx()),
      403,
      `http source address 10.0.0.1 is a private address, refused ${PRIVATE}`,
    );
    await rejectsWith(
      loader.get('http://100.64.1.2/a.png', ctx()),
      403,
      `http source address 100.64.1.2 is a private address, refused ${PRIVATE}`,
    );
    await rejectsWith(
      loader.get('http://169.254.169.254/latest/meta-data/', ctx()),
      403,
      `http source address 169.254.169.254 is a link-local address, refused ${LINK_LOCAL}`,
    );
    await rejectsWith(
      loader.get('https://metadata.test/latest/meta-data/', ctx()),
      403,
      `http source address 169.254.169.254 is a link-local address, refused ${LINK_LOCAL}`,
    );
    await rejectsWith(
      loader.get('http://0.0.0.0/a.png', ctx()),
      403,
      `http source address 0.0.0.0 is an unspecified address, refused ${LOOPBACK}`,
    );
  });

  test('IPv4 embedded in IPv6 (mapped, NAT64, 6to4) is refused', async () => {
    const loader = mk();
    await rejectsWith(
      loader.get(`http://[::ffff:127.0.0.1]:${port}/gopher.png`, ctx()),
      403,
      `http source address ::ffff:7f00:1 is a loopback address, refused ${LOOPBACK}`,
    );
    await rejectsWith(
      loader.get(`http://mapped.test:${port}/gopher.png`, ctx()),
      403,
      `http source address ::ffff:127.0.0.1 is a loopback address, refused ${LOOPBACK}`,
    );
    await rejectsWith(
      loader.get('http://nat64.test/a.png', ctx()),
      403,
      `http source address 64:ff9b::a9fe:a9fe is a link-local address, refused ${LINK_LOCAL}`,
    );
    await rejectsWith(
      loader.get('http://[2002:a00:1::1]/a.png', ctx()),
      403,
      `http source address 2002:a00:1::1 is a private address, refused ${PRIVATE}`,
    );
    assert.deepEqual(seen, []);
  });

  test('blockNetworks CIDRs are refused', async () => {
    await rejectsWith(
      mk({ blockNetworks: ['203.0.113.0/24'] }).get('http://203.0.113.7/a.png', ctx()),
      403,
      'http source address 203.0.113.7 is in blocked network 203.0.113.0/24, refused (see -http-loader-block-networks)',
    );
  });

  test('the guard is re-checked on every redirect hop', async () => {
    const loader = mk({ blockLoopbackNetworks: false });
    const to = encodeURIComponent('http://10.0.0.1/a.png');
    await rejectsWith(
      loader.get(at('origin.test', `/goto?to=${to}`), ctx()),
      403,
      `http source address 10.0.0.1 is a private address, refused ${PRIVATE}`,
    );
    const viaName = encodeURIComponent('http://metadata.test/latest');
    await rejectsWith(
      loader.get(at('origin.test', `/goto?to=${viaName}`), ctx()),
      403,
      `http source address 169.254.169.254 is a link-local address, refused ${LINK_LOCAL}`,
    );
    assert.equal(seen.length, 2);
  });

  test('the guard also protects the HEAD probe and stat', async () => {
    await rejectsWith(
      mk({ maxAllowedSize: 10 }).get(at('origin.test', '/gopher.png'), ctx()),
      403,
      `http source address 127.0.0.1 is a loopback address, refused ${LOOPBACK}`,
    );
    await rejectsWith(
      mk().stat(at('origin.test', '/gopher.png'), ctx()),
      403,
      `http source address 127.0.0.1 is a loopback address, refused ${LOOPBACK}`,
    );
    assert.deepEqual(seen, []);
  });
});

describe('cancellation', () => {
  test('aborting the request signal ends the load with 499', async () => {
    const ac = new AbortController();
    const arrived = new Promise<void>((resolve) => (hangArrived = resolve));
    const p = open().get(at('origin.test', '/hang'), ctx({}, ac.signal));
    await arrived;
    ac.abort();
    await rejectsWith(p, 499, 'client closed request');
  });

  test('an ImagorError abort reason is kept', async () => {
    const ac = new AbortController();
    const arrived = new Promise<void>((resolve) => (hangArrived = resolve));
    const p = open().get(at('origin.test', '/hang'), ctx({}, ac.signal));
    await arrived;
    ac.abort(new ImagorError(408, 'timeout'));
    await rejectsWith(p, 408, 'timeout');
  });

  test('an already aborted signal sends nothing', async () => {
    await rejectsWith(
      open().get(at('origin.test', '/gopher.png'), ctx({}, AbortSignal.abort())),
      499,
      'client closed request',
    );
    assert.deepEqual(seen, []);
  });

  test('timeoutMs ends a hanging load with 408', async () => {
    await rejectsWith(open({ timeoutMs: 50 }).get(at('origin.test', '/hang'), ctx()), 408, 'timeout');
  });
});

describe('stat', () => {
  test('HEAD gives size, modified time and etag', async () => {
    const stat = await open().stat(at('origin.test', '/gopher.png'), ctx());
    assert.deepEqual(stat, {
      size: GOPHER.length,
      modifiedTime: new Date(LAST_MODIFIED),
      etag: '"gopher-v1"',
    });
    assert.deepEqual(seenPaths(), ['HEAD /gopher.png']);
  });

  test('an upstream error gives undefined', async () => {
    assert.equal(await open().stat(at('origin.test', '/status/404'), ctx()), undefined);
  });

  test('stat honours the allow-list', async () => {
    await rejectsWith(
      open({ allowedSources: ['allowed.test'] }).stat(at('other.test', '/gopher.png'), ctx()),
      403,
      'http source not allowed',
    );
  });
});

describe('proxy', () => {
  interface ProxySeen {
    method: string;
    url: string;
    auth: string | undefined;
  }
  const proxySeen: ProxySeen[] = [];
  let proxy: http.Server;
  let proxyPort = 0;

  before(async () => {
    proxy = http.createServer((req, res) => {
      proxySeen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        auth: req.headers['proxy-authorization'],
      });
      const target = new URL(req.url ?? '');
      const headers = { ...req.headers };
      delete headers['proxy-authorization'];
      // the test proxy resolves every name to the local origin
      const upstream = http.request(
        {
          host: '127.0.0.1',
          port: target.port,
          path: target.pathname + target.search,
          method: req.method,
          headers,
        },
        (ures) => {
          res.writeHead(ures.statusCode ?? 502, ures.headers);
          ures.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    proxy.on('connect', (req: IncomingMessage, socket: net.Socket, head: Buffer) => {
      proxySeen.push({ method: 'CONNECT', url: req.url ?? '', auth: req.headers['proxy-authorization'] });
      const targetPort = Number((req.url ?? '').split(':').pop());
      const upstream = net.connect(targetPort, '127.0.0.1', () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length > 0) upstream.write(head);
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    proxyPort = await listen(proxy);
  });

  after(() => {
    proxy.closeAllConnections();
    proxy.close();
  });

  beforeEach(() => {
    proxySeen.length = 0;
  });

  test('http targets go through the proxy in absolute form, with proxy credentials', async () => {
    const loader = open({ proxyUrls: [`http://user:p%40ss@127.0.0.1:${proxyPort}`] });
    const blob = await loader.get(at('origin.test', '/gopher.png'), ctx());
    assert.deepEqual(blob.data, GOPHER);
    assert.deepEqual(proxySeen, [
      {
        method: 'GET',
        url: `http://origin.test:${port}/gopher.png`,
        auth: 'Basic ' + Buffer.from('user:p@ss').toString('base64'),
      },
    ]);
    assert.equal(seen[0]?.headers.host, `origin.test:${port}`);
    assert.equal(seen[0]?.headers['proxy-authorization'], undefined);
  });

  test('https targets are tunnelled with CONNECT', async () => {
    const loader = open({ proxyUrls: [`http://127.0.0.1:${proxyPort}`], insecureSkipVerify: true });
    const blob = await loader.get(`https://origin.test:${tlsPort}/gopher.png`, ctx());
    assert.deepEqual(blob.data, GOPHER);
    assert.deepEqual(proxySeen, [{ method: 'CONNECT', url: `origin.test:${tlsPort}`, auth: undefined }]);
    assert.deepEqual(seenPaths(), ['GET /gopher.png']);
  });

  test('proxyAllowedSources limits which hosts use the proxy', async () => {
    const loader = open({
      proxyUrls: [`http://127.0.0.1:${proxyPort}`],
      proxyAllowedSources: ['other.test'],
    });
    await loader.get(at('origin.test', '/gopher.png'), ctx());
    assert.deepEqual(proxySeen, []);
    await loader.get(at('other.test', '/gopher.png'), ctx());
    assert.equal(proxySeen.length, 1);
  });

  test('the guard still checks the target when proxying', async () => {
    const loader = mk({ proxyUrls: [`http://127.0.0.1:${proxyPort}`] });
    await rejectsWith(
      loader.get('http://private.test/a.png', ctx()),
      403,
      `http source address 10.0.0.1 is a private address, refused (set -http-loader-block-private-networks=false to allow)`,
    );
    assert.deepEqual(proxySeen, []);
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { BuiltServer } from '../../src/build.js';
import { paramsToJSON } from '../../src/path/json.js';
import { parse } from '../../src/path/parse.js';
import { IMAGOR_TEST_PATHS } from '../path/cases.js';
import { fixturePath } from '../helpers/fixtures.js';
import { startServer } from '../helpers/server.js';

interface RawAnswer {
  status: number;
  headers: string;
  body: string;
}

/** Sends a request line byte for byte over a socket (no client-side URL normalisation or escaping). */
function rawGet(url: string, target: Buffer | string): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split);
      resolve({ status: Number(head.split(' ')[1]), headers: head, body: text.slice(split + 4) });
    });
    socket.end(
      Buffer.concat([
        Buffer.from('GET '),
        Buffer.from(target),
        Buffer.from(' HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'),
      ]),
    );
  });
}

/** Space and non-ASCII go %-encoded on the wire, everything else as written. */
const wire = (p: string): string => p.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));

describe('/params through the real server', () => {
  let s: BuiltServer;
  before(async () => {
    s = await startServer(['-imagor-secret', 'mysecret', '-file-loader-base-dir', fixturePath('imagor')]);
  });
  after(() => s.close());

  it('answers every path of imagor-test-paths.txt as imagor parses it', async () => {
    for (const c of IMAGOR_TEST_PATHS) {
      const sent = wire(c.input.replace(/^\/+/, ''));
      const r = await rawGet(s.url, `/params/${sent}`);
      assert.equal(r.status, 200, sent);
      // a path sent as written parses to the table's answer; %-encoded text stays encoded in `path`
      // and filter arguments, as in imagor, which parses the escaped request path
      const want = sent === c.input.replace(/^\/+/, '') ? c.expected : parse(sent);
      assert.equal(r.body, paramsToJSON(want), sent);
    }
  });

  it('re-escapes bytes that are not valid in a URL path the way Go does', async () => {
    const r = await rawGet(s.url, '/params/unsafe/fit-in/10x10/filters:blur(5)/a{1}|b\\c^"<>`.jpg');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), {
      // the whole path is re-encoded, parentheses too: the filter is no longer one
      path: 'fit-in/10x10/filters:blur%285%29/a%7B1%7D%7Cb%5Cc%5E%22%3C%3E%60.jpg',
      image: 'a{1}|b\\c^"<>`.jpg',
      unsafe: true,
      fit_in: true,
      width: 10,
      height: 10,
    });
  });

  it('keeps a # that reached the server in the path, escaped', async () => {
    const r = await rawGet(s.url, '/params/unsafe/a#b.jpg');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { path: 'a%23b.jpg', image: 'a#b.jpg', unsafe: true });
  });

  it('decodes escapes before re-encoding: %2F becomes a slash once the path is re-escaped', async () => {
    const r = await rawGet(s.url, '/params/unsafe/https:%2F%2Fa.com%2Fb[1].jpg|');
    assert.deepEqual(JSON.parse(r.body), {
      path: 'https://a.com/b%5B1%5D.jpg%7C',
      image: 'https://a.com/b[1].jpg|',
      unsafe: true,
    });
    const kept = await rawGet(s.url, '/params/unsafe/https:%2F%2Fa.com%2Fb[1].jpg');
    assert.deepEqual(JSON.parse(kept.body), {
      path: 'https:%2F%2Fa.com%2Fb[1].jpg',
      image: 'https://a.com/b[1].jpg',
      unsafe: true,
    });
  });

  for (const target of ['/params/unsafe/a%zz.jpg', '/params/unsafe/a.jpg%', '/unsafe/100x100/a%4.jpg']) {
    it(`answers 400 with JSON for the invalid escape in ${target}`, async () => {
      const r = await rawGet(s.url, target);
      assert.equal(r.status, 400);
      assert.match(r.headers, /content-type: application\/json/i);
      const body = JSON.parse(r.body) as { message: string; status: number };
      assert.equal(body.status, 400);
      assert.match(body.message, /^invalid URL escape "%.{0,2}"$/);
    });
  }

  it('answers 400 for an invalid escape even on the health check, as Go does before any handler', async () => {
    const r = await rawGet(s.url, '/healthcheck%zz');
    assert.equal(r.status, 400);
  });
});

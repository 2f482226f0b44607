import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapedRequestPath } from '../../src/path/escape.js';

/** Request paths as they arrive (one character per byte) and what Go's URL.EscapedPath() makes of them. */
const KEPT: string[] = [
  '/unsafe/fit-in/100x100/gopher.png',
  "/unsafe/filters:blur(5)/photo(1)[2]!*'.jpg",
  '/unsafe/a%2fb%41%28c%29.jpg',
  '/unsafe/https:%2F%2Fa.com%2Fb.jpg%3Fx=1',
  '/unsafe/a+b%20c$&,;=@~_-.jpg',
  '/unsafe/%E5%93%88',
  '/',
];

const REESCAPED: [string, string][] = [
  ['/unsafe/a\\b.jpg', '/unsafe/a%5Cb.jpg'],
  ['/unsafe/a{1}|^.jpg', '/unsafe/a%7B1%7D%7C%5E.jpg'],
  ['/unsafe/"a"<b>.jpg', '/unsafe/%22a%22%3Cb%3E.jpg'],
  ['/unsafe/a#b.jpg', '/unsafe/a%23b.jpg'],
  ['/unsafe/a`b.jpg', '/unsafe/a%60b.jpg'],
  ['/unsafe/a b.jpg', '/unsafe/a%20b.jpg'],
  // once one byte is invalid the whole path is re-encoded: brackets, parentheses and the other
  // sub-delimiters get escaped, and every escape is decoded first (%2F is a slash, %41 a letter)
  ['/unsafe/filters:blur(5)/a[1]|.jpg', '/unsafe/filters:blur%285%29/a%5B1%5D%7C.jpg'],
  ["/unsafe/a!*'|", '/unsafe/a%21%2A%27%7C'],
  ['/unsafe/https:%2F%2Fa.com%2Fb|c.jpg', '/unsafe/https://a.com/b%7Cc.jpg'],
  ['/unsafe/%41%7e%7C|', '/unsafe/A~%7C%7C'],
  ['/unsafe/100%25|%3Fx=1', '/unsafe/100%25%7C%3Fx=1'],
  ['/unsafe/a+b%20c|', '/unsafe/a+b%20c%7C'],
  ['/unsafe/%e2%82%ac|', '/unsafe/%E2%82%AC%7C'],
  // raw bytes above 0x7e (node:http hands the target over as latin1)
  ['/unsafe/\u00c3\u00a9.jpg', '/unsafe/%C3%A9.jpg'],
  // text that is not latin1 is taken as UTF-8
  ['/unsafe/哈.jpg', '/unsafe/%E5%93%88.jpg'],
];

const ERRORS: [string, string][] = [
  ['/unsafe/a%zz.jpg', 'invalid URL escape "%zz"'],
  ['/unsafe/a.jpg%', 'invalid URL escape "%"'],
  ['/unsafe/a.jpg%4', 'invalid URL escape "%4"'],
  ['/unsafe/a%4g.jpg', 'invalid URL escape "%4g"'],
  ['/unsafe/a%%41', 'invalid URL escape "%%4"'],
  ['/unsafe/a|%"', 'invalid URL escape "%\\""'],
  ['/unsafe/a\u0001b', 'net/url: invalid control character in URL'],
  ['/unsafe/a\u007fb', 'net/url: invalid control character in URL'],
];

describe("escapedRequestPath: Go's URL.EscapedPath() of a request target", () => {
  for (const p of KEPT) {
    it(`keeps ${JSON.stringify(p)} as sent`, () => {
      assert.deepEqual(escapedRequestPath(p), { path: p });
    });
  }
  for (const [raw, want] of REESCAPED) {
    it(`re-escapes ${JSON.stringify(raw)} as ${want}`, () => {
      assert.deepEqual(escapedRequestPath(raw), { path: want });
    });
  }
  for (const [raw, message] of ERRORS) {
    it(`rejects ${JSON.stringify(raw)}: ${message}`, () => {
      assert.deepEqual(escapedRequestPath(raw), { error: message });
    });
  }
  it('is stable: an escaped path is kept as it is', () => {
    for (const [, want] of REESCAPED) assert.deepEqual(escapedRequestPath(want), { path: want });
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NO_ESCAPE,
  S3_SAFE_CHARS,
  cleanPath,
  digestPath,
  normalize,
  normalizePrefix,
  resultKey,
  storageKey,
} from '../../src/storage/keys.js';

test('cleanPath follows Go path.Clean', () => {
  const table: Array<[string, string]> = [
    ['', '.'],
    ['/', '/'],
    ['a/b/../c', 'a/c'],
    ['/../a', '/a'],
    ['../../a', '../../a'],
    ['a/../..', '..'],
    ['//a//./b/', '/a/b'],
    ['./', '.'],
  ];
  for (const [input, want] of table) assert.equal(cleanPath(input), want, JSON.stringify(input));
});

test('normalize with default safe chars', () => {
  const table: Array<[string, string]> = [
    ['a b/c(d)[e]é?.jpg', 'a+b/c%28d%29%5Be%5D%C3%A9%3F.jpg'],
    ['plain/Path-_.~09.png', 'plain/Path-_.~09.png'],
    ['/foo/../bar//baz.jpg', 'bar/baz.jpg'],
    ['/a/b/', 'a/b'],
    ['../../etc/passwd', '../../etc/passwd'],
    ['a  b.jpg', 'a++b.jpg'],
    ['a{b}.jpg', 'a%7Bb%7D.jpg'],
    ['a+b.jpg', 'a%2Bb.jpg'],
    ['a%2Fb', 'a%252Fb'],
    ['a%20b.jpg', 'a%2520b.jpg'],
    ['日本.png', '%E6%97%A5%E6%9C%AC.png'],
    ['😀.gif', '%F0%9F%98%80.gif'],
    ['a\tb', 'a%09b'],
    ['a\r\nb\n.jpg', 'ab.jpg'],
    ['x\u2028y\u2029z\u0085.jpg', 'xyz.jpg'],
    ['https://example.com/a.jpg?x=1&y=2', 'https%3A/example.com/a.jpg%3Fx%3D1%26y%3D2'],
    ['p!"()*.jpg', 'p%21%22%28%29%2A.jpg'],
    ['', '.'],
    ['/', ''],
  ];
  for (const [input, want] of table) assert.equal(normalize(input, ''), want, JSON.stringify(input));
  assert.equal(normalize('a b.jpg'), 'a+b.jpg');
});

test('normalize with configured safe chars', () => {
  assert.equal(normalize('a(b){c}.jpg', '(){}'), 'a(b){c}.jpg');
  assert.equal(normalize('a(b) [c].jpg', '()'), 'a(b)+%5Bc%5D.jpg');
  assert.equal(normalize('a b+c.jpg', ' +'), 'a b+c.jpg');
  assert.equal(normalize('p!"()*é.jpg', S3_SAFE_CHARS), 'p!"()*%C3%A9.jpg');
  assert.equal(normalize('a%2Fb', '%'), 'a%2Fb');
  // only ASCII characters can be declared safe
  assert.equal(normalize('é.jpg', 'é'), '%C3%A9.jpg');
});

test('normalize with -- disables escaping but still cleans', () => {
  assert.equal(normalize('a b/c(d)[e]é?.jpg', NO_ESCAPE), 'a b/c(d)[e]é?.jpg');
  assert.equal(normalize('/x/../y z/{}+%2F\n', NO_ESCAPE), 'y z/{}+%2F');
  assert.equal(normalize('a b', '--x'), 'a+b');
});

test('normalizePrefix frames prefixes with slashes', () => {
  assert.equal(normalizePrefix(undefined), '/');
  assert.equal(normalizePrefix(''), '/');
  assert.equal(normalizePrefix('/'), '/');
  assert.equal(normalizePrefix('foo'), '/foo/');
  assert.equal(normalizePrefix('/foo/bar/'), '/foo/bar/');
});

test('storage key styles', () => {
  assert.equal(storageKey('foo/bar.jpg', 'original'), 'foo/bar.jpg');
  assert.equal(storageKey('foo/bar.jpg', 'digest'), 'f3/01/cc946de586d060cda505092996518c902178');
  assert.equal(digestPath('foo/bar.jpg'), 'f3/01/cc946de586d060cda505092996518c902178');
});

test('result key styles match the observed imagor example', () => {
  const p = '166x169/top/filters:format(webp)/foo/bar.jpg';
  const info = { image: 'foo/bar.jpg', format: 'webp', width: 166, height: 169 };
  assert.equal(resultKey(p, 'original', info), p);
  assert.equal(resultKey(p, 'digest', info), '68/c6/5a1a02f7aa7cacb336c128102dbbd55ffb77');
  assert.equal(resultKey(p, 'suffix', info), 'foo/bar.68c65a1a02f7aa7cacb3.webp');
  assert.equal(resultKey(p, 'size', info), 'foo/bar.68c65a1a02f7aa7cacb3_166x169.webp');
});

test('result key suffix and size edge cases', () => {
  const meta = 'meta/166x169/foo/bar.jpg';
  const metaInfo = { image: 'foo/bar.jpg', meta: true, format: 'png', width: 166, height: 169 };
  assert.equal(resultKey(meta, 'suffix', metaInfo), 'foo/bar.95ff94e576c6075f1f31.json');
  assert.equal(resultKey(meta, 'size', metaInfo), 'foo/bar.95ff94e576c6075f1f31_166x169.json');

  // keep the extension without format(); no `_WxH` when both are zero
  const p = '166x169/top/filters:format(webp)/foo/bar.jpg';
  assert.equal(resultKey(p, 'suffix', { image: 'foo/bar.jpg' }), 'foo/bar.68c65a1a02f7aa7cacb3.jpg');
  assert.equal(
    resultKey(p, 'size', { image: 'foo/bar.jpg', width: 0, height: 0 }),
    'foo/bar.68c65a1a02f7aa7cacb3.jpg',
  );
  assert.equal(
    resultKey(p, 'size', { image: 'foo/bar.jpg', width: 0, height: 50 }),
    'foo/bar.68c65a1a02f7aa7cacb3_0x50.jpg',
  );

  // no extension in the file name (a dot in a directory does not count): suffix appended
  const q = 'fit-in/200x0/foo.d/bar';
  const noExt = { image: 'foo.d/bar', format: 'webp', width: 200, height: 0 };
  assert.equal(resultKey(q, 'suffix', noExt), 'foo.d/bar.3041eb66fb6d00528354');
  assert.equal(resultKey(q, 'size', noExt), 'foo.d/bar.3041eb66fb6d00528354_200x0');
});

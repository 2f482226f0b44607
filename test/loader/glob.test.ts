import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileGoGlob, goPathMatch } from '../../src/loader/glob.js';

test('star matches any run of characters except slash, including dots', () => {
  assert.equal(goPathMatch('*.example.com', 'a.example.com'), true);
  assert.equal(goPathMatch('*.example.com', 'a.b.example.com'), true);
  assert.equal(goPathMatch('*.example.com', 'example.com'), false);
  assert.equal(goPathMatch('*.example.com', 'a.example.com.evil.net'), false);
  assert.equal(goPathMatch('*', 'a/b'), false);
  assert.equal(goPathMatch('image/*', 'image/svg+xml'), true);
  assert.equal(goPathMatch('image/*', 'text/plain'), false);
  assert.equal(goPathMatch('*/*', ''), false);
});

test('question mark, classes and escapes', () => {
  assert.equal(goPathMatch('img?.test', 'img1.test'), true);
  assert.equal(goPathMatch('img?.test', 'img12.test'), false);
  assert.equal(goPathMatch('cdn[0-9].test', 'cdn7.test'), true);
  assert.equal(goPathMatch('cdn[^0-9].test', 'cdn7.test'), false);
  assert.equal(goPathMatch('cdn[^0-9].test', 'cdnx.test'), true);
  assert.equal(goPathMatch('a\\*b', 'a*b'), true);
  assert.equal(goPathMatch('a\\*b', 'axb'), false);
  assert.equal(goPathMatch('a.b', 'axb'), false);
  assert.equal(goPathMatch('(a|b)', '(a|b)'), true);
});

test('malformed patterns never match', () => {
  assert.equal(compileGoGlob('[abc'), undefined);
  assert.equal(compileGoGlob('[]'), undefined);
  assert.equal(compileGoGlob('abc\\'), undefined);
  assert.equal(compileGoGlob('[z-a]'), undefined);
  assert.equal(goPathMatch('[abc', '[abc'), false);
});

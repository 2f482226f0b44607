import { queryUnescapeOrRaw } from '../../src/path/escape.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  readBool,
  readInt,
  readNumber,
  readOptionalNumber,
  readPosition,
  readTextArg,
  requireCount,
  splitArgs,
} from '../../src/processor/filters/args.js';
import { isStatus } from './helpers.js';

test('splitArgs splits at parenthesis depth 0 only', () => {
  assert.deepEqual(splitArgs(''), []);
  assert.deepEqual(splitArgs('a'), ['a']);
  assert.deepEqual(splitArgs('path(a,b),x,y'), ['path(a,b)', 'x', 'y']);
  assert.deepEqual(splitArgs('/fit-in/10x10/filters:fill(red):blur(1,2)/a.png,1,2'), [
    '/fit-in/10x10/filters:fill(red):blur(1,2)/a.png',
    '1',
    '2',
  ]);
  assert.deepEqual(splitArgs('a,,b,'), ['a', '', 'b', '']);
  assert.deepEqual(splitArgs(' a , b'), [' a ', ' b']);
  // a stray closing parenthesis never makes the depth negative
  assert.deepEqual(splitArgs('a),b'), ['a)', 'b']);
});

test('number readers: one message shape, 400', () => {
  assert.equal(readNumber('1.5', 'x'), 1.5);
  assert.equal(readNumber(' -2 ', 'x'), -2);
  assert.equal(readNumber('.5', 'x'), 0.5);
  assert.equal(readNumber('1e2', 'x'), 100);
  assert.throws(
    () => readNumber('abc', 'blur sigma'),
    isStatus(400, /^Expected number for blur sigma but received "abc"$/),
  );
  assert.throws(() => readNumber(undefined, 'blur sigma'), isStatus(400, /received ""/));
  assert.throws(() => readNumber('NaN', 'x'), isStatus(400));
  assert.throws(() => readNumber('Infinity', 'x'), isStatus(400));
  assert.throws(() => readNumber('0x10', 'x'), isStatus(400));
  assert.equal(readOptionalNumber('', 'x', 7), 7);
  assert.equal(readOptionalNumber(undefined, 'x', 7), 7);
  assert.equal(readInt('42', 'x'), 42);
  assert.throws(() => readInt('4.2', 'x'), isStatus(400, /Expected integer for x/));
  assert.throws(() => readInt('99999999999999999999', 'x'), isStatus(400));
  assert.equal(readBool('true', 'j', false), true);
  assert.equal(readBool('0', 'j', true), false);
  assert.equal(readBool('', 'j', true), true);
  assert.throws(() => readBool('yes', 'j', false), isStatus(400, /Expected boolean/));
  assert.throws(
    () => requireCount(['1'], 3, 'rgb'),
    isStatus(400, /Expected 3 arguments for rgb but received 1/),
  );
});

test('text arguments are URL-unescaped and b64-decoded', () => {
  assert.equal(queryUnescapeOrRaw('a+b%2Cc'), 'a b,c');
  assert.equal(queryUnescapeOrRaw('100%'), '100%');
  assert.equal(readTextArg('hello%20world'), 'hello world');
  assert.equal(readTextArg('b64:' + Buffer.from('Hi, there!').toString('base64url')), 'Hi, there!');
  assert.equal(readTextArg(undefined), '');
});

test('overlay positions (§3.1)', () => {
  const at = (s: string, axis: 'x' | 'y' = 'x', W = 100, w = 20): number =>
    readPosition(s, axis, 'p').at(W, w);
  assert.equal(at(''), 0);
  assert.equal(at('10'), 10);
  assert.equal(at('-10'), 70);
  assert.equal(at('-0'), 80);
  assert.equal(at('center'), 40);
  assert.equal(at('center', 'x', 101, 20), 40);
  assert.equal(at('left'), 0);
  assert.equal(at('right'), 80);
  assert.equal(at('top', 'y'), 0);
  assert.equal(at('bottom', 'y'), 80);
  assert.equal(at('l-5'), -5);
  assert.equal(at('left-5'), -5);
  assert.equal(at('r-5'), 85);
  assert.equal(at('right-5'), 85);
  assert.equal(at('t-3', 'y'), -3);
  assert.equal(at('top-3', 'y'), -3);
  assert.equal(at('b-3', 'y'), 83);
  assert.equal(at('bottom-3', 'y'), 83);
  assert.equal(at('25p'), 25);
  assert.equal(at('-25p'), 55);
  assert.equal(at('0.5'), 50);
  assert.equal(at('-0.5'), 30);
  assert.equal(at('.25'), 25);
  assert.equal(at('CENTER'), 40);
  const rep = readPosition('repeat', 'x', 'p');
  assert.equal(rep.repeat, true);
  assert.equal(rep.at(100, 20), 0);
  assert.equal(readPosition('10', 'x', 'p').repeat, false);
  assert.throws(
    () => readPosition('abc', 'x', 'watermark x'),
    isStatus(400, /Expected position for watermark x but received "abc"/),
  );
  assert.throws(() => readPosition('top', 'x', 'p'), isStatus(400));
  assert.throws(() => readPosition('left', 'y', 'p'), isStatus(400));
  assert.throws(() => readPosition('q-5', 'x', 'p'), isStatus(400));
  assert.throws(() => readPosition('1e5', 'x', 'p'), isStatus(400));
});

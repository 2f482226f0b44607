import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toImagorError } from '../../src/errors.js';

/** A Node system error as fs/net raise them: code, syscall, path, and a message naming the path. */
function systemError(code: string, syscall: string, path: string): Error {
  const e = new Error(`${code}: some text, ${syscall} '${path}'`) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = syscall;
  e.path = path;
  e.errno = -1;
  return e;
}

describe('toImagorError keeps system details out of the answer', () => {
  const cases: Array<[string, number, string]> = [
    ['ENAMETOOLONG', 400, 'invalid'],
    ['ENOENT', 404, 'not found'],
    ['ENOTDIR', 404, 'not found'],
    ['EACCES', 500, 'internal error'],
    ['EMFILE', 500, 'internal error'],
    ['EIO', 500, 'internal error'],
  ];
  for (const [code, status, message] of cases) {
    it(`${code} answers ${status} "${message}"`, () => {
      const e = toImagorError(systemError(code, 'open', '/srv/images/secret/a.jpg'));
      assert.deepEqual(e.toJSON(), { message, status });
    });
  }

  it('an unknown error naming a file path answers 500 without the path', () => {
    const e = toImagorError(new Error("cannot read '/var/lib/imagor/x.png' today"));
    assert.equal(e.status, 500);
    assert.doesNotMatch(e.message, /\/var\/lib/);
  });

  it('a libvips message naming a file keeps its status but not the path', () => {
    const e = toImagorError(new Error('VipsForeignLoad: "/tmp/vips-0-123.v" is not a known file format'));
    assert.equal(e.status, 406);
    assert.doesNotMatch(e.message, /\/tmp\//);
  });

  it('messages without paths are kept as they are', () => {
    assert.equal(
      toImagorError(new Error('Input buffer contains unsupported image format')).message,
      'Input buffer contains unsupported image format',
    );
  });
});

describe('libvips failures whose text was lost', () => {
  // libvips keeps one error buffer for the whole process; a concurrent request can clear it before
  // sharp reads it, and sharp then rejects with "Unknown error"
  it('sharp\'s "Unknown error" is a 406 naming the input, not a 500', () => {
    assert.deepEqual(toImagorError(new Error('Unknown error')).toJSON(), {
      message: 'corrupt or unsupported image',
      status: 406,
    });
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CascadeError, DEFAULT_CASCADE_FILE, loadCascade, readCascade } from '../../src/faces/cascade.js';
import { ROOT } from '../helpers/fixtures.js';

const BYTES = readFileSync(path.join(ROOT, 'models', 'facefinder'));

function isCascadeError(re: RegExp) {
  return (err: unknown): boolean => err instanceof CascadeError && re.test(err.message);
}

describe('cascade reader', () => {
  it('reads the vendored facefinder: 468 trees of depth 6', () => {
    const c = readCascade(BYTES);
    assert.equal(c.depth, 6);
    assert.equal(c.trees, 468);
    assert.equal(c.codes.length, 468 * 64 * 4);
    assert.equal(c.preds.length, 468 * 64);
    assert.equal(c.thresholds.length, 468);
    assert.equal(path.resolve(DEFAULT_CASCADE_FILE), path.join(ROOT, 'models', 'facefinder'));
  });

  it('keeps slot 0 of each tree empty and the node codes signed', () => {
    const c = readCascade(BYTES);
    assert.deepEqual([...c.codes.subarray(0, 4)], [0, 0, 0, 0]);
    assert.deepEqual([...c.codes.subarray(4, 8)], [...new Int8Array(BYTES.buffer, BYTES.byteOffset + 16, 4)]);
    assert.ok(c.codes.some((v) => v < 0));
  });

  it('a truncated file is a CascadeError saying so', () => {
    assert.throws(() => readCascade(BYTES.subarray(0, 10)), isCascadeError(/truncated \(10 bytes/));
    assert.throws(
      () => readCascade(BYTES.subarray(0, BYTES.length - 1)),
      isCascadeError(/truncated \(239631 bytes, 468 trees of depth 6 need 239632\)/),
    );
  });

  it('a corrupt header, trailing bytes or a non-finite leaf is a CascadeError', () => {
    const bad = Buffer.from(BYTES);
    bad.writeInt32LE(99, 8);
    assert.throws(() => readCascade(bad), isCascadeError(/corrupt header \(tree depth 99/));
    const noTrees = Buffer.from(BYTES);
    noTrees.writeInt32LE(-5, 12);
    assert.throws(() => readCascade(noTrees), isCascadeError(/corrupt header \(tree count -5/));
    assert.throws(
      () => readCascade(Buffer.concat([BYTES, Buffer.alloc(3)])),
      isCascadeError(/corrupt \(3 bytes after the last tree\)/),
    );
    const nan = Buffer.from(BYTES);
    nan.writeFloatLE(Number.NaN, 16 + 63 * 4);
    assert.throws(() => readCascade(nan), isCascadeError(/tree 0 has a non-finite leaf/));
  });

  it('a missing file is a CascadeError that does not name the path', () => {
    assert.throws(
      () => loadCascade('/nonexistent/dir/facefinder'),
      (err: unknown) =>
        err instanceof CascadeError &&
        /cannot be read \(ENOENT\)/.test(err.message) &&
        !err.message.includes('/'),
    );
  });
});

describe('start-up with a bad cascade', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['dist/src/main.js', '-bind', '127.0.0.1:0', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 20_000,
    });

  it('refuses to start with exit 2 on a truncated cascade', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cascade-'));
    try {
      const file = path.join(dir, 'facefinder');
      writeFileSync(file, BYTES.subarray(0, 1000));
      const r = run(['-face-detector', '-face-detector-cascade', file]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /face detector cascade: truncated \(1000 bytes/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start with exit 2 on a corrupt cascade given by env var', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cascade-'));
    try {
      const file = path.join(dir, 'facefinder');
      const bad = Buffer.from(BYTES);
      bad.writeInt32LE(0, 8);
      writeFileSync(file, bad);
      const r = spawnSync(process.execPath, ['dist/src/main.js', '-bind', '127.0.0.1:0'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', FACE_DETECTOR: '1', FACE_DETECTOR_CASCADE: file },
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(r.status, 2);
      assert.match(r.stderr, /face detector cascade: corrupt header \(tree depth 0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

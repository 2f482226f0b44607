import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ImageBlob } from '../../src/blob.js';
import { ImagorError } from '../../src/errors.js';
import type { LoadContext } from '../../src/types.js';
import { createFileStorage, fileEtag } from '../../src/storage/file.js';
import { readFixture } from '../helpers/fixtures.js';

const ctx = (): LoadContext => ({ signal: new AbortController().signal, headers: {} });
const never = (): AbortSignal => new AbortController().signal;

async function rejectsWith(p: Promise<unknown>, status: number, message: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ImagorError, `expected ImagorError, got ${String(err)}`);
    assert.equal(err.status, status);
    assert.equal(err.message, message);
    return true;
  });
}

/** All entries below `dir`, relative, sorted; directories end with '/'. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .map((e) => {
      const rel = path.relative(dir, path.join(e.parentPath, e.name));
      return e.isDirectory() ? rel + '/' : rel;
    })
    .sort();
}

let root: string;
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'imagor-file-storage-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshDir(name: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  return dir;
}

describe('file storage', () => {
  test('round trip: put, get, stat, delete', async () => {
    const base = await freshDir('roundtrip');
    const s = createFileStorage({ baseDir: base });
    assert.equal(s.name, 'file');
    const png = readFixture('imagor/gopher.png');
    await s.put('a/b/gopher.png', new ImageBlob(png), never());
    assert.deepEqual(await readFile(path.join(base, 'a/b/gopher.png')), png);

    const blob = await s.get('a/b/gopher.png', ctx());
    assert.deepEqual(blob.data, png);
    assert.equal(blob.contentType, 'image/png');
    const fsStat = await stat(path.join(base, 'a/b/gopher.png'));
    assert.deepEqual(blob.stat, {
      size: png.length,
      modifiedTime: fsStat.mtime,
      etag: fileEtag(fsStat.mtimeMs, png.length),
    });
    assert.equal(fileEtag(0x1234, 0xff), '1234-ff');
    assert.deepEqual(await s.stat('/a/b/gopher.png', ctx()), blob.stat);

    await s.delete('a/b/gopher.png', never());
    await rejectsWith(s.get('a/b/gopher.png', ctx()), 404, 'not found');
    await rejectsWith(s.stat('a/b/gopher.png', ctx()), 404, 'not found');
    // deleting a missing key (and a missing directory) is fine
    await s.delete('a/b/gopher.png', never());
    await s.delete('zz/yy/none.png', never());
    assert.deepEqual(await tree(base), ['a/', 'a/b/']);
  });

  test('overwrite replaces content; directories are not files', async () => {
    const base = await freshDir('overwrite');
    const s = createFileStorage({ baseDir: base, name: 'result' });
    assert.equal(s.name, 'result');
    await s.put('x.bin', new ImageBlob(Buffer.from('first version')), never());
    await s.put('x.bin', new ImageBlob(Buffer.from('2nd')), never());
    assert.equal((await s.get('x.bin', ctx())).data.toString(), '2nd');
    await mkdir(path.join(base, 'dir'));
    await rejectsWith(s.get('dir', ctx()), 404, 'not found');
    await rejectsWith(s.get('missing/deep/file.jpg', ctx()), 404, 'not found');
    assert.deepEqual(await tree(base), ['dir/', 'x.bin']);
  });

  test('keys are normalised before mapping to files', async () => {
    const base = await freshDir('normalise');
    const s = createFileStorage({ baseDir: base });
    await s.put('a b/c(d)[e]é?.jpg', new ImageBlob(Buffer.from('x')), never());
    assert.deepEqual(await tree(base), ['a+b/', 'a+b/c%28d%29%5Be%5D%C3%A9%3F.jpg']);
    assert.equal((await s.get('/a b//c(d)[e]é?.jpg', ctx())).data.toString(), 'x');
    assert.equal(s.filePath('q/../a+b.jpg'), path.join(base, 'a%2Bb.jpg'));

    const raw = createFileStorage({ baseDir: await freshDir('normalise-raw'), safeChars: '--' });
    await raw.put('a b/(1).jpg', new ImageBlob(Buffer.from('y')), never());
    assert.equal(await readFile(path.join(root, 'normalise-raw', 'a b/(1).jpg'), 'utf8'), 'y');

    const safe = createFileStorage({ baseDir: await freshDir('normalise-safe'), safeChars: '()' });
    assert.equal(safe.filePath('a b/(1)[2].jpg'), path.join(root, 'normalise-safe', 'a+b/(1)%5B2%5D.jpg'));
  });

  test('path prefix: keys outside the prefix are invalid, the prefix is stripped', async () => {
    const base = await freshDir('prefix');
    const s = createFileStorage({ baseDir: base, pathPrefix: '/pre/fix/' });
    await s.put('pre/fix/img.jpg', new ImageBlob(Buffer.from('p')), never());
    assert.deepEqual(await tree(base), ['img.jpg']);
    assert.equal((await s.get('/pre/fix/img.jpg', ctx())).data.toString(), 'p');
    await rejectsWith(s.get('img.jpg', ctx()), 400, 'invalid');
    await rejectsWith(s.get('pre/fixed/img.jpg', ctx()), 400, 'invalid');
    await rejectsWith(s.get('pre/fix', ctx()), 400, 'invalid');
    await rejectsWith(s.put('other/img.jpg', new ImageBlob(Buffer.from('p')), never()), 400, 'invalid');
    await rejectsWith(s.delete('other/img.jpg', never()), 400, 'invalid');
    const bare = createFileStorage({ baseDir: base, pathPrefix: 'pre' });
    assert.equal(bare.filePath('pre/x.jpg'), path.join(base, 'x.jpg'));
    await rejectsWith(
      Promise.resolve().then(() => bare.filePath('prefix/x.jpg')),
      400,
      'invalid',
    );
  });

  test('refuses traversal and dot files', async () => {
    const base = await freshDir('refuse/base');
    await writeFile(path.join(root, 'refuse', 'secret.txt'), 'secret');
    await writeFile(path.join(base, '.hidden'), 'hidden');
    const s = createFileStorage({ baseDir: base });
    const refused = [
      '../secret.txt',
      '../../secret.txt',
      'a/../../secret.txt',
      '.hidden',
      'dir/.hidden',
      './.hidden',
      '.git/config',
      '',
      '/',
      '.',
    ];
    for (const key of refused) {
      await rejectsWith(s.get(key, ctx()), 400, 'invalid');
      await rejectsWith(s.stat(key, ctx()), 400, 'invalid');
      await rejectsWith(s.put(key, new ImageBlob(Buffer.from('x')), never()), 400, 'invalid');
      await rejectsWith(s.delete(key, never()), 400, 'invalid');
    }
    // `..` inside a name is not a segment; `/../` that stays inside is cleaned away
    await s.put('a..b.jpg', new ImageBlob(Buffer.from('ok')), never());
    assert.equal((await s.get('x/../a..b.jpg', ctx())).data.toString(), 'ok');
    assert.equal(await readFile(path.join(root, 'refuse', 'secret.txt'), 'utf8'), 'secret');
    assert.deepEqual(await tree(base), ['.hidden', 'a..b.jpg']);
  });

  test('refuses symlinks that resolve outside the base dir', async () => {
    const base = await freshDir('symlink/base');
    const outside = await freshDir('symlink/outside');
    await writeFile(path.join(outside, 'secret.jpg'), 'secret');
    await writeFile(path.join(base, 'inside.jpg'), 'inside');
    await symlink(path.join(outside, 'secret.jpg'), path.join(base, 'leak.jpg'));
    await symlink(outside, path.join(base, 'leakdir'));
    await symlink(path.join(base, 'inside.jpg'), path.join(base, 'alias.jpg'));
    await symlink(path.join(base, 'nowhere.jpg'), path.join(base, 'dangling.jpg'));
    const s = createFileStorage({ baseDir: base });

    await rejectsWith(s.get('leak.jpg', ctx()), 400, 'invalid');
    await rejectsWith(s.stat('leak.jpg', ctx()), 400, 'invalid');
    await rejectsWith(s.get('leakdir/secret.jpg', ctx()), 400, 'invalid');
    await rejectsWith(s.put('leakdir/new.jpg', new ImageBlob(Buffer.from('x')), never()), 400, 'invalid');
    await rejectsWith(s.put('leakdir/sub/new.jpg', new ImageBlob(Buffer.from('x')), never()), 400, 'invalid');
    await rejectsWith(s.delete('leakdir/secret.jpg', never()), 400, 'invalid');
    await rejectsWith(s.get('dangling.jpg', ctx()), 404, 'not found');
    // a symlink that stays inside is served
    assert.equal((await s.get('alias.jpg', ctx())).data.toString(), 'inside');

    assert.deepEqual(await tree(outside), ['secret.jpg']);
    assert.equal(await readFile(path.join(outside, 'secret.jpg'), 'utf8'), 'secret');
  });

  test('a FIFO, a directory or a device is 404 and never blocks the read', async () => {
    const base = await freshDir('fifo/base');
    const outside = await freshDir('fifo/outside');
    execFileSync('mkfifo', [path.join(base, 'pipe.jpg')]);
    execFileSync('mkfifo', [path.join(outside, 'pipe.jpg')]);
    await mkdir(path.join(base, 'dir.jpg'));
    await symlink('/dev/zero', path.join(base, 'zero.jpg'));
    await symlink(path.join(outside, 'pipe.jpg'), path.join(base, 'outpipe.jpg'));
    const s = createFileStorage({ baseDir: base });
    await rejectsWith(s.get('pipe.jpg', ctx()), 404, 'not found');
    await rejectsWith(s.stat('pipe.jpg', ctx()), 404, 'not found');
    await rejectsWith(s.get('dir.jpg', ctx()), 404, 'not found');
    await rejectsWith(s.get('zero.jpg', ctx()), 400, 'invalid');
    await rejectsWith(s.get('outpipe.jpg', ctx()), 400, 'invalid');
  });

  test('a symlinked base dir is allowed', async () => {
    const real = await freshDir('linkedbase/real');
    const link = path.join(root, 'linkedbase', 'link');
    await symlink(real, link);
    const s = createFileStorage({ baseDir: link });
    await s.put('d/x.jpg', new ImageBlob(Buffer.from('via link')), never());
    assert.equal((await s.get('d/x.jpg', ctx())).data.toString(), 'via link');
    assert.deepEqual(await tree(real), ['d/', 'd/x.jpg']);
  });

  test('expiration: old files are 410 expired, fresh ones are served', async () => {
    const base = await freshDir('expire');
    const s = createFileStorage({ baseDir: base, expirationMs: 60_000 });
    await s.put('old.jpg', new ImageBlob(Buffer.from('old')), never());
    await s.put('new.jpg', new ImageBlob(Buffer.from('new')), never());
    const past = new Date(Date.now() - 3_600_000);
    await utimes(path.join(base, 'old.jpg'), past, past);
    await rejectsWith(s.get('old.jpg', ctx()), 410, 'expired');
    assert.equal((await s.get('new.jpg', ctx())).data.toString(), 'new');
    // stat reports the age; it does not judge it
    assert.equal((await s.stat('old.jpg', ctx())).modifiedTime?.getTime(), past.getTime());
    const noExpiry = createFileStorage({ baseDir: base });
    assert.equal((await noExpiry.get('old.jpg', ctx())).data.toString(), 'old');
  });

  test('creates directories with the mkdir permission and files with the write permission', async () => {
    const base = await freshDir('perms');
    const s = createFileStorage({ baseDir: base, mkdirPermission: 0o700, writePermission: 0o600 });
    await s.put('p/q/r.jpg', new ImageBlob(Buffer.from('x')), never());
    assert.equal((await stat(path.join(base, 'p'))).mode & 0o777, 0o700);
    assert.equal((await stat(path.join(base, 'p/q'))).mode & 0o777, 0o700);
    assert.equal((await stat(path.join(base, 'p/q/r.jpg'))).mode & 0o777, 0o600);
  });

  test('honours an already aborted signal', async () => {
    const base = await freshDir('aborted');
    const s = createFileStorage({ baseDir: base });
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(s.put('x.jpg', new ImageBlob(Buffer.from('x')), ac.signal), { name: 'AbortError' });
    await s.put('y.jpg', new ImageBlob(Buffer.from('y')), never());
    await assert.rejects(s.get('y.jpg', { signal: ac.signal, headers: {} }), { name: 'AbortError' });
    assert.deepEqual(await tree(base), ['y.jpg']);
  });
});

describe('file storage atomic put', () => {
  const big = Buffer.alloc(300 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + 3) & 0xff;

  test('abort mid-write leaves no final file and no temp file', async () => {
    const base = await freshDir('atomic-abort');
    const ac = new AbortController();
    const seen: number[] = [];
    const s = createFileStorage({
      baseDir: base,
      onWriteChunk: (written) => {
        seen.push(written);
        if (seen.length === 2) ac.abort();
      },
    });
    await assert.rejects(s.put('d/big.bin', new ImageBlob(big), ac.signal), { name: 'AbortError' });
    assert.deepEqual(seen, [65536, 131072]);
    assert.deepEqual(await tree(base), ['d/']);
    await rejectsWith(s.get('d/big.bin', ctx()), 404, 'not found');
  });

  test('a writer failing half-way keeps the previous version intact and cleans up', async () => {
    const base = await freshDir('atomic-fault');
    let fail = false;
    const s = createFileStorage({
      baseDir: base,
      onWriteChunk: (written, total) => {
        if (fail && written >= total / 2) throw new Error('disk on fire');
      },
    });
    await s.put('d/big.bin', new ImageBlob(Buffer.from('previous')), never());
    fail = true;
    await assert.rejects(s.put('d/big.bin', new ImageBlob(big), never()), { message: 'disk on fire' });
    assert.equal((await s.get('d/big.bin', ctx())).data.toString(), 'previous');
    assert.deepEqual(await tree(base), ['d/', 'd/big.bin']);
  });

  test('concurrent readers see the old or the new file, never a partial one', async () => {
    const base = await freshDir('atomic-readers');
    const observations: string[] = [];
    let tempNames: string[] = [];
    const reader = createFileStorage({ baseDir: base });
    let armed = false;
    const s = createFileStorage({
      baseDir: base,
      onWriteChunk: async (written, total) => {
        if (!armed) return;
        const blob = await reader.get('d/big.bin', ctx());
        observations.push(blob.data.equals(old) ? 'old' : `other:${blob.size}`);
        if (written < total) {
          const names = await readdir(path.join(base, 'd'));
          tempNames = names.filter((n) => n !== 'big.bin');
          // the temp file is a dot file: never servable through the storage
          for (const n of tempNames) await rejectsWith(reader.get(`d/${n}`, ctx()), 400, 'invalid');
        }
      },
    });
    const old = Buffer.from('old content');
    await s.put('d/big.bin', new ImageBlob(old), never());
    armed = true;
    await s.put('d/big.bin', new ImageBlob(big), never());
    assert.deepEqual(observations, ['old', 'old', 'old', 'old', 'old']);
    assert.equal(tempNames.length, 1);
    assert.match(tempNames[0] ?? '', /^\.big\.bin\.[0-9a-f]{16}\.tmp$/);
    assert.ok((await reader.get('d/big.bin', ctx())).data.equals(big));
    assert.deepEqual(await tree(base), ['d/', 'd/big.bin']);
  });

  test('many concurrent puts of the same key: the final file is one complete version', async () => {
    const base = await freshDir('atomic-race');
    const s = createFileStorage({ baseDir: base });
    const versions = Array.from({ length: 8 }, (_, i) => Buffer.alloc(100_000 + i * 1000, i + 1));
    await Promise.all(versions.map((v) => s.put('race.bin', new ImageBlob(v), never())));
    const got = (await s.get('race.bin', ctx())).data;
    assert.equal(
      versions.filter((v) => v.equals(got)).length,
      1,
      'final content is exactly one of the written versions',
    );
    assert.deepEqual(await tree(base), ['race.bin']);
  });
});

describe('file storage: names the file system refuses', () => {
  test('a name longer than the file system allows is 404, and the error names no path', async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'imagor-long-'));
    try {
      const s = createFileStorage({ baseDir: base });
      const long = 'a'.repeat(10_000) + '.jpg';
      await rejectsWith(s.get(long, ctx()), 404, 'not found');
      const segment = 'b'.repeat(300) + '/c.jpg';
      await rejectsWith(s.get(segment, ctx()), 404, 'not found');
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

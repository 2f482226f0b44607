import { randomBytes } from 'node:crypto';
import fs, { constants as fsConstants, fstatSync, readlinkSync, type Stats } from 'node:fs';
import { mkdir, open, realpath, rename, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImageBlob, type Stat } from '../blob.js';
import { expired, invalid, notFound } from '../errors.js';
import { reserveBody } from '../loader/body.js';
import type { LoadContext, Storage } from '../types.js';
import { normalize, normalizePrefix } from './keys.js';

/**
 * File loader / storage / result storage (spec §5.5, §6.3–6.5).
 *
 * Key mapping: `'/' + normalize(key)`; keys with a `/.` segment (dot files, `..`) are refused;
 * keys outside `pathPrefix` are refused; the prefix is stripped and the rest joined with `baseDir`.
 * Every refusal, including a symlink that resolves outside `baseDir`, is `400 invalid` (as imagor).
 *
 * Unlike imagor (truncate in place), `put` is atomic: the bytes go to a dot-prefixed temp file in
 * the target directory (never servable, since dot files are refused), are fsynced and then renamed
 * over the final name. On any error or abort the temp file is removed.
 */
export interface FileStorageOptions {
  baseDir: string;
  pathPrefix?: string;
  safeChars?: string;
  /** default 0o755 (umask applies, as with imagor's MkdirAll) */
  mkdirPermission?: number;
  /** default 0o666 (umask applies, as with imagor's OpenFile) */
  writePermission?: number;
  /** objects older than this are `410 expired` on get; 0/undefined = never */
  expirationMs?: number;
  name?: string;
  /** Test hook: called after each chunk written to the temp file; may throw to inject a fault. */
  onWriteChunk?: (written: number, total: number) => void | Promise<void>;
}

export interface FileStorage extends Storage {
  stat(key: string, ctx: LoadContext): Promise<Stat>;
  /** Absolute file path for a key (no symlink check); throws 400 invalid for refused keys. */
  filePath(key: string): string;
}

interface FullStat {
  size: number;
  modifiedTime: Date;
  etag: string;
  mtimeMs: number;
  isFile: boolean;
}

const WRITE_CHUNK = 64 * 1024;
const DOT_SEGMENT = /\/\./;

function errCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

const isMissing = (err: unknown): boolean => {
  const c = errCode(err);
  // a name too long for the file system cannot exist here either
  return c === 'ENOENT' || c === 'ENOTDIR' || c === 'ENAMETOOLONG';
};

/** `<hex mtime ms>-<hex size>`, unquoted. */
export function fileEtag(mtimeMs: number, size: number): string {
  return `${Math.trunc(mtimeMs).toString(16)}-${size.toString(16)}`;
}

export function createFileStorage(opts: FileStorageOptions): FileStorage {
  const baseDir = path.resolve(opts.baseDir);
  const prefix = normalizePrefix(opts.pathPrefix);
  const safeChars = opts.safeChars ?? '';
  const mkdirMode = opts.mkdirPermission ?? 0o755;
  const writeMode = opts.writePermission ?? 0o666;
  const expirationMs = opts.expirationMs ?? 0;
  const name = opts.name ?? 'file';
  const onWriteChunk = opts.onWriteChunk;
  let realBase: string | undefined;

  function filePath(key: string): string {
    const norm = '/' + normalize(key, safeChars);
    if (DOT_SEGMENT.test(norm)) throw invalid();
    if (!norm.startsWith(prefix)) throw invalid();
    const rel = norm.slice(prefix.length);
    const full = path.join(baseDir, rel);
    if (!isWithin(full, baseDir)) throw invalid();
    return full;
  }

  async function resolvedBase(): Promise<string> {
    realBase ??= await realpath(baseDir);
    return realBase;
  }

  /** Throws 400 when `real` (an already resolved path) is not inside the resolved base dir. */
  async function assertInside(real: string): Promise<void> {
    const base = await resolvedBase();
    if (real !== base && !isWithin(real, base)) throw invalid();
  }

  /** Resolve the file's real path; 404 when missing, 400 when it escapes the base dir. */
  async function resolveExisting(full: string): Promise<string> {
    let real: string;
    try {
      real = await realpath(full);
    } catch (err) {
      if (isMissing(err) || errCode(err) === 'ELOOP') throw notFound();
      throw err;
    }
    await assertInside(real);
    if (real === (await resolvedBase())) throw notFound();
    return real;
  }

  /**
   * Opens a regular file under the base dir; 404 when there is none, 400 when it resolves outside.
   * Reads go through the callback API on a plain descriptor: this is on every request, and it costs
   * less CPU than FileHandle's promise plumbing (bench/README.md).
   */
  async function openRegular(key: string, ctx: LoadContext): Promise<{ fd: number; st: FullStat }> {
    const full = filePath(key);
    ctx.signal.throwIfAborted();
    const fd = (await openChecked(full)) ?? (await openResolved(full));
    try {
      // fstat of an open descriptor reads the inode attributes the open has just validated: no I/O
      // worth a thread-pool round trip (which costs more than the call itself)
      const st = fullStat(fstatSync(fd));
      if (!st.isFile) throw notFound();
      return { fd, st };
    } catch (err) {
      closeQuietly(fd);
      throw err;
    }
  }

  /**
   * Opens first, then checks where the descriptor really points (Linux `/proc/self/fd`): one
   * thread-pool call fewer than resolving the path first, and no window between the check and the
   * open. Non-blocking so that a FIFO cannot hold the open; the caller refuses anything not a
   * regular file. Undefined where `/proc` is not available.
   */
  async function openChecked(full: string): Promise<number | undefined> {
    if (!procFd) return undefined;
    const fd = await openForRead(full, OPEN_CHECKED);
    let real: string;
    try {
      real = readlinkSync(`/proc/self/fd/${fd}`);
    } catch (err) {
      closeQuietly(fd);
      if (errCode(err) !== 'ENOENT') throw err;
      procFd = false;
      return undefined;
    }
    try {
      await assertInside(real);
    } catch (err) {
      closeQuietly(fd);
      throw err;
    }
    return fd;
  }

  /** Resolves the real path first, then opens it (non-blocking) without following a final symlink. */
  async function openResolved(full: string): Promise<number> {
    return openForRead(await resolveExisting(full), OPEN_CHECKED | fsConstants.O_NOFOLLOW);
  }

  async function get(key: string, ctx: LoadContext): Promise<ImageBlob> {
    const { fd, st } = await openRegular(key, ctx);
    try {
      if (expirationMs > 0 && Date.now() - st.mtimeMs > expirationMs) throw expired();
      const bytes = await reserveBody(ctx, ctx.signal, st.size);
      let data: Buffer;
      try {
        data = await readExactly(fd, st.size, ctx.signal);
      } catch (err) {
        bytes.release();
        throw err;
      }
      bytes.settle(data.length);
      return new ImageBlob(data, {
        stat: { size: data.length, modifiedTime: st.modifiedTime, etag: st.etag },
      });
    } finally {
      closeQuietly(fd);
    }
  }

  async function stat(key: string, ctx: LoadContext): Promise<Stat> {
    const { fd, st } = await openRegular(key, ctx);
    closeQuietly(fd);
    return { size: st.size, modifiedTime: st.modifiedTime, etag: st.etag };
  }

  async function put(key: string, blob: ImageBlob, signal: AbortSignal): Promise<void> {
    const full = filePath(key);
    signal.throwIfAborted();
    const dir = path.dirname(full);
    await mkdir(baseDir, { recursive: true, mode: mkdirMode });
    // Refuse before creating anything when an existing ancestor is a symlink leading outside.
    await assertInside(await realpath(await nearestExisting(dir)));
    await mkdir(dir, { recursive: true, mode: mkdirMode });
    const realDir = await realpath(dir);
    await assertInside(realDir);
    signal.throwIfAborted();

    const tmp = path.join(realDir, `.${path.basename(full)}.${randomBytes(8).toString('hex')}.tmp`);
    const handle = await open(tmp, 'wx', writeMode);
    let closed = false;
    try {
      const data = blob.data;
      let written = 0;
      while (written < data.length) {
        signal.throwIfAborted();
        const end = Math.min(written + WRITE_CHUNK, data.length);
        const { bytesWritten } = await handle.write(data, written, end - written, written);
        written += bytesWritten;
        if (onWriteChunk) await onWriteChunk(written, data.length);
      }
      signal.throwIfAborted();
      await handle.sync();
      closed = true;
      await handle.close();
      signal.throwIfAborted();
      await rename(tmp, path.join(realDir, path.basename(full)));
    } catch (err) {
      if (!closed) await handle.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await syncDir(realDir);
  }

  async function del(key: string, signal: AbortSignal): Promise<void> {
    const full = filePath(key);
    signal.throwIfAborted();
    let realDir: string;
    try {
      realDir = await realpath(path.dirname(full));
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    await assertInside(realDir);
    try {
      await unlink(path.join(realDir, path.basename(full)));
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
  }

  return { name, get, stat, put, delete: del, filePath };
}

/** `p` is strictly below `dir`. */
function isWithin(p: string, dir: string): boolean {
  const withSep = dir.endsWith(path.sep) ? dir : dir + path.sep;
  return p.length > withSep.length && p.startsWith(withSep);
}

/** Closest ancestor of `dir` (or `dir` itself) that exists. */
async function nearestExisting(dir: string): Promise<string> {
  let cur = dir;
  for (;;) {
    try {
      await realpath(cur);
      return cur;
    } catch (err) {
      if (!isMissing(err)) throw err;
      const parent = path.dirname(cur);
      if (parent === cur) return cur;
      cur = parent;
    }
  }
}

/** Best-effort fsync of a directory so the rename itself is durable. */
async function syncDir(dir: string): Promise<void> {
  let h: FileHandle | undefined;
  try {
    h = await open(dir, 'r');
    await h.sync();
  } catch {
    // some platforms/filesystems refuse fsync on directories; the rename already happened
  } finally {
    await h?.close().catch(() => undefined);
  }
}

// The read path on plain descriptors (not FileHandle): see openRegular.
const openFd = promisify(fs.open);
const readFd = promisify(fs.read);
const OPEN_CHECKED = fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOCTTY;
/** Linux's per-descriptor links; turned off at the first ENOENT (no /proc). */
let procFd = process.platform === 'linux';

/** Opens a source for reading; a missing file or a symlink loop is 404. */
async function openForRead(file: string, flags: number): Promise<number> {
  try {
    return await openFd(file, flags);
  } catch (err) {
    if (isMissing(err) || errCode(err) === 'ELOOP') throw notFound();
    throw err;
  }
}

/** Closes a read-only descriptor without waiting: nothing depends on the outcome. */
function closeQuietly(fd: number): void {
  fs.close(fd, () => undefined);
}

function fullStat(st: Stats): FullStat {
  return {
    size: st.size,
    modifiedTime: st.mtime,
    etag: fileEtag(st.mtimeMs, st.size),
    mtimeMs: st.mtimeMs,
    isFile: st.isFile(),
  };
}

/**
 * Reads a file of known size into one buffer with as few reads as possible (readFile reads in
 * 512 KiB chunks and joins them: a second copy of every large source).
 */
async function readExactly(fd: number, size: number, signal: AbortSignal): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(size);
  let off = 0;
  while (off < size) {
    signal.throwIfAborted();
    const { bytesRead } = await readFd(fd, buf, off, size - off, off);
    if (bytesRead === 0) break;
    off += bytesRead;
  }
  return off === size ? buf : buf.subarray(0, off);
}

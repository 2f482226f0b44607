import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Sharp } from 'sharp';
import { ImagorError } from '../errors.js';
import { CodecUnavailable, runCodec, transferableCopy } from './codec-thread/index.js';
import { vipsCommandEnv, withVipsCommand } from './vips.js';
import { workSignal } from './work-scope.js';

/**
 * Encoders for the formats this sharp build cannot write: JPEG XL in process (@jsquash/jxl's
 * libjxl build), JPEG 2000 and HEIF (HEVC, as libvips' heifsave writes by default) through the
 * system `vips` command (Debian/Ubuntu `libvips-tools`), each call in its own temporary folder
 * and killed after a time limit. Without an encoder the answer is what imagor answers when its
 * libvips lacks the saver: 406 with libvips' message.
 */

export interface ForeignEncodeOptions {
  /** 1..100, undefined for the encoder's default */
  quality?: number | undefined;
  lossless: boolean;
  /** drop EXIF/XMP/ICC (the intermediate may carry them) */
  strip: boolean;
}

/** The libvips saver imagor would call for a format (named in the error when it is missing). */
const SAVERS = { jxl: 'jxlsave_buffer', jp2: 'jp2ksave_buffer', heif: 'heifsave_buffer' } as const;
export type ForeignFormat = keyof typeof SAVERS;

export function saverMissing(format: ForeignFormat): ImagorError {
  return new ImagorError(406, `VipsOperation: class "${SAVERS[format]}" not found`);
}

// ---- JPEG XL (in process) ----

/** libvips' jxlsave defaults: Q 75, effort 7. Runs in the codec thread. */
export async function encodeJxl(p: Sharp, o: ForeignEncodeOptions): Promise<Buffer> {
  const { data, info } = await p
    .toColourspace('srgb')
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = transferableCopy(data);
  const options = o.lossless ? { lossless: true, effort: 7 } : { quality: o.quality ?? 75, effort: 7 };
  try {
    const out = await runCodec(
      { op: 'jxl-encode', pixels, width: info.width, height: info.height, options },
      [pixels],
      workSignal(),
    );
    return Buffer.from(out.data);
  } catch (err) {
    // without its module the format has no encoder, as imagor without jxlsave
    if (err instanceof CodecUnavailable) throw saverMissing('jxl');
    throw err;
  }
}

// ---- JPEG 2000 and HEIF through the vips command ----

const CLI_TIMEOUT_MS = 30_000;
let operations: Promise<Set<string>> | undefined;

/** The loaders and savers of the system's vips command (empty without it); probed once. */
export function cliOperations(): Promise<Set<string>> {
  operations ??= new Promise((resolve) => {
    execFile(
      'vips',
      ['-l', 'foreign'],
      { timeout: 5000, env: vipsCommandEnv(), maxBuffer: 4 << 20 },
      (err, stdout) => {
        if (err) return resolve(new Set());
        const found = new Set<string>();
        for (const m of String(stdout).matchAll(/\((\w+(?:save|load))\)/g)) if (m[1]) found.add(m[1]);
        resolve(found);
      },
    );
  });
  return operations;
}

function runCli(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'vips',
      args,
      { timeout: CLI_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1 << 20, env: vipsCommandEnv() },
      (err, _stdout, stderr) => {
        if (!err) return resolve();
        const timedOut = (err as { killed?: boolean }).killed === true;
        const msg = timedOut
          ? 'vips: encoder timed out'
          : (String(stderr || err.message)
              .trim()
              .split('\n')[0] ?? 'vips failed');
        reject(new ImagorError(406, msg.replace(/\/\S+/g, '').trim() || 'vips failed', { cause: err }));
      },
    );
  });
}

const CLI_SAVERS: Record<ForeignFormat, string> = { jxl: 'jxlsave', jp2: 'jp2ksave', heif: 'heifsave' };
const CLI_SUFFIX: Record<ForeignFormat, string> = { jxl: 'out.jxl', jp2: 'out.jp2', heif: 'out.heif' };

/**
 * JPEG XL: the vips command's libjxl when it has jxlsave (a child process: the event loop stays
 * free, metadata is kept), else the in-process wasm encoder.
 */
export async function encodeJxlAnyhow(p: Sharp, o: ForeignEncodeOptions): Promise<Buffer> {
  if ((await cliOperations()).has('jxlsave')) return encodeWithVipsCli(p, 'jxl', o);
  return encodeJxl(p, o);
}

/** Encodes JPEG XL, JPEG 2000 or HEIF (HEVC) with `vips copy` from a lossless PNG of the pipeline. */
export async function encodeWithVipsCli(
  p: Sharp,
  format: ForeignFormat,
  o: ForeignEncodeOptions,
): Promise<Buffer> {
  const saver = CLI_SAVERS[format];
  if (!(await cliOperations()).has(saver)) throw saverMissing(format);
  const png = await p.png({ compressionLevel: 1 }).toBuffer();
  return withVipsCommand(() => saveWithVipsCli(png, format, o));
}

async function saveWithVipsCli(png: Buffer, format: ForeignFormat, o: ForeignEncodeOptions): Promise<Buffer> {
  const saver = CLI_SAVERS[format];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'imagor-save-'));
  try {
    const inFile = path.join(dir, 'in.png');
    const outFile = path.join(dir, CLI_SUFFIX[format]);
    await writeFile(inFile, png);
    const opts: string[] = [];
    if (o.lossless) opts.push('lossless');
    else if (o.quality !== undefined) opts.push(`Q=${o.quality}`);
    if (o.strip) opts.push('strip');
    if (format === 'heif') opts.push('compression=hevc');
    await runCli(['copy', inFile, opts.length ? `${outFile}[${opts.join(',')}]` : outFile]);
    if ((await stat(outFile)).size === 0) throw new ImagorError(406, `${saver}: empty output`);
    return await readFile(outFile);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

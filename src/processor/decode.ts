import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import sharp, { type Metadata, type Sharp, type SharpOptions } from 'sharp';
import type { ImageBlob, ImageFormat } from '../blob.js';
import {
  ImagorError,
  maxResolutionExceeded,
  scrubPaths,
  toImagorError,
  unsupportedFormat,
} from '../errors.js';
import { orientedSize } from './geometry.js';
import { exceedsLimits, runCodec, transferableCopy, type PixelLimits } from './codec-thread/index.js';
import { cliOperations } from './foreign.js';
import { vipsCommandEnv, withVipsCommand } from './vips.js';
import { boundWork, workSignal } from './work-scope.js';
import { readHeader } from './header.js';
import { jxlSize } from './jxl-size.js';
import type { ProcessorOptions } from './options.js';

/** Load-time settings read from the filters (page, dpi, frames). */
export interface LoadSettings {
  /** frames to load from an animated GIF/WebP: -1 all */
  frames: number;
  /** 1-based page (PDF, TIFF, GIF/WebP frame); 1 when absent */
  page: number;
  /** render density for SVG/PDF */
  dpi?: number | undefined;
}

/** A decodable source: bytes sharp can read plus what its header says. */
export interface Source {
  /** sniffed format of the original bytes */
  format: ImageFormat;
  /** bytes (or raw pixels) sharp reads */
  input: Buffer;
  /** constructor options for every sharp() over `input` (auto-orient and limits included) */
  options: SharpOptions;
  /** true when `input` is the original encoded file (libvips shrink-on-load possible) */
  native: boolean;
  /** upright size of one frame */
  width: number;
  pageHeight: number;
  /** frames loaded (animated GIF/WebP), else 1 */
  pages: number;
  animated: boolean;
  /** EXIF orientation of the source (0 when none) */
  orientation: number;
  hasAlpha: boolean;
  channels: number;
  /** libvips interpretation of the source (srgb, cmyk, b-w, ...) */
  space?: string | undefined;
  /** EXIF/ICC present in the source (the blocks themselves only when read through libvips) */
  hasExif: boolean;
  hasIcc: boolean;
  exif?: Buffer | undefined;
  icc?: Buffer | undefined;
  delay?: number[] | undefined;
  loop?: number | undefined;
  /** XMP packet of the source (read through libvips) */
  xmp?: Buffer | undefined;
  /** resolution of the source in pixels per inch, when its header says */
  density?: number | undefined;
  /** pages of a PDF document (imagor's /meta reports them), when known */
  documentPages?: number | undefined;
}

const require = createRequire(import.meta.url);

/** Turns sharp/libvips failures into imagor statuses: pixel limit → 422, unreadable → 406. */
export function mapSharpError(err: unknown): ImagorError {
  if (err instanceof ImagorError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/exceeds pixel limit/i.test(message)) return maxResolutionExceeded();
  if (/Input Buffer is empty|unsupported image format/i.test(message)) return unsupportedFormat();
  const e = toImagorError(err);
  // libvips decode failures (truncated, corrupt) are the client's input, not our crash.
  if (e.status === 500 && /vips|jpeg|png|gif|webp|tiff|heif|corrupt|truncat|premature/i.test(message)) {
    return new ImagorError(406, scrubPaths(message.trim()), { cause: err });
  }
  return e;
}

/** Throws 422 when the loaded image is over the configured limits (imagor §3.6). */
export function checkResolution(
  width: number,
  pageHeight: number,
  pages: number,
  opts: ProcessorOptions,
): void {
  if (opts.unlimited) return;
  if (
    exceedsLimits(width, pageHeight, opts) ||
    width * pageHeight * pages > opts.maxResolution ||
    (pages > 1 && width * pageHeight * pages > opts.maxAnimationPixels)
  ) {
    throw maxResolutionExceeded();
  }
}

const SHARP_INPUT = new Set<ImageFormat>(['jpeg', 'png', 'gif', 'webp', 'avif', 'heif', 'tiff', 'svg']);

function sharpCanRead(id: string): boolean {
  const f = (sharp.format as unknown as Record<string, { input?: { buffer?: boolean } } | undefined>)[id];
  return f?.input?.buffer === true;
}

/** Base sharp constructor options for this server's limits. */
export function baseInputOptions(opts: ProcessorOptions): SharpOptions {
  return {
    failOn: 'truncated',
    limitInputPixels: opts.unlimited ? false : opts.maxResolution,
    unlimited: opts.unlimited,
    sequentialRead: true,
    autoOrient: true,
  };
}

/**
 * Reads the header of a blob and returns a Source ready for sharp, converting formats this sharp
 * build cannot read (BMP, HEIC, JPEG XL, and JPEG 2000/PDF through the vips CLI). Applies the
 * security limits; never decodes pixels of a sharp-readable image.
 */
export async function openSource(
  blob: ImageBlob,
  opts: ProcessorOptions,
  load: LoadSettings,
): Promise<Source> {
  const format = blob.format;
  const data = blob.data;
  if (data.length === 0 || format === 'unknown' || format === 'json') throw unsupportedFormat();
  const base = baseInputOptions(opts);

  if (format === 'jp2' && sharpCanRead('jp2')) return nativeSource(format, data, base, opts, load);
  if (format === 'heif' || SHARP_INPUT.has(format)) {
    if (format === 'svg' && !sharpCanRead('svg')) throw unsupportedFormat();
    try {
      return await nativeSource(format, data, base, opts, load);
    } catch (err) {
      if (format === 'heif' && !(err instanceof ImagorError && err.status === 422)) {
        // HEVC: sharp's libheif decodes AV1 only
        if (await cliLoads('heifload')) return cliSource(format, data, base, opts, load);
        return rawSource(format, await decodeHeic(data, opts), base, opts);
      }
      throw err;
    }
  }
  if (format === 'bmp') return rawSource(format, decodeBmpPixels(data, opts), base, opts);
  if (format === 'jxl') {
    if (sharpCanRead('jxl')) return nativeSource(format, data, base, opts, load);
    checkJxlDeclaredSize(data, opts);
    // native libjxl needs a fraction of the bundled decoder's memory and time
    if (await cliLoads('jxlload')) return cliSource(format, data, base, opts, load);
    return rawSource(format, await decodeJxl(data, opts), base, opts);
  }
  if (format === 'jp2' || format === 'pdf') {
    if (!(await vipsCliAvailable())) throw unsupportedFormat();
    return cliSource(format, data, base, opts, load);
  }
  throw unsupportedFormat();
}

/** A source decoded by the system's vips command (handed over as a lossless PNG). */
async function cliSource(
  format: 'jxl' | 'jp2' | 'pdf' | 'heif',
  data: Buffer,
  base: SharpOptions,
  opts: ProcessorOptions,
  load: LoadSettings,
): Promise<Source> {
  const { png, pages } = await withVipsCommand(() => convertWithVipsCli(data, format, load, opts));
  const src = await nativeSource(format, png, base, opts, { ...load, page: 1, frames: 1 }, 'png');
  if (format === 'pdf') src.documentPages = pages;
  return src;
}

/** Whether the system's vips command has this loader (and vipsheader runs). */
async function cliLoads(loader: string): Promise<boolean> {
  return (await vipsCliAvailable()) && (await cliOperations()).has(loader);
}

/**
 * A single-frame JPEG, PNG or WebP whose header this module can read in JS (see header.ts), for the
 * single-pipeline path; undefined when libvips has to read the header (openSource).
 */
export function quickSource(blob: ImageBlob, opts: ProcessorOptions): Source | undefined {
  const format = blob.format;
  const h = readHeader(blob.data, format);
  if (!h) return undefined;
  const upright = orientedSize(h.width, h.height, h.orientation);
  checkResolution(upright.width, upright.height, 1, opts);
  return {
    format,
    input: blob.data,
    options: baseInputOptions(opts),
    native: true,
    width: upright.width,
    pageHeight: upright.height,
    pages: 1,
    animated: false,
    orientation: h.orientation,
    hasAlpha: h.hasAlpha,
    channels: h.channels,
    space: h.space,
    hasExif: h.hasExif,
    hasIcc: h.hasIcc,
  };
}

async function nativeSource(
  format: ImageFormat,
  input: Buffer,
  base: SharpOptions,
  opts: ProcessorOptions,
  load: LoadSettings,
  decodeAs: ImageFormat = format,
): Promise<Source> {
  const animatable = decodeAs === 'gif' || decodeAs === 'webp';
  const options: SharpOptions = { ...base };
  if (decodeAs === 'svg' && load.dpi !== undefined && load.dpi > 0)
    options.density = Math.min(load.dpi, 2400);
  let meta: Metadata;
  try {
    if (load.page > 1) {
      const first = await sharp(input, base).metadata();
      const count = first.pages ?? 1;
      options.page = Math.min(load.page, count) - 1;
    } else if (animatable && load.frames > 1) {
      // a frame limit above the frame count loads every frame (libvips rejects n past the end)
      const count = (await sharp(input, base).metadata()).pages ?? 1;
      options.pages = Math.min(load.frames, count);
    } else if (animatable && load.frames !== 1) {
      options.pages = load.frames;
    }
    meta = await sharp(input, options).metadata();
  } catch (err) {
    throw mapSharpError(err);
  }
  if (format === 'heif' && meta.compression === 'hevc' && !sharpCanDecodeHevc()) {
    throw new ImagorError(406, 'hevc decoder missing');
  }
  const rawWidth = meta.width ?? 0;
  const pageHeight = meta.pageHeight ?? meta.height ?? 0;
  const pages =
    animatable && options.pages !== undefined ? Math.max(1, Math.round((meta.height ?? 0) / pageHeight)) : 1;
  if (rawWidth <= 0 || pageHeight <= 0) throw unsupportedFormat();
  const orientation = meta.orientation ?? 0;
  const upright = orientedSize(rawWidth, pageHeight, orientation);
  checkResolution(upright.width, upright.height, pages, opts);
  const src: Source = {
    format,
    input,
    options,
    native: true,
    width: upright.width,
    pageHeight: upright.height,
    pages,
    animated: pages > 1,
    orientation,
    hasAlpha: meta.hasAlpha ?? false,
    channels: meta.channels ?? 3,
    space: meta.space,
    hasExif: meta.exif !== undefined,
    hasIcc: meta.icc !== undefined,
    exif: meta.exif,
    icc: meta.icc,
    density: meta.density,
    xmp: meta.xmp,
  };
  if (animatable) {
    if (meta.delay) src.delay = meta.delay.slice(0, pages);
    if (meta.loop !== undefined) src.loop = meta.loop;
  }
  return src;
}

let hevcSupport: boolean | undefined;
function sharpCanDecodeHevc(): boolean {
  // The prebuilt libheif of sharp decodes AV1 only; HEVC needs the heic-decode fallback.
  hevcSupport ??= false;
  return hevcSupport;
}

interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

function rawSource(format: ImageFormat, px: Pixels, base: SharpOptions, opts: ProcessorOptions): Source {
  checkResolution(px.width, px.height, 1, opts);
  return {
    format,
    input: px.data,
    options: {
      limitInputPixels: base.limitInputPixels ?? false,
      raw: { width: px.width, height: px.height, channels: px.channels },
    },
    native: false,
    width: px.width,
    pageHeight: px.height,
    pages: 1,
    animated: false,
    orientation: 0,
    hasAlpha: px.channels === 4,
    channels: px.channels,
    hasExif: false,
    hasIcc: false,
  };
}

/** RGBA pixels → RGB when every alpha is opaque (BMP, JXL without alpha). */
function fromRgba(
  rgba: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  keepAlpha: boolean,
): Pixels {
  const src = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  let opaque = true;
  if (keepAlpha) {
    for (let i = 3; i < src.length; i += 4) {
      if (src[i] !== 255) {
        opaque = false;
        break;
      }
    }
  }
  if (keepAlpha && !opaque) return { data: Buffer.from(src), width, height, channels: 4 };
  const out = Buffer.allocUnsafe(width * height * 3);
  for (let i = 0, j = 0; j < out.length; i += 4, j += 3) {
    out[j] = src[i] ?? 0;
    out[j + 1] = src[i + 1] ?? 0;
    out[j + 2] = src[i + 2] ?? 0;
  }
  return { data: out, width, height, channels: 3 };
}

interface DecodedRgba {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

function decodeBmpPixels(data: Buffer, opts: ProcessorOptions): Pixels {
  if (data.length < 26) throw unsupportedFormat();
  // BITMAPINFOHEADER (or the old 12-byte core header): check the size before allocating pixels.
  const headerSize = data.readUInt32LE(14);
  const width = headerSize === 12 ? data.readUInt16LE(18) : Math.abs(data.readInt32LE(18));
  const height = headerSize === 12 ? data.readUInt16LE(20) : Math.abs(data.readInt32LE(22));
  if (width <= 0 || height <= 0) throw unsupportedFormat();
  checkResolution(width, height, 1, opts);
  const decodeBmp = require('decode-bmp') as (src: Uint8Array) => DecodedRgba & { colorDepth: number };
  let img: DecodedRgba & { colorDepth: number };
  try {
    img = decodeBmp(data);
  } catch (err) {
    throw new ImagorError(406, `bmp: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return fromRgba(img.data, img.width, img.height, img.colorDepth === 32);
}

async function decodeHeic(data: Buffer, opts: ProcessorOptions): Promise<Pixels> {
  // the codec checks the declared size before it decodes
  const input = transferableCopy(data);
  const img = await runCodec({ op: 'heic-decode', input, limits: pixelLimits(opts) }, [input], workSignal());
  return fromRgba(new Uint8Array(img.data), img.width, img.height, true);
}

/**
 * The bundled JPEG XL decoder (WebAssembly) holds about 30 bytes per pixel while it decodes (a 4000x4000
 * image took the worker to 690 MiB) and fails past about 40 megapixels: without the vips command, larger
 * JPEG XL sources answer 422 before it starts.
 */
const WASM_JXL_MAX_PIXELS = 4096 * 4096;

/** Every JPEG XL decoder allocates the whole image: the size its header declares is checked first. */
function checkJxlDeclaredSize(data: Buffer, opts: ProcessorOptions): { width: number; height: number } {
  const declared = jxlSize(data);
  if (!declared) throw new ImagorError(406, 'jxl: not a JPEG XL image (unreadable size header)');
  checkResolution(declared.width, declared.height, 1, opts);
  return declared;
}

async function decodeJxl(data: Buffer, opts: ProcessorOptions): Promise<Pixels> {
  const declared = checkJxlDeclaredSize(data, opts);
  if (declared.width * declared.height > WASM_JXL_MAX_PIXELS) throw maxResolutionExceeded();
  const input = transferableCopy(data);
  const img = await runCodec({ op: 'jxl-decode', input }, [input], workSignal());
  checkResolution(img.width, img.height, 1, opts);
  return fromRgba(new Uint8Array(img.data), img.width, img.height, true);
}

function pixelLimits(opts: ProcessorOptions): PixelLimits {
  return {
    maxWidth: opts.maxWidth,
    maxHeight: opts.maxHeight,
    maxResolution: opts.maxResolution,
    unlimited: opts.unlimited,
  };
}

// ---- vips CLI (Debian libvips-tools) for JPEG 2000 and PDF ----

const CLI_TIMEOUT_MS = 20_000;
let vipsCli: Promise<boolean> | undefined;

/** Whether the `vips` and `vipsheader` commands run; probed once. */
export function vipsCliAvailable(): Promise<boolean> {
  vipsCli ??= new Promise((resolve) => {
    execFile('vips', ['--version'], { timeout: 5000, env: vipsCommandEnv() }, (err) => {
      if (err) return resolve(false);
      execFile('vipsheader', ['--version'], { timeout: 5000, env: vipsCommandEnv() }, (err2) =>
        resolve(!err2),
      );
    });
  });
  return vipsCli;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { timeout: CLI_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1 << 20, env: vipsCommandEnv() },
      (err, stdout, stderr) => {
        if (err) reject(new ImagorError(406, cliMessage(stderr || err.message), { cause: err }));
        else resolve(stdout.toString());
      },
    );
  });
}

const CLI_SUFFIX = { jxl: 'in.jxl', jp2: 'in.jp2', pdf: 'in.pdf', heif: 'in.heic' } as const;

/**
 * The first line of the command's complaint, without file names or the codec's own source locations
 * (libjxl prefixes `./lib/jxl/dec_ans.cc:273: `).
 */
function cliMessage(text: string | Buffer): string {
  const line = String(text).trim().split('\n')[0] ?? '';
  const bare = scrubPaths(line.replace(/^(?:\S+\/)?[\w.-]+\.(?:cc|cpp|c|h):\d+:\s*/, '')).trim();
  return bare || 'vips failed';
}

/** Converts JPEG XL / JPEG 2000 / PDF / HEIF bytes to PNG with the vips CLI, checking the size first. */
async function convertWithVipsCli(
  data: Buffer,
  format: keyof typeof CLI_SUFFIX,
  load: LoadSettings,
  opts: ProcessorOptions,
): Promise<{ png: Buffer; pages: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'imagor-vips-'));
  try {
    const inFile = path.join(dir, CLI_SUFFIX[format]);
    const outFile = path.join(dir, 'out.png');
    await writeFile(inFile, data);
    let spec = inFile;
    let n = 1;
    if (format === 'pdf') {
      n = Number((await run('vipsheader', ['-f', 'n-pages', inFile])).trim()) || 1;
      const page = Math.min(Math.max(1, load.page), n) - 1;
      const dpi = load.dpi !== undefined && load.dpi > 0 ? Math.min(load.dpi, 2400) : 72;
      spec = `${inFile}[page=${page},dpi=${dpi}]`;
    }
    const header = await run('vipsheader', [spec]);
    const m = /:\s*(\d+)x(\d+)\s/.exec(header);
    if (!m) throw unsupportedFormat();
    checkResolution(Number(m[1]), Number(m[2]), 1, opts);
    await run('vips', ['copy', spec, `${outFile}[compression=1]`]);
    const size = (await stat(outFile)).size;
    const limit = Number(m[1]) * Number(m[2]) * 8 + (1 << 20);
    if (size > limit) throw new ImagorError(406, 'converted image too large');
    return { png: await readFile(outFile), pages: n };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A sharp pipeline over a source (auto-oriented, limits applied). */
export function openSharp(src: Source, extra: SharpOptions = {}): Sharp {
  return boundWork(sharp(src.input, { ...src.options, ...extra }));
}

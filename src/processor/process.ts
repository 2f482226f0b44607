import sharp, { type Sharp } from 'sharp';
import { ImageBlob, sniffFormat, type ImageFormat } from '../blob.js';
import { ImagorError, invalid, maxResolutionExceeded, toImagorError } from '../errors.js';
import type { Filter, Params } from '../path/params.js';
import { parse } from '../path/parse.js';
import type { ProcessContext, Processor } from '../types.js';
import { parseColorArg } from './color.js';
import { checkResolution, mapSharpError, openSharp, openSource, quickSource, type Source } from './decode.js';
import {
  applyEncoder,
  contentTypeOf,
  encode,
  mayAnimate,
  planOutput,
  readExportSettings,
  type ExportSettings,
  type OutputFormat,
} from './export.js';
import { applyImageFilters, FILTERS } from './filters/index.js';
import { flattenOnto } from './filters/raw.js';
import type { FilterContext, ProfileState } from './filters/types.js';
import {
  colorImageSize,
  coverWindow,
  extractArea,
  focalCrop,
  focalPoint,
  frameLimit,
  manualCropEdges,
  parseFocal,
  planResize,
  resizesOnLoad,
  type CoverAnchor,
  type FocalRect,
  type Rect,
  type ResizePlan,
  type Size,
} from './geometry.js';
import {
  frameSize,
  framesShrinkSide,
  fromSharp,
  hasAlpha,
  mapFrames,
  resizeTo,
  splitFrames,
  toSharp,
  type RawImage,
} from './image.js';
import { buildMeta, readMetaSettings } from './meta.js';
import {
  detectOnProbe,
  detectionKey,
  faceDecodeSize,
  faceFocalRects,
  filterDetector,
  metaRegions,
  regionsFocus,
  wantsDetection,
} from '../faces/pipeline.js';
import type { Probe, RegionDetector } from '../faces/detector.js';
import { probeOfPipeline } from '../faces/probe.js';
import { iccColourSpace, iccProfileFile } from './metadata.js';
import { resolveProcessorOptions, type ProcessorOptions } from './options.js';
import {
  CachedBlob,
  bypassesCache,
  createDecodedCache,
  entrySource,
  type DecodedCache,
} from './cache/decoded.js';
import { runInWorkScope } from './work-scope.js';
import { expiresAt } from '../app/deadline.js';

/** The sharp-based processor, plus the nested-path entry point used by the image() filter. */
export interface SharpProcessor extends Processor {
  readonly options: ProcessorOptions;
  /** the decoded-image cache (`-vips-cache-size` > 0), else undefined */
  readonly cache: DecodedCache | undefined;
  /** Runs a nested imagor path (`f`/`full` relative to `parent`) and returns its pixels. */
  processNested(path: string, parent: Size, ctx: ProcessContext): Promise<RawImage>;
}

/** Load-time filters (§3.1 step 2) that the pipeline reads before decoding. */
interface LoadFilters {
  maxFrames?: number | undefined;
  page: number;
  dpi?: number | undefined;
  upscale?: boolean | undefined;
  stretch: boolean;
  focal: string[];
  orient?: 90 | 180 | 270 | undefined;
}

const MAX_NESTING = 8;

const CENTRE: CoverAnchor & { kind: 'align' } = { kind: 'align', x: 'centre', y: 'centre' };
const FOCAL: CoverAnchor = { kind: 'focal' };

function hasCrop(p: Params): boolean {
  return !!(p.crop_left || p.crop_top || p.crop_right || p.crop_bottom);
}

function readLoadFilters(filters: readonly Filter[]): LoadFilters {
  const l: LoadFilters = { page: 1, stretch: false, focal: [] };
  for (const f of filters) {
    const arg = (f.args ?? '').trim();
    const int = Number.parseInt(arg, 10);
    switch (f.name) {
      case 'max_frames':
        // each positive max_frames() can only lower the limit (imagor)
        if (Number.isFinite(int) && int > 0) l.maxFrames = Math.min(l.maxFrames ?? int, int);
        break;
      case 'page':
        if (Number.isFinite(int) && int > 0) l.page = int;
        break;
      case 'dpi':
        if (Number.isFinite(int) && int > 0) l.dpi = int;
        break;
      case 'upscale':
        l.upscale = true;
        break;
      case 'no_upscale':
        l.upscale = false;
        break;
      case 'stretch':
        l.stretch = true;
        break;
      case 'focal':
        if (arg !== '') l.focal.push(arg);
        break;
      case 'orient': {
        const a = ((int % 360) + 360) % 360;
        if (a === 90 || a === 180 || a === 270) l.orient = a;
        break;
      }
    }
  }
  return l;
}

function isImageFilter(name: string): boolean {
  const def = FILTERS.get(name);
  return def?.apply !== undefined && def.stages.includes('image');
}

function alphaCapable(f: OutputFormat): boolean {
  return f !== 'jpeg';
}

/** Replaces `f`/`full`/`f-N`/`full-N` in the first dimension segment of a nested path. */
export function resolveFullDimensions(path: string, parent: Size): string {
  const segments = path.split('/');
  const token = '(full(?:-\\d+)?|f(?:-\\d+)?|\\d*)';
  const dim = new RegExp(`^(-?)${token}x(-?)${token}$`);
  const value = (t: string, full: number): string => {
    const m = /^(?:full|f)(?:-(\d+))?$/.exec(t);
    if (!m) return t;
    return String(Math.max(0, full - Number(m[1] ?? 0)));
  };
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i] ?? '';
    if (s.startsWith('filters:')) break;
    const m = dim.exec(s);
    if (!m) continue;
    segments[i] =
      `${m[1] ?? ''}${value(m[2] ?? '', parent.width)}x${m[3] ?? ''}${value(m[4] ?? '', parent.height)}`;
    break;
  }
  return segments.join('/');
}

/** The pixels of a `color:` image (§4.6). */
export function colorImage(spec: string, params: Params, opts: ProcessorOptions): RawImage {
  const size = colorImageSize(params.width ?? 0, params.height ?? 0, opts.maxWidth, opts.maxHeight);
  if (!opts.unlimited && size.width * size.height > opts.maxResolution) throw maxResolutionExceeded();
  const arg = parseColorArg(spec.replace(/^color:/i, ''));
  const rgba =
    arg.kind === 'none'
      ? { r: 0, g: 0, b: 0, alpha: 0 }
      : arg.kind === 'color'
        ? arg.color
        : { r: 0, g: 0, b: 0, alpha: 1 };
  const channels = rgba.alpha < 1 ? 4 : 3;
  const px = [rgba.r, rgba.g, rgba.b, Math.round(rgba.alpha * 255)].slice(0, channels);
  const data = Buffer.alloc(size.width * size.height * channels);
  for (let i = 0; i < data.length; i += channels) for (let c = 0; c < channels; c++) data[i + c] = px[c] ?? 0;
  return { data, width: size.width, pageHeight: size.height, pages: 1, channels };
}

/** Top-left / bottom-right trim box, alpha flattened on magenta first (imagor). */
async function findTrim(
  img: RawImage,
  by: Params['trim_by'],
  tolerance: number | undefined,
): Promise<Rect | undefined> {
  let base = img;
  if (hasAlpha(img)) base = await flattenOnto(img, { r: 255, g: 0, b: 255 });
  const x = by === 'bottom-right' ? base.width - 1 : 0;
  const y = by === 'bottom-right' ? base.pageHeight - 1 : 0;
  const at = (y * base.width + x) * base.channels;
  const r = base.data[at] ?? 0;
  const grey = base.channels < 3;
  const g = grey ? r : (base.data[at + 1] ?? 0);
  const b = grey ? r : (base.data[at + 2] ?? 0);
  const { info } = await toSharp(base)
    .trim({ background: { r, g, b }, threshold: tolerance && tolerance > 0 ? tolerance : 1 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const left = -(info.trimOffsetLeft ?? 0);
  const top = -(info.trimOffsetTop ?? 0);
  return { left, top, width: info.width, height: info.height };
}

/** RGBA pixels of a grey image (R = G = B) → grey + alpha. */
function greyAlphaOf(img: RawImage): RawImage {
  const px = img.data.length / 4;
  const data = Buffer.allocUnsafe(px * 2);
  for (let i = 0; i < px; i++) {
    data[2 * i] = img.data[4 * i] ?? 0;
    data[2 * i + 1] = img.data[4 * i + 3] ?? 255;
  }
  return { ...img, data, channels: 2 };
}

/**
 * The profile the RawImage path exports with (its pixels are sRGB): the to_colorspace() target,
 * else the source's own RGB profile (so the output keeps it, as on the single-pipeline path).
 * Grey output gets none (an RGB profile does not fit one band; a grey source profile is dropped),
 * nor does a CMYK source profile (CMYK sources come out as sRGB, as on the single-pipeline path).
 */
function exportProfile(img: RawImage, profile: ProfileState): string | undefined {
  if (img.channels < 3) return undefined;
  if (profile.target) return profile.target;
  const icc = profile.source;
  if (!icc || iccColourSpace(icc) !== 'RGB ') return undefined;
  return iccProfileFile(icc);
}

/** Sharp angle for orient()/rotate(): imagor's 90 is counter-clockwise. */
function sharpAngle(a: 90 | 180 | 270): number {
  return a === 90 ? 270 : a === 270 ? 90 : 180;
}

/** Formats sharp decodes at a reduced size when asked for a smaller one. */
const SHRINKS_ON_LOAD: ReadonlySet<ImageFormat> = new Set<ImageFormat>(['jpeg', 'webp', 'svg', 'pdf']);

export function createProcessor(partial: Partial<ProcessorOptions> = {}): SharpProcessor {
  const opts = resolveProcessorOptions(partial);
  if (opts.concurrency < 0) sharp.concurrency(0);
  else if (opts.concurrency > 0) sharp.concurrency(opts.concurrency);
  const disabled: ReadonlySet<string> = new Set(opts.disableFilters);
  const maxOps = opts.maxFilterOps > 0 ? opts.maxFilterOps : -1;
  const cache = opts.cache
    ? createDecodedCache(opts.cache, async (blob, frames) => {
        const src = await openSource(blob, opts, { frames, page: 1 });
        return { pipeline: openSharp(src), pages: src.pages };
      })
    : undefined;

  /** imagor serves these from the cache: a known size within its maximum, nothing tied to the original. */
  function usesCache(p: Params): boolean {
    const image = p.image ?? '';
    return (
      cache !== undefined &&
      image !== '' &&
      !/^color:/i.test(image) &&
      cache.fits(p.width, p.height) &&
      !bypassesCache(p)
    );
  }

  async function nested(path: string, parent: Size, ctx: ProcessContext, depth: number): Promise<RawImage> {
    if (depth >= MAX_NESTING) throw invalid('image: nested too deeply');
    const rel = resolveFullDimensions(path.replace(/^\/+/, ''), parent);
    const params = parse(rel.startsWith('unsafe/') ? rel : `unsafe/${rel}`);
    const image = params.image ?? '';
    let blob: ImageBlob;
    if (/^color:/i.test(image)) blob = new ImageBlob(Buffer.alloc(0));
    else if (cache && usesCache(params)) {
      // one frame, as imagor caches image() sources
      const hit = await cache.getOrLoad(image, () => ctx.load(image, ctx.signal), 1);
      blob = 'entry' in hit ? new CachedBlob(hit.entry) : hit.original;
    } else blob = await ctx.load(image, ctx.signal);
    const out = await run(blob, params, ctx, depth + 1, true);
    if (out instanceof ImageBlob) throw new ImagorError(500, 'nested image produced no pixels');
    return out;
  }

  /** Decodes every loaded frame, upright, 8-bit. */
  async function decodeRaw(src: Source, size?: Size): Promise<RawImage> {
    try {
      let p = openSharp(src);
      if (size) p = p.resize(size.width, size.height, { fit: 'fill' });
      // keep grey images grey (sharp's default output space is sRGB); sharp's b-w raw output drops
      // alpha, so grey+alpha is decoded as RGBA and narrowed to two bands here
      const grey = src.space === 'b-w' || src.space === 'grey16';
      if (grey && !src.hasAlpha) p = p.toColourspace('b-w');
      const img = await fromSharp(p, src.pages, { delay: src.delay, loop: src.loop });
      return grey && src.hasAlpha && img.channels === 4 ? greyAlphaOf(img) : img;
    } catch (err) {
      throw mapSharpError(err);
    }
  }

  async function run(
    blob: ImageBlob,
    params: Params,
    ctx: ProcessContext,
    depth: number,
    wantRaw: boolean,
  ): Promise<ImageBlob | RawImage> {
    if (ctx.signal.aborted) throw toImagorError(ctx.signal.reason);
    const filters = params.filters ?? [];
    const active = filters.filter((f) => !disabled.has(f.name));
    const ex = readExportSettings(active);
    const metaSettings = params.meta && !wantRaw ? readMetaSettings(active) : undefined;
    const load = readLoadFilters(active);
    const imageFilters = active.some((f) => isImageFilter(f.name));

    const image = params.image ?? '';
    const isColor = /^color:/i.test(image);
    const cached = blob instanceof CachedBlob ? blob.entry : undefined;
    // everything the single-pipeline path depends on that is known before the header is read
    const plainRequest =
      !isColor &&
      !wantRaw &&
      !metaSettings &&
      !imageFilters &&
      !params.trim &&
      load.focal.length === 0 &&
      load.orient === undefined &&
      load.page === 1;
    // smart with a detector: the single pipeline when it can crop around the faces, else the general path
    const faceSmart = plainRequest && params.smart === true && opts.detector !== undefined;
    const plain = plainRequest;
    let src: Source | undefined;
    let sourceFormat = blob.format;
    // a header read in JS (no libvips round trip) suffices for the single-pipeline path
    const quick = plain && !cached ? quickSource(blob, opts) : undefined;
    if (isColor) sourceFormat = 'jpeg';
    else if (cached) src = entrySource(cached, opts);
    else if (quick) src = quick;
    else {
      const animatable = sourceFormat === 'gif' || sourceFormat === 'webp';
      const frames =
        animatable && mayAnimate(ex, sourceFormat) ? frameLimit(load.maxFrames, opts.maxAnimationFrames) : 1;
      src = await openSource(blob, opts, { frames, page: load.page, dpi: load.dpi });
    }
    const output = planOutput(ex, src?.format ?? sourceFormat, src?.animated ?? false);
    // a color: image is generated at its final (capped) size
    const colorSize = isColor
      ? colorImageSize(params.width ?? 0, params.height ?? 0, opts.maxWidth, opts.maxHeight)
      : undefined;
    const resizeReq = {
      width: colorSize?.width ?? params.width ?? 0,
      height: colorSize?.height ?? params.height ?? 0,
      fitIn: params.fit_in === true,
      fullFitIn: params.full_fit_in === true,
      adaptive: params.adaptive_fit_in === true,
      stretch: params.stretch === true || load.stretch,
      upscale: load.upscale,
      maxWidth: opts.maxWidth,
      maxHeight: opts.maxHeight,
      onLoad:
        !isColor &&
        resizesOnLoad({
          trim: params.trim,
          vFlip: params.v_flip,
          fullFitIn: params.full_fit_in,
          adaptive: params.adaptive_fit_in,
          crop: hasCrop(params),
          filters: active,
        }),
      hAlign: params.h_align,
      vAlign: params.v_align,
      smart: params.smart,
      focal: load.focal.length > 0,
    };

    if (
      plain &&
      (src?.native === true || (src !== undefined && cached !== undefined)) &&
      !src.animated &&
      manualCropEdges(cropOf(params), src.width, src.pageHeight) === undefined
    ) {
      // faces already known (detection cache): crop around them in the single pipeline; else the
      // general path decodes once and detects on that copy
      const known = faceSmart
        ? opts.detector?.cached?.(detectionKey(image, undefined, undefined))
        : undefined;
      if (!faceSmart || known)
        return fastPath(src, params, resizeReq, ex, output.format, known && regionsFocus(known));
    }
    // a header read in JS lacks the EXIF/ICC blocks the general path re-attaches
    if (quick && (quick.hasExif || quick.hasIcc)) {
      src = await openSource(blob, opts, { frames: 1, page: load.page, dpi: load.dpi });
    }
    if (faceSmart && opts.detector && src && !src.animated && src.space === 'srgb') {
      const out = await faceCrop(opts.detector, src, params, resizeReq, ex, output.format, image, ctx.signal);
      if (out) return out;
    }

    // ---- general path: RawImage between steps ----
    const faceSize =
      faceSmart &&
      src &&
      !src.animated &&
      manualCropEdges(cropOf(params), src.width, src.pageHeight) === undefined
        ? faceDecodeSize(
            { width: src.width, height: src.pageHeight },
            planResize({ width: src.width, height: src.pageHeight }, resizeReq),
            opts.detectorProbeSize,
          )
        : undefined;
    let img: RawImage = src ? await decodeRaw(src, faceSize) : colorImage(image, params, opts);
    if (load.orient !== undefined) {
      const angle = sharpAngle(load.orient);
      img = await mapFrames(img, (f) => fromSharp(toSharp(f).rotate(angle)));
    }
    const before: Size = { width: img.width, height: img.pageHeight };
    const crop = manualCropEdges(cropOf(params), img.width, img.pageHeight);
    const trim =
      params.trim && img.pages === 1 ? await findTrim(img, params.trim_by, params.trim_tolerance) : undefined;
    const area = extractArea(crop, trim, img.width, img.pageHeight);
    if (area) img = await mapFrames(img, (f) => fromSharp(toSharp(f).extract(area)));
    const plan = planResize({ width: img.width, height: img.pageHeight }, resizeReq);
    let focalRects = load.focal
      .map((a) => parseFocal(a, before))
      .filter((r): r is FocalRect => r !== undefined);
    if (
      opts.detector &&
      params.smart &&
      focalRects.length === 0 &&
      img.pages === 1 &&
      plan.op.kind === 'cover'
    ) {
      const key = detectionKey(image, area, load.orient);
      focalRects = await faceFocalRects(opts.detector, img, opts.detectorProbeSize, ctx.signal, key, area);
    }
    img = await resizeRaw(img, plan, params, focalRects, area);
    if (params.h_flip) img = await fromSharp(toSharp(img).flop(), img.pages, img);
    if (params.v_flip) img = await mapFrames(img, (f) => fromSharp(toSharp(f).flip()));
    checkResolution(img.width, img.pageHeight, img.pages, opts);

    const profile: ProfileState = { source: src?.icc };
    if (imageFilters) {
      const fctx: FilterContext = {
        signal: ctx.signal,
        load: (key) => ctx.load(key, ctx.signal),
        processNested: (path, parent) => nested(path, parent, ctx, depth),
        box: {
          width: plan.box.width,
          height: plan.box.height,
          paddingLeft: params.padding_left ?? 0,
          paddingTop: params.padding_top ?? 0,
          paddingRight: params.padding_right ?? 0,
          paddingBottom: params.padding_bottom ?? 0,
        },
        rotated: false,
        disableBlur: opts.disableBlur,
        profile,
        ...(cache ? { cache } : {}),
      };
      if (opts.detector) fctx.detector = filterDetector(opts.detector, opts.detectorProbeSize);
      if (!opts.unlimited) {
        fctx.limits = {
          maxWidth: opts.maxWidth,
          maxHeight: opts.maxHeight,
          maxResolution: opts.maxResolution,
        };
      }
      img = await applyImageFilters(img, filters, fctx, { disabled, maxOps, disableBlur: opts.disableBlur });
      checkResolution(img.width, img.pageHeight, img.pages, opts);
    }
    if (wantRaw) return img;

    if (img.pages > 1 && !output.animated) img = { ...(splitFrames(img)[0] ?? img), delay: [], loop: 0 };
    if (metaSettings) {
      return buildMeta(
        img,
        {
          format: output.format,
          source: ex.format || ex.autojpg || isColor ? undefined : (src?.format ?? sourceFormat),
          documentPages: src?.documentPages,
          density: src?.density,
          sourceFormat: src?.format,
          orientation: src?.orientation ?? 0,
          exif: src?.exif,
          stripExif: ex.stripExif || ex.stripMetadata || opts.stripMetadata,
          detectedRegions:
            opts.detector && wantsDetection(params.smart, active)
              ? await metaRegions(opts.detector, img, opts.detectorProbeSize, ctx.signal)
              : undefined,
        },
        metaSettings,
      );
    }
    const final = img;
    const iccProfile = exportProfile(final, profile);
    const exif = src?.exif;
    try {
      const data = await encode(
        () => {
          let p = toSharp(final);
          if (!alphaCapable(output.format) && hasAlpha(final)) p = p.flatten({ background: '#000000' });
          // 1/2-band pixels are grey: encode them as such (1 or 2 bands where the format allows)
          if (final.channels <= 2) p = p.toColourspace('b-w');
          return p;
        },
        {
          format: output.format,
          settings: ex,
          opts,
          pages: final.pages,
          delay: final.delay,
          loop: final.loop,
          keepExif: exif !== undefined,
          keepIcc: iccProfile !== undefined,
          iccProfile,
          xmp: src?.xmp,
          exif: exif && {
            block: exif,
            width: final.width,
            height: final.pageHeight,
            alpha: hasAlpha(final),
          },
        },
      );
      return new ImageBlob(data, { contentType: contentTypeOf(output.format) });
    } catch (err) {
      throw mapSharpError(err);
    }
  }

  /** Cover (aligned, focal or smart), scale, or nothing, on every frame of a RawImage. */
  async function resizeRaw(
    img: RawImage,
    plan: ResizePlan,
    params: Params,
    focalRects: FocalRect[],
    area: Rect | undefined,
  ): Promise<RawImage> {
    const op = plan.op;
    if (op.kind === 'none') return img;
    // the frames' total after the resize, before any frame is resized (a 1×1 GIF of 5000 frames)
    if (img.pages <= 1) {
      // single frames keep imagor's rule: checked on the result
    } else if (op.kind === 'scale') checkResolution(op.width, op.height, img.pages, opts);
    else {
      const s = op.scaled;
      checkResolution(Math.min(s.width, opts.maxWidth), Math.min(s.height, opts.maxHeight), img.pages, opts);
    }
    if (op.kind === 'scale') {
      const by = framesShrinkSide(op.by, img.pages);
      return mapFrames(img, (f) => fromSharp(resizeTo(toSharp(f), frameSize(f), op, by)));
    }
    const target = { width: op.width, height: op.height };
    // smart with detected regions crops around them (imagor turns detections into focal points)
    const anchor =
      op.anchor.kind !== 'smart'
        ? op.anchor
        : focalRects.length > 0
          ? FOCAL
          : img.pages > 1
            ? CENTRE
            : op.anchor;
    if (anchor.kind === 'smart') {
      return fromSharp(toSharp(img).resize(op.width, op.height, { fit: 'cover', position: 'attention' }));
    }
    const scaled = op.scaled;
    let rect: Rect;
    const fp = anchor.kind === 'focal' ? focalPoint(focalRects) : undefined;
    if (fp) {
      const fx = (fp.x - (area?.left ?? 0)) / img.width;
      const fy = (fp.y - (area?.top ?? 0)) / img.pageHeight;
      rect = focalCrop(scaled, target, fx, fy);
    } else {
      const a = anchor.kind === 'align' ? anchor : CENTRE;
      rect = coverWindow(scaled, target, a.x, a.y);
    }
    const resize = scaled.width !== img.width || scaled.height !== img.pageHeight;
    const by = framesShrinkSide(op.by, img.pages);
    const crop = rect.width !== scaled.width || rect.height !== scaled.height;
    return mapFrames(img, async (f) => {
      // sharp extracts after resizing within one pipeline
      let p = toSharp(f);
      if (resize) p = resizeTo(p, frameSize(f), scaled, by);
      if (crop) p = p.extract(rect);
      return fromSharp(p);
    });
  }

  /**
   * A smart cover crop whose faces are not known yet, with one decode: the source is decoded once at
   * the size detection and the crop both need (faceDecodeSize), kept in its own colour profile (an
   * uncompressed TIFF in memory carries the pixels and the profile to the next pipelines), the
   * detector runs on a probe of that copy, and the copy is cropped around the faces and encoded in a
   * single pipeline. Undefined when the request needs the general path (an upscale, a manual crop).
   */
  async function faceCrop(
    detector: RegionDetector,
    src: Source,
    params: Params,
    req: Parameters<typeof planResize>[1],
    ex: ExportSettings,
    format: OutputFormat,
    image: string,
    signal: AbortSignal,
  ): Promise<ImageBlob | undefined> {
    const size = { width: src.width, height: src.pageHeight };
    if (manualCropEdges(cropOf(params), size.width, size.height) !== undefined) return undefined;
    const decodeSize = faceDecodeSize(size, planResize(size, req), opts.detectorProbeSize);
    if (!decodeSize) return undefined;
    let copy: Source;
    try {
      const { data, info } = await openSharp(src)
        .resize(decodeSize.width, decodeSize.height, { fit: 'fill' })
        .keepIccProfile()
        .tiff({ compression: 'none' })
        .toBuffer({ resolveWithObject: true });
      copy = {
        ...src,
        input: data,
        options: { ...src.options, autoOrient: false },
        native: true,
        width: info.width,
        pageHeight: info.height,
        orientation: 0,
        hasExif: false,
      };
    } catch (err) {
      throw mapSharpError(err);
    }
    const probe = (): Promise<Probe> =>
      probeOfPipeline(openSharp(copy).keepIccProfile(), opts.detectorProbeSize);
    const regions = await detectOnProbe(detector, probe, signal, detectionKey(image, undefined, undefined));
    return fastPath(copy, params, req, ex, format, regionsFocus(regions), { exif: src.exif, xmp: src.xmp });
  }

  /**
   * One sharp pipeline from the encoded input: shrink-on-load, orient, resize, flips, encode. `focus`
   * (fractions of the image) turns a smart crop into a crop centred there; `blocks` are metadata
   * the input no longer carries, written into the output.
   */
  async function fastPath(
    src: Source,
    params: Params,
    req: Parameters<typeof planResize>[1],
    ex: ExportSettings,
    format: OutputFormat,
    focus?: { x: number; y: number },
    blocks: { exif?: Buffer | undefined; xmp?: Buffer | undefined } = {},
  ): Promise<ImageBlob> {
    const from = { width: src.width, height: src.pageHeight };
    const plan = planResize(from, req);
    const op = plan.op;
    if (op.kind !== 'none') checkResolution(op.width, op.height, 1, opts);
    // sharp shrinks JPEG, WebP, SVG and PDF while decoding and takes the factor of a one-sided resize
    // from the shrunk size, whose rounding is not libvips' thumbnail's: those keep each side exact
    const by =
      op.kind !== 'none' && !(src.native && SHRINKS_ON_LOAD.has(sniffFormat(src.input))) ? op.by : undefined;
    const make = (): Sharp => {
      let p = openSharp(src);
      if (op.kind === 'cover' && op.anchor.kind === 'smart' && !focus) {
        p = p.resize(op.width, op.height, { fit: 'cover', position: 'attention' });
      } else if (op.kind === 'cover') {
        const a = op.anchor.kind === 'align' ? op.anchor : CENTRE;
        const win = focus ? focalCrop(op.scaled, op, focus.x, focus.y) : coverWindow(op.scaled, op, a.x, a.y);
        // sharp flips before resizing: mirror the window onto the flipped image
        if (params.h_flip) win.left = op.scaled.width - win.left - win.width;
        if (params.v_flip) win.top = op.scaled.height - win.top - win.height;
        p = resizeTo(p, from, op.scaled, by);
        if (win.width !== op.scaled.width || win.height !== op.scaled.height) p = p.extract(win);
      } else if (op.kind === 'scale') {
        p = resizeTo(p, from, op, by);
      }
      if (params.h_flip) p = p.flop();
      if (params.v_flip) p = p.flip();
      if (!alphaCapable(format) && src.hasAlpha) p = p.flatten({ background: '#000000' });
      // grey stays grey (sharp's default output space is sRGB; libvips/imagor keep 1 or 2 bands)
      if (src.space === 'b-w') p = p.toColourspace('b-w');
      else if (src.space === 'grey16') p = p.toColourspace(format === 'png' ? 'grey16' : 'b-w');
      return p;
    };
    try {
      const data = await encode(make, {
        format,
        settings: ex,
        opts,
        pages: 1,
        keepExif: src.hasExif || blocks.exif !== undefined,
        keepIcc: src.hasIcc && src.space !== 'cmyk',
        xmp: blocks.xmp,
        exif: blocks.exif && {
          block: blocks.exif,
          width: op.kind === 'none' ? src.width : op.width,
          height: op.kind === 'none' ? src.pageHeight : op.height,
          alpha: src.hasAlpha && alphaCapable(format),
        },
      });
      return new ImageBlob(data, { contentType: contentTypeOf(format) });
    } catch (err) {
      throw mapSharpError(err);
    }
  }

  return {
    options: opts,
    cache,
    cachedSource(image, params) {
      if (!cache || !usesCache(params)) return undefined;
      const entry = cache.get(image);
      return entry ? new CachedBlob(entry) : undefined;
    },
    async process(blob, params, ctx) {
      let input = blob;
      if (cache && ctx.preview && !(blob instanceof CachedBlob) && usesCache(params)) {
        try {
          // imagor keeps one frame of a preview() base image
          const hit = await cache.getOrLoad(params.image ?? '', () => Promise.resolve(blob), 1);
          if ('entry' in hit) input = new CachedBlob(hit.entry);
        } catch {
          // a source the cache cannot decode goes through the pipeline, which reports why
        }
      }
      const out = await runInWorkScope(ctx.signal, expiresAt(ctx.signal), () =>
        run(input, params, ctx, 0, false),
      );
      if (out instanceof ImageBlob) return out;
      // not reached: run() only returns pixels when asked to
      const data = await applyEncoder(toSharp(out), {
        format: 'png',
        settings: readExportSettings([]),
        opts,
        pages: out.pages,
        keepExif: false,
        keepIcc: false,
      }).toBuffer();
      return new ImageBlob(data, { contentType: 'image/png' });
    },
    processNested(path, parent, ctx) {
      return runInWorkScope(ctx.signal, expiresAt(ctx.signal), () => nested(path, parent, ctx, 0));
    },
  };
}

function cropOf(p: Params): { left?: number; top?: number; right?: number; bottom?: number } {
  return {
    ...(p.crop_left !== undefined ? { left: p.crop_left } : {}),
    ...(p.crop_top !== undefined ? { top: p.crop_top } : {}),
    ...(p.crop_right !== undefined ? { right: p.crop_right } : {}),
    ...(p.crop_bottom !== undefined ? { bottom: p.crop_bottom } : {}),
  };
}

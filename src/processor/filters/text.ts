import sharp, { type Blend, type CreateText, type TextAlign, type TextWrap } from 'sharp';
import { parseColor, type RGBA } from '../color.js';
import type { RawImage } from '../image.js';
import { defineFilter } from './types.js';
import {
  expected,
  readBool,
  readNumber,
  readOptionalInt,
  readOptionalNumber,
  readPosition,
  readTextArg,
  type Position,
} from './args.js';
import { compositeOverlay, readBlend, readOpacity } from './overlay.js';

/** Pango markup is always parsed by libvips text rendering: escape the user's text. */
export function escapeMarkup(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/'/g, '&#39;')
    .replace(/"/g, '&quot;');
}

/** Pango font descriptions in URLs use hyphens for spaces: `sans-bold-24` → `sans bold 24`. */
export function fontName(arg: string | undefined, def: string): string {
  const s = (arg ?? '').trim().replace(/-/g, ' ').replace(/\s+/g, ' ');
  return s === '' ? def : s;
}

/**
 * Text size clamps (documented): glyphs are rendered into real pixels before compositing, so a
 * huge font size, dpi or line spacing from a URL would allocate gigabytes and render for minutes.
 * The rendered em height is capped at MAX_TEXT_PX pixels (font size × dpi / 72; a font size alone
 * is in points at 72 dpi), dpi at 1200, spacing at MAX_TEXT_PX and the wrap width at 9999 (the
 * label box limit). Larger requests draw the largest allowed text instead of failing.
 */
export const MAX_TEXT_PX = 1000;
const MAX_DPI = 1200;
const MAX_WIDTH = 9999;

/** A Pango font description with its size bounded so that size × dpi / 72 ≤ MAX_TEXT_PX. */
export function boundFont(font: string, dpi: number): string {
  const m = /^(.*?)(\d+(?:\.\d+)?)(px)?$/.exec(font.trim());
  if (!m) return font;
  const size = Number(m[2]);
  const px = m[3] === 'px' ? size : (size * dpi) / 72;
  if (!(px > MAX_TEXT_PX)) return font;
  const capped = m[3] === 'px' ? MAX_TEXT_PX : Math.floor((MAX_TEXT_PX * 72) / dpi);
  return `${m[1] ?? ''}${Math.max(1, capped)}${m[3] ?? ''}`;
}

/**
 * Renders text with libvips (through sharp's text input) into a coloured RGBA overlay:
 * the rendered coverage becomes alpha (× opacity × colour alpha), the pixels take the colour.
 * Returns null when nothing would be visible.
 */
export async function renderText(opts: CreateText, color: RGBA, opacity: number): Promise<RawImage | null> {
  const { data, info } = await sharp({ text: { ...opts, rgba: false } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const px = info.width * info.height;
  if (px === 0) return null;
  const ch = info.channels;
  const out = Buffer.allocUnsafe(px * 4);
  const k = Math.max(0, Math.min(1, opacity * color.alpha));
  for (let i = 0; i < px; i++) {
    out[4 * i] = color.r;
    out[4 * i + 1] = color.g;
    out[4 * i + 2] = color.b;
    out[4 * i + 3] = Math.round((data[i * ch] ?? 0) * k);
  }
  return { data: out, width: info.width, pageHeight: info.height, pages: 1, channels: 4 };
}

export interface LabelArgs {
  text: string;
  x: Position;
  y: Position;
  size: number;
  color: RGBA;
  opacity: number;
  font: string;
}

export const label = defineFilter<LabelArgs>({
  name: 'label',
  stages: ['image'],
  parse: (args) => ({
    text: readTextArg(args[0]),
    x: readPosition(args[1], 'x', 'label x'),
    y: readPosition(args[2], 'y', 'label y'),
    size: readOptionalNumber(args[3], 'label size', 20),
    color:
      args[4] === undefined || args[4].trim() === '' ? { r: 0, g: 0, b: 0, alpha: 1 } : parseColor(args[4]),
    opacity: readOpacity(args[5], 'label alpha'),
    font: fontName(args[6], 'sans'),
  }),
  apply: async (img, a) => {
    if (a.text.trim() === '' || a.opacity <= 0) return img;
    const height = Math.min(Math.round(a.size), MAX_TEXT_PX);
    if (height <= 0) return img;
    // a box `size` px high (width limit 9999): libvips fits the font to it
    const overlay = await renderText(
      { text: escapeMarkup(a.text), font: boundFont(a.font, 72), width: 9999, height },
      a.color,
      a.opacity,
    );
    if (!overlay) return img;
    return compositeOverlay(img, overlay, a.x, a.y, 'over');
  },
});

export type TextWidth =
  | { kind: 'px'; value: number }
  | { kind: 'percent'; value: number }
  | { kind: 'fraction'; value: number }
  | { kind: 'full'; minus: number };

export function readTextWidth(arg: string | undefined): TextWidth {
  const s = (arg ?? '').trim().toLowerCase();
  if (s === '') return { kind: 'px', value: 0 };
  const full = /^(?:f|full)(?:-(\d+))?$/.exec(s);
  if (full) return { kind: 'full', minus: Number(full[1] ?? 0) };
  if (s.endsWith('p')) return { kind: 'percent', value: readNumber(s.slice(0, -1), 'text width') };
  const n = readNumber(s, 'text width');
  return n > 0 && n < 1 ? { kind: 'fraction', value: n } : { kind: 'px', value: Math.trunc(n) };
}

function resolveWidth(w: TextWidth, canvas: number): number {
  switch (w.kind) {
    case 'px':
      return w.value;
    case 'percent':
      return Math.trunc((canvas * w.value) / 100);
    case 'fraction':
      return Math.trunc(canvas * w.value);
    case 'full':
      return canvas - w.minus;
  }
}

const ALIGN: Record<string, TextAlign> = {
  low: 'left',
  left: 'left',
  centre: 'centre',
  center: 'centre',
  high: 'right',
  right: 'right',
};

const WRAP: Record<string, TextWrap> = {
  word: 'word',
  char: 'char',
  wordchar: 'word-char',
  word_char: 'word-char',
  'word-char': 'word-char',
  none: 'none',
};

export interface TextArgs {
  text: string;
  x: Position;
  y: Position;
  font: string;
  color: RGBA;
  opacity: number;
  blend: Blend;
  width: TextWidth;
  align: TextAlign;
  justify: boolean;
  wrap: TextWrap;
  spacing: number;
  dpi: number;
}

export const text = defineFilter<TextArgs>({
  name: 'text',
  stages: ['image'],
  parse: (args) => {
    const align = (args[8] ?? '').trim().toLowerCase();
    const wrap = (args[10] ?? '').trim().toLowerCase();
    if (align !== '' && !(align in ALIGN)) throw expected('alignment', 'text align', args[8]);
    if (wrap !== '' && !(wrap in WRAP)) throw expected('wrap mode', 'text wrap', args[10]);
    return {
      text: readTextArg(args[0]),
      x: readPosition(args[1], 'x', 'text x'),
      y: readPosition(args[2], 'y', 'text y'),
      font: fontName(args[3], 'sans 20'),
      color:
        args[4] === undefined || args[4].trim() === '' ? { r: 0, g: 0, b: 0, alpha: 1 } : parseColor(args[4]),
      opacity: readOpacity(args[5], 'text alpha'),
      blend: readBlend(args[6]),
      width: readTextWidth(args[7]),
      align: ALIGN[align] ?? 'left',
      justify: readBool(args[9], 'text justify', false),
      wrap: WRAP[wrap] ?? 'word',
      spacing: readOptionalInt(args[11], 'text spacing', 0),
      dpi: readOptionalInt(args[12], 'text dpi', 72),
    };
  },
  apply: async (img, a) => {
    if (a.text.trim() === '') return img;
    if (a.opacity <= 0 && a.blend === 'over') return img;
    const dpi = a.dpi > 0 ? Math.min(a.dpi, MAX_DPI) : 72;
    const opts: CreateText = {
      text: escapeMarkup(a.text),
      font: boundFont(a.font, dpi),
      align: a.align,
      justify: a.justify,
      dpi,
    };
    const width = Math.min(resolveWidth(a.width, img.width), MAX_WIDTH);
    if (width > 0) {
      opts.width = width;
      opts.wrap = a.wrap;
    }
    if (a.spacing > 0) opts.spacing = Math.min(a.spacing, MAX_TEXT_PX);
    const overlay = await renderText(opts, a.color, a.opacity);
    if (!overlay) return img;
    return compositeOverlay(img, overlay, a.x, a.y, a.blend);
  },
});

export const TEXT_FILTERS = [label, text];

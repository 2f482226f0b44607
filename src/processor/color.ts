import colorNames from 'color-name';

export interface RGBA {
  r: number;
  g: number;
  b: number;
  /** 0..1 */
  alpha: number;
}

/** A colour argument as imagor reads it: a colour, or one of the special fill keywords. */
export type ColorArg =
  { kind: 'color'; color: RGBA } | { kind: 'auto' } | { kind: 'blur' } | { kind: 'none' };

const BLACK: RGBA = { r: 0, g: 0, b: 0, alpha: 1 };

/**
 * Reads an imagor colour: CSS/SVG names, hex `rgb`/`rrggbb`/`rrggbbaa` with or without `#`,
 * `auto`, `blur`, `none`/`transparent`. Only the text before a first comma counts; anything
 * unreadable is black, as in imagor.
 */
export function parseColorArg(input: string): ColorArg {
  const s = (input.split(',')[0] ?? '').trim().toLowerCase();
  if (s === 'auto') return { kind: 'auto' };
  if (s === 'blur') return { kind: 'blur' };
  if (s === 'none' || s === 'transparent') return { kind: 'none' };
  return { kind: 'color', color: parseColor(s) };
}

/** A plain colour (no keywords): names and hex; unknown → black. */
export function parseColor(input: string): RGBA {
  const s = (input.split(',')[0] ?? '').trim().toLowerCase();
  const named = (colorNames as Record<string, [number, number, number] | undefined>)[s];
  if (named) return { r: named[0], g: named[1], b: named[2], alpha: 1 };
  const hex = s.startsWith('#') ? s.slice(1) : s;
  // imagor reads 3 and 6 characters as hex digit by digit, a non-digit counting as 0 (`FFO` is yellow)
  if (hex.length === 3 || hex.length === 6) {
    const digit = (c: string | undefined): number => {
      const n = Number.parseInt(c ?? '', 16);
      return Number.isNaN(n) ? 0 : n;
    };
    const d = [...hex].map(digit);
    if (hex.length === 3) return { r: (d[0] ?? 0) * 17, g: (d[1] ?? 0) * 17, b: (d[2] ?? 0) * 17, alpha: 1 };
    const byte = (i: number): number => (d[i] ?? 0) * 16 + (d[i + 1] ?? 0);
    return { r: byte(0), g: byte(2), b: byte(4), alpha: 1 };
  }
  if (/^[0-9a-f]+$/.test(hex)) {
    if (hex.length === 4) {
      const d = [...hex].map((c) => parseInt(c + c, 16));
      return { r: d[0] ?? 0, g: d[1] ?? 0, b: d[2] ?? 0, alpha: hex.length === 4 ? (d[3] ?? 255) / 255 : 1 };
    }
    if (hex.length === 8) {
      const byte = (i: number): number => parseInt(hex.slice(i, i + 2), 16);
      return { r: byte(0), g: byte(2), b: byte(4), alpha: hex.length === 8 ? byte(6) / 255 : 1 };
    }
  }
  return { ...BLACK };
}

/** sharp's colour object form. */
export function toSharpColor(c: RGBA): { r: number; g: number; b: number; alpha: number } {
  return { r: c.r, g: c.g, b: c.b, alpha: c.alpha };
}

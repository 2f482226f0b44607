import { defineFilter } from './types.js';

/**
 * strip_icc(): in imagor it converts to sRGB through the embedded profile and drops the profile.
 * A RawImage carries no profile (the pipeline decodes to sRGB), so only the export step acts on it:
 * registered as an export marker.
 */
export const stripIcc = defineFilter<null>({
  name: 'strip_icc',
  stages: ['export'],
  parse: () => null,
});

/** strip_exif(): removes EXIF on export (and blanks it in /meta); no pixel change. */
export const stripExif = defineFilter<null>({
  name: 'strip_exif',
  stages: ['export'],
  parse: () => null,
});

export type ColorspaceTarget = string;

/**
 * to_colorspace(profile='srgb'): imagor transforms from the *embedded* profile and is a no-op
 * without one. The RawImage handed to filters has no profile attached (pixels are already sRGB),
 * so this is a documented best-effort no-op here; the argument is still validated.
 */
export const toColorspace = defineFilter<ColorspaceTarget>({
  name: 'to_colorspace',
  stages: ['image'],
  parse: (args) => (args[0] ?? '').trim().toLowerCase() || 'srgb',
  apply: async (img) => img,
});

export const COLORSPACE_FILTERS = [stripIcc, stripExif, toColorspace];

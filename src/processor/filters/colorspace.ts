import { defineFilter, type ProfileName } from './types.js';

/**
 * strip_icc(): in imagor it converts to sRGB through the embedded profile and drops the profile.
 * RawImage pixels are already sRGB (the pipeline decodes through the embedded profile), so only
 * the export step acts on it: registered as an export marker.
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

export type ColorspaceTarget = ProfileName | undefined;

const PROFILES: ReadonlySet<string> = new Set<ProfileName>(['srgb', 'p3', 'cmyk']);

/**
 * to_colorspace(profile='srgb'): imagor transforms from the *embedded* profile and is a no-op
 * without one. RawImage pixels are sRGB, so the transform is done at export (sharp's
 * withIccProfile: sRGB → target, profile attached); filters after it still see sRGB pixels.
 * Only sharp's built-in profiles `srgb`, `p3`, `cmyk` are accepted (never a file path); other
 * names are a no-op.
 */
export const toColorspace = defineFilter<ColorspaceTarget>({
  name: 'to_colorspace',
  stages: ['image'],
  parse: (args) => {
    const name = (args[0] ?? '').trim().toLowerCase() || 'srgb';
    return PROFILES.has(name) ? (name as ProfileName) : undefined;
  },
  apply: (img, target, ctx) => {
    if (target !== undefined && ctx.profile?.source !== undefined) ctx.profile.target = target;
    return Promise.resolve(img);
  },
});

export const COLORSPACE_FILTERS = [stripIcc, stripExif, toColorspace];

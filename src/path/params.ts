/** One filter as written in the URL: `name(args)`; args are kept raw (undecoded). */
export interface Filter {
  name: string;
  args?: string;
}

export type HAlign = 'left' | 'right' | 'center';
export type VAlign = 'top' | 'bottom' | 'middle';
export type TrimBy = 'top-left' | 'bottom-right';

/**
 * imagor's Params, field names and order exactly as its JSON (the `/params` endpoint).
 * Every field is optional; absent means imagor's zero value.
 */
export interface Params {
  /** internal: the URL had a `params/` prefix; never serialised */
  params?: boolean;
  path?: string;
  image?: string;
  base64_image?: boolean;
  unsafe?: boolean;
  hash?: string;
  meta?: boolean;
  trim?: boolean;
  trim_by?: TrimBy;
  trim_tolerance?: number;
  crop_left?: number;
  crop_top?: number;
  crop_right?: number;
  crop_bottom?: number;
  fit_in?: boolean;
  adaptive_fit_in?: boolean;
  full_fit_in?: boolean;
  stretch?: boolean;
  width?: number;
  height?: number;
  padding_left?: number;
  padding_top?: number;
  padding_right?: number;
  padding_bottom?: number;
  h_flip?: boolean;
  v_flip?: boolean;
  h_align?: HAlign;
  v_align?: VAlign;
  smart?: boolean;
  filters?: Filter[];
}

/** JSON field order of imagor's Params struct. */
export const PARAMS_FIELDS = [
  'path',
  'image',
  'base64_image',
  'unsafe',
  'hash',
  'meta',
  'trim',
  'trim_by',
  'trim_tolerance',
  'crop_left',
  'crop_top',
  'crop_right',
  'crop_bottom',
  'fit_in',
  'adaptive_fit_in',
  'full_fit_in',
  'stretch',
  'width',
  'height',
  'padding_left',
  'padding_top',
  'padding_right',
  'padding_bottom',
  'h_flip',
  'v_flip',
  'h_align',
  'v_align',
  'smart',
  'filters',
] as const satisfies readonly (keyof Params)[];

/**
 * One line of help and a valid example for every filter: shown by the playground next to a picked filter and
 * used to write docs/filters.md (scripts/filters-doc.ts), where each example is also run by a test.
 * Plain data, no imports: the browser loads this module as it is.
 */
export interface FilterHelp {
  /** the arguments, as written between the parentheses */
  args: string;
  /** what it does, in one line */
  help: string;
  /** a valid argument list (may be empty) */
  example: string;
  /** the docs' group heading */
  group: FilterGroup;
  /** the example's answer is JSON (`/meta` only) or not an image worth a picture */
  noPicture?: boolean;
  /** path prefix the example needs (e.g. `meta/`), before the size */
  prefix?: string;
}

export type FilterGroup =
  | 'colour'
  | 'sharpness'
  | 'canvas'
  | 'size rules'
  | 'overlays'
  | 'frames and pages'
  | 'output'
  | 'response'
  | 'meta'
  | 'detectors';

export const FILTER_HELP: Readonly<Record<string, FilterHelp>> = {
  brightness: { args: 'amount', help: 'lighter or darker, -100..100', example: '30', group: 'colour' },
  contrast: { args: 'amount', help: 'more or less contrast, -100..100', example: '40', group: 'colour' },
  hue: { args: 'degrees', help: 'rotates the hue', example: '120', group: 'colour' },
  saturation: { args: 'amount', help: 'more or less colour, -100..100', example: '-60', group: 'colour' },
  modulate: {
    args: 'brightness,saturation,hue',
    help: 'brightness and saturation in percent (100 = unchanged), hue in degrees',
    example: '110,150,0',
    group: 'colour',
  },
  rgb: { args: 'r,g,b', help: 'shifts each channel, -100..100', example: '30,0,-30', group: 'colour' },
  grayscale: { args: '', help: 'black and white', example: '', group: 'colour' },
  invert: { args: '', help: 'negative', example: '', group: 'colour' },
  background_color: {
    args: 'color',
    help: 'colour behind transparent pixels (CSS name or hex)',
    example: 'ffd54f',
    group: 'colour',
  },
  to_colorspace: {
    args: 'srgb|p3|cmyk',
    help: 'converts to another colour space',
    example: 'p3',
    group: 'colour',
  },
  blur: { args: 'sigma | radius,sigma', help: 'Gaussian blur', example: '4', group: 'sharpness' },
  sharpen: {
    args: 'sigma | amount,radius,luma',
    help: 'unsharp mask',
    example: '2',
    group: 'sharpness',
  },
  pixelate: { args: 'block', help: 'blocks of this many pixels', example: '12', group: 'sharpness' },
  fill: {
    args: 'color|blur|auto|none',
    help: 'paints the URL padding and the rest of a fit-in box',
    example: 'blur',
    group: 'canvas',
  },
  padding: {
    args: 'color,left,top,right,bottom',
    help: 'adds a border of that colour after resizing',
    example: 'white,10,10,10,10',
    group: 'canvas',
  },
  round_corner: {
    args: 'rx[,ry[,color]]',
    help: 'rounds the corners; transparent unless a colour is given',
    example: '30,30,white',
    group: 'canvas',
  },
  crop: {
    args: 'left,top,width,height',
    help: 'crops the resized image (pixels or 0–1 fractions)',
    example: '0.1,0.1,0.8,0.8',
    group: 'canvas',
  },
  rotate: { args: '90|180|270', help: 'rotates counter-clockwise', example: '90', group: 'canvas' },
  orient: { args: 'angle', help: 'rotates as an EXIF orientation would', example: '180', group: 'canvas' },
  proportion: {
    args: 'ratio',
    help: 'scales the result by this factor (0–1)',
    example: '0.5',
    group: 'canvas',
  },
  trim: {
    args: '[tolerance[,top-left|bottom-right]]',
    help: 'cuts away a border coloured like a corner pixel',
    example: '20',
    group: 'canvas',
  },
  upscale: { args: '', help: 'lets fit-in enlarge a small image', example: '', group: 'size rules' },
  no_upscale: { args: '', help: 'never enlarges the source', example: '', group: 'size rules' },
  stretch: {
    args: '',
    help: 'resizes to exactly the size, ignoring the aspect ratio',
    example: '',
    group: 'size rules',
  },
  focal: {
    args: 'AxB:CxD | x,y',
    help: 'the area (or point) a crop keeps in view',
    example: '300x100:600x400',
    group: 'size rules',
  },
  watermark: {
    args: 'image,x,y,alpha[,w_ratio,h_ratio]',
    help: 'lays another image over this one; alpha 0 (opaque)..100',
    example: 'gopher.png,-10,-10,20,30,30',
    group: 'overlays',
  },
  image: {
    args: 'imagor-path,x,y[,alpha[,blend]]',
    help: 'lays a nested imagor URL over this one, with a blend mode',
    example: '/fit-in/80x80/gopher.png,10,10',
    group: 'overlays',
  },
  label: {
    args: 'text,x,y,size,color[,alpha[,font]]',
    help: 'writes a line of text',
    example: 'hello,10,10,28,white',
    group: 'overlays',
  },
  text: {
    args: 'text,x,y,font,color,alpha,blend,width,align,justify,wrap,spacing,dpi',
    help: 'writes (wrapped) text with a font description',
    example: 'imagor,center,bottom,sans bold 24,white',
    group: 'overlays',
  },
  max_frames: {
    args: 'n',
    help: 'keeps the first n frames of an animation',
    example: '3',
    group: 'frames and pages',
  },
  page: {
    args: 'n',
    help: 'the page (or frame) of a PDF, TIFF or animation to use',
    example: '1',
    group: 'frames and pages',
  },
  dpi: { args: 'n', help: 'resolution for reading SVG and PDF', example: '144', group: 'frames and pages' },
  format: {
    args: 'jpeg|png|gif|webp|avif|tiff|heif|jxl|jp2',
    help: 'output format',
    example: 'webp',
    group: 'output',
  },
  quality: { args: '0..100', help: 'lossy encoder quality', example: '40', group: 'output' },
  autojpg: { args: '', help: 'answers JPEG unless the image has transparency', example: '', group: 'output' },
  lossless: { args: '', help: 'lossless WebP/AVIF/JPEG XL', example: '', group: 'output' },
  palette: { args: '', help: 'palette PNG (smaller, up to 256 colours)', example: '', group: 'output' },
  bitdepth: { args: 'n', help: 'bits per sample of a palette PNG', example: '4', group: 'output' },
  compression: { args: '0..9', help: 'PNG compression level', example: '9', group: 'output' },
  max_bytes: {
    args: 'n',
    help: 'lowers the quality until the answer fits in n bytes',
    example: '8000',
    group: 'output',
  },
  fallback_format: {
    args: 'format',
    help: 'format to use when the requested one cannot be written',
    example: 'png',
    group: 'output',
  },
  strip_exif: { args: '', help: 'removes EXIF metadata', example: '', group: 'output' },
  strip_icc: {
    args: '',
    help: 'removes the colour profile (converted to sRGB)',
    example: '',
    group: 'output',
  },
  strip_metadata: { args: '', help: 'removes all metadata', example: '', group: 'output' },
  attachment: {
    args: '[filename]',
    help: 'Content-Disposition: attachment (a download)',
    example: 'portrait.jpg',
    group: 'response',
    noPicture: true,
  },
  expire: {
    args: 'unix_ms',
    help: 'answers 410 after this time',
    example: '4102444800000',
    group: 'response',
    noPicture: true,
  },
  max_age: {
    args: 'seconds',
    help: 'Cache-Control max-age for this URL',
    example: '3600',
    group: 'response',
    noPicture: true,
  },
  preview: {
    args: '',
    help: 'skips the result storage for this request',
    example: '',
    group: 'response',
    noPicture: true,
  },
  raw: {
    args: '',
    help: 'answers the source bytes unprocessed',
    example: '',
    group: 'response',
    noPicture: true,
  },
  blurhash: {
    args: 'x,y',
    help: 'adds a BlurHash of x×y components to /meta',
    example: '4,3',
    group: 'meta',
    noPicture: true,
    prefix: 'meta/',
  },
  thumbhash: {
    args: '',
    help: 'adds a ThumbHash to /meta',
    example: '',
    group: 'meta',
    noPicture: true,
    prefix: 'meta/',
  },
  avgcolor: {
    args: '',
    help: 'adds the average colour to /meta',
    example: '',
    group: 'meta',
    noPicture: true,
    prefix: 'meta/',
  },
  draw_detections: {
    args: '',
    help: 'outlines what a detector found (needs -face-detector)',
    example: '',
    group: 'detectors',
    noPicture: true,
  },
  redact: {
    args: '[mode[,strength]]',
    help: 'blurs or pixelates what a detector found (needs -face-detector)',
    example: '',
    group: 'detectors',
    noPicture: true,
  },
  redact_oval: {
    args: '[mode[,strength]]',
    help: 'as redact, with an oval mask (needs -face-detector)',
    example: '',
    group: 'detectors',
    noPicture: true,
  },
};

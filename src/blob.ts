/** Source or result bytes with what we know about them: sniffed format, content type and storage stats. */
export interface Stat {
  size?: number;
  modifiedTime?: Date;
  etag?: string;
}

export type ImageFormat =
  | 'jpeg'
  | 'png'
  | 'gif'
  | 'webp'
  | 'avif'
  | 'heif'
  | 'tiff'
  | 'jp2'
  | 'jxl'
  | 'bmp'
  | 'pdf'
  | 'svg'
  | 'json'
  | 'unknown';

export const CONTENT_TYPES: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  heif: 'image/heif',
  tiff: 'image/tiff',
  jp2: 'image/jp2',
  jxl: 'image/jxl',
  bmp: 'image/bmp',
  pdf: 'application/pdf',
  svg: 'image/svg+xml',
  json: 'application/json',
  unknown: 'application/octet-stream',
};

export class ImageBlob {
  readonly data: Buffer;
  readonly stat: Stat | undefined;
  private sniffed: ImageFormat | undefined;
  private readonly declaredType: string | undefined;

  constructor(data: Buffer, options: { contentType?: string | undefined; stat?: Stat | undefined } = {}) {
    this.data = data;
    this.declaredType = options.contentType;
    this.stat = options.stat;
  }

  get size(): number {
    return this.data.length;
  }

  get format(): ImageFormat {
    this.sniffed ??= sniffFormat(this.data);
    return this.sniffed;
  }

  /** The sniffed type wins over what an origin declared: origins often lie (`application/octet-stream`). */
  get contentType(): string {
    const f = this.format;
    if (f !== 'unknown') return CONTENT_TYPES[f];
    return this.declaredType ?? CONTENT_TYPES.unknown;
  }

  get isEmpty(): boolean {
    return this.data.length === 0;
  }
}

/** Format from magic bytes (first 512 bytes), SVG by sniffing XML text. */
export function sniffFormat(b: Buffer): ImageFormat {
  if (b.length < 4) return 'unknown';
  const ascii = (start: number, end: number): string => b.subarray(start, end).toString('latin1');
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b[0] === 0x89 && ascii(1, 4) === 'PNG') return 'png';
  if (ascii(0, 4) === 'GIF8') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (ascii(4, 8) === 'ftyp') {
    const brands = ascii(8, Math.min(b.length, 64));
    if (/avi[fs]/.test(brands)) return 'avif';
    if (/jxl /.test(brands)) return 'jxl';
    if (/hei[cfsx]|mif1|msf1|hevc/.test(brands)) return 'heif';
  }
  if ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a) || (b[0] === 0x4d && b[1] === 0x4d && b[3] === 0x2a))
    return 'tiff';
  if (ascii(4, 12) === 'jP  \r\n\x87\n' || (b[0] === 0xff && b[1] === 0x4f && b[2] === 0xff && b[3] === 0x51))
    return 'jp2';
  if ((b[0] === 0xff && b[1] === 0x0a) || ascii(4, 8) === 'JXL ') return 'jxl';
  if (ascii(0, 2) === 'BM' && b.length > 26) return 'bmp';
  if (ascii(0, 5) === '%PDF-') return 'pdf';
  const head = ascii(0, Math.min(b.length, 1024)).trimStart();
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg[^>]*>\s*)?<svg[\s>]/i.test(head)) return 'svg';
  return 'unknown';
}

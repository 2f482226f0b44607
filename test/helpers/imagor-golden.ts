import http from 'node:http';
import sharp from 'sharp';

/**
 * The rule by which an answer counts as "the same as imagor's" (test/fixtures/imagor-golden/README.md):
 * same status 200, same format by magic bytes, same width, page height and page count, and pixels close
 * enough (PSNR and worst 16×16 block, on 8-bit sRGB RGBA premultiplied by alpha). `/meta` answers match
 * when every key of imagor's JSON has the same value in ours.
 */
export const PSNR_MIN = 30;
export const BLOCK_MAX = 50;
const BLOCK = 16;

/** One case of test/fixtures/imagor-golden/manifest.json. */
export interface GoldenCase {
  request: string;
  flags: string[];
  checkTypeOnly: boolean;
  meta: boolean;
  golden: string;
  goldenArm64: string | null;
}

export interface Verdict {
  ok: boolean;
  /** Why the case does not match (or a note on a format-only match). */
  why: string;
}

export interface RawResponse {
  status: number;
  body: Buffer;
}

/**
 * GET a request path exactly as written: only bytes that cannot appear raw in a request target
 * (controls, space, DEL, non-ASCII) are %-escaped as UTF-8. fetch() would resolve `..`, turn `\` into
 * `/` and re-escape, which changes what the server sees.
 */
export function getRaw(baseUrl: string, requestPath: string, timeoutMs = 120_000): Promise<RawResponse> {
  const u = new URL(baseUrl);
  let wire = '';
  for (const ch of requestPath) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp > 0x20 && cp < 0x7f) wire += ch;
    else for (const b of Buffer.from(ch, 'utf8')) wire += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, method: 'GET', path: wire, headers: { connection: 'close' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** The container format of an encoded image, from its first bytes. */
export function sniffFormat(buf: Buffer): string {
  if (buf.length < 4) return 'unknown';
  const str = (from: number, to: number): string => buf.subarray(from, to).toString('latin1');
  if (buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (buf[0] === 0x89 && str(1, 4) === 'PNG') return 'png';
  if (str(0, 4) === 'GIF8') return 'gif';
  if (str(0, 4) === 'RIFF' && str(8, 12) === 'WEBP') return 'webp';
  if (str(0, 4) === 'II*\0' || str(0, 4) === 'MM\0*') return 'tiff';
  if (buf[0] === 0xff && buf[1] === 0x0a) return 'jxl';
  if (buf.length >= 12) {
    if (str(0, 12) === '\0\0\0\x0cJXL \r\n\x87\n') return 'jxl';
    if (str(4, 8) === 'ftyp') {
      const brand = str(8, 12);
      if (brand === 'avif' || brand === 'avis') return 'avif';
      if (['heic', 'heix', 'hevc', 'hevx', 'mif1', 'msf1'].includes(brand)) return 'heif';
    }
    if (str(4, 8) === 'jP  ') return 'jp2';
  }
  if (str(0, 2) === 'BM') return 'bmp';
  if (str(0, 4) === '%PDF') return 'pdf';
  const head = str(0, Math.min(buf.length, 512)).trimStart();
  if (head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg'))) return 'svg';
  if (head.startsWith('{') || head.startsWith('[')) return 'json';
  return 'unknown';
}

interface Decoded {
  width: number;
  pageHeight: number;
  pages: number;
  /** 8-bit sRGB RGBA, all pages stacked vertically. */
  rgba: Buffer;
}

/** Decodes every page to 8-bit sRGB RGBA with the project's sharp; undefined when sharp cannot. */
async function decodeAll(buf: Buffer): Promise<Decoded | undefined> {
  const options = { animated: true, limitInputPixels: false, failOn: 'none' } as const;
  try {
    const meta = await sharp(buf, options).metadata();
    const { data, info } = await sharp(buf, options)
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 4) return undefined;
    return {
      width: meta.width,
      pageHeight: meta.pageHeight ?? meta.height,
      pages: meta.pages ?? 1,
      rgba: data,
    };
  } catch {
    return undefined;
  }
}

/**
 * PSNR over all four channels and the worst 16×16 block (mean of each pixel's largest channel
 * difference), with RGB premultiplied by alpha so that transparent pixels compare equal whatever their
 * colour. Both buffers hold RGBA8 of the same geometry.
 */
export function comparePixels(a: Buffer, b: Buffer, width: number): { psnr: number; block: number } {
  const pixels = a.length / 4;
  const height = pixels / width;
  const bw = Math.ceil(width / BLOCK);
  const sums = new Float64Array(bw * Math.ceil(height / BLOCK));
  const counts = new Uint32Array(sums.length);
  let squares = 0;
  for (let px = 0; px < pixels; px++) {
    const i = px * 4;
    const alphaA = a[i + 3] ?? 0;
    const alphaB = b[i + 3] ?? 0;
    let worst = Math.abs(alphaA - alphaB);
    squares += worst * worst;
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(((a[i + c] ?? 0) * alphaA - (b[i + c] ?? 0) * alphaB) / 255);
      squares += d * d;
      if (d > worst) worst = d;
    }
    const x = px % width;
    const y = (px - x) / width;
    const bi = Math.floor(y / BLOCK) * bw + Math.floor(x / BLOCK);
    sums[bi] = (sums[bi] ?? 0) + worst;
    counts[bi] = (counts[bi] ?? 0) + 1;
  }
  let block = 0;
  for (let i = 0; i < sums.length; i++) {
    const n = counts[i] ?? 0;
    if (n > 0) block = Math.max(block, (sums[i] ?? 0) / n);
  }
  const mse = squares / (pixels * 4);
  return { psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse), block };
}

/** Every key of `want` (recursively) has the same value in `got`; arrays match item by item. */
export function jsonDifferences(want: unknown, got: unknown, at = ''): string[] {
  const kind = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  if (kind(want) !== kind(got))
    return [`${at || '.'}: expected ${JSON.stringify(want)} got ${JSON.stringify(got)}`];
  if (Array.isArray(want) && Array.isArray(got)) {
    const out = want.length === got.length ? [] : [`${at}: expected ${want.length} items got ${got.length}`];
    for (let i = 0; i < Math.min(want.length, got.length); i++) {
      out.push(...jsonDifferences(want[i], got[i], `${at}[${i}]`));
    }
    return out;
  }
  if (kind(want) === 'object') {
    const w = want as Record<string, unknown>;
    const g = got as Record<string, unknown>;
    const out: string[] = [];
    for (const k of Object.keys(w)) {
      if (!(k in g)) out.push(`${at}.${k}: missing (expected ${JSON.stringify(w[k])})`);
      else out.push(...jsonDifferences(w[k], g[k], `${at}.${k}`));
    }
    return out;
  }
  return want === got ? [] : [`${at || '.'}: expected ${JSON.stringify(want)} got ${JSON.stringify(got)}`];
}

const size = (d: Decoded): string => `${d.width}x${d.pageHeight}${d.pages > 1 ? `x${d.pages}p` : ''}`;

/** Judges one answer against one of imagor's golden files. */
async function judgeImage(c: GoldenCase, body: Buffer, golden: Buffer): Promise<Verdict> {
  const want = sniffFormat(golden);
  const got = sniffFormat(body);
  if (want !== got) return { ok: false, why: `format ${got}, imagor ${want}` };
  const g = await decodeAll(golden);
  if (!g) return { ok: true, why: `format only: sharp cannot decode imagor's ${want}` };
  const a = await decodeAll(body);
  if (!a) return { ok: false, why: `our ${got} does not decode` };
  if (a.width !== g.width || a.pageHeight !== g.pageHeight) {
    return { ok: false, why: `size ${size(a)}, imagor ${size(g)}` };
  }
  if (a.pages !== g.pages) return { ok: false, why: `pages ${a.pages}, imagor ${g.pages}` };
  if (c.checkTypeOnly) return { ok: true, why: '' };
  const { psnr, block } = comparePixels(g.rgba, a.rgba, g.width);
  const why: string[] = [];
  if (!(psnr >= PSNR_MIN)) why.push(`PSNR ${psnr.toFixed(1)} dB < ${PSNR_MIN}`);
  if (!(block <= BLOCK_MAX)) why.push(`worst 16x16 block ${block.toFixed(1)} > ${BLOCK_MAX}`);
  return { ok: why.length === 0, why: why.join('; ') };
}

/** Judges an answer against the amd64 golden and, where imagor's arm64 answer differs, that one too. */
export async function judge(
  c: GoldenCase,
  res: RawResponse,
  read: (rel: string) => Buffer,
): Promise<Verdict> {
  if (res.status !== 200) {
    return { ok: false, why: `status ${res.status}: ${res.body.toString('utf8').slice(0, 160)}` };
  }
  if (c.meta) {
    let got: unknown;
    try {
      got = JSON.parse(res.body.toString('utf8'));
    } catch {
      return { ok: false, why: 'meta: the body is not JSON' };
    }
    const diffs = jsonDifferences(JSON.parse(read(c.golden).toString('utf8')), got);
    return { ok: diffs.length === 0, why: diffs.slice(0, 4).join('; ') };
  }
  const first = await judgeImage(c, res.body, read(c.golden));
  if (first.ok || !c.goldenArm64) return first;
  const second = await judgeImage(c, res.body, read(c.goldenArm64));
  return second.ok ? second : first;
}

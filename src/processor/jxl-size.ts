/**
 * The size a JPEG XL file declares (its SizeHeader, ISO/IEC 18181-1), read without decoding, so
 * that the pixel limits are applied before the in-process decoder allocates anything. Reads a bare
 * codestream (FF 0A) and the ISOBMFF container (the codestream in a `jxlc` box or the first `jxlp`).
 */

/** Bits read least significant first, as the codestream stores them. */
class BitReader {
  private pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bytes[this.pos >> 3];
      if (byte === undefined) throw new RangeError('truncated');
      v += ((byte >> (this.pos & 7)) & 1) * 2 ** i;
      this.pos++;
    }
    return v;
  }

  /** The spec's U32(Bits(9)+1, Bits(13)+1, Bits(18)+1, Bits(30)+1), the distribution of a dimension. */
  dimension(): number {
    const widths = [9, 13, 18, 30] as const;
    return this.bits(widths[this.bits(2)] ?? 9) + 1;
  }
}

/** Aspect ratios a SizeHeader may name instead of a width (index 1..7). */
const RATIOS: ReadonlyArray<readonly [number, number]> = [
  [1, 1],
  [12, 10],
  [4, 3],
  [3, 2],
  [16, 9],
  [5, 4],
  [2, 1],
];

function codestreamSize(cs: Uint8Array): { width: number; height: number } | undefined {
  if (cs.length < 3 || cs[0] !== 0xff || cs[1] !== 0x0a) return undefined;
  try {
    const r = new BitReader(cs.subarray(2));
    const small = r.bits(1) === 1;
    const height = small ? (r.bits(5) + 1) * 8 : r.dimension();
    const ratio = r.bits(3);
    let width: number;
    if (ratio === 0) width = small ? (r.bits(5) + 1) * 8 : r.dimension();
    else {
      const [num, den] = RATIOS[ratio - 1] ?? [1, 1];
      width = Math.floor((height * num) / den);
    }
    return { width, height };
  } catch {
    return undefined;
  }
}

const CONTAINER = [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20, 0x0d, 0x0a, 0x87, 0x0a];

export function jxlSize(data: Uint8Array): { width: number; height: number } | undefined {
  if (data[0] === 0xff && data[1] === 0x0a) return codestreamSize(data);
  if (!CONTAINER.every((b, i) => data[i] === b)) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  while (at + 8 <= data.length) {
    let size = view.getUint32(at);
    const type = String.fromCharCode(...data.subarray(at + 4, at + 8));
    let header = 8;
    if (size === 1) {
      if (at + 16 > data.length) return undefined;
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) size = data.length - at;
    if (size < header) return undefined;
    const body = data.subarray(at + header, Math.min(data.length, at + size));
    if (type === 'jxlc') return codestreamSize(body);
    // a partial codestream box starts with its 4-byte index; the first one holds the headers
    if (type === 'jxlp') return codestreamSize(body.subarray(4));
    at += size;
  }
  return undefined;
}

/**
 * Small files that ask for a great deal of work: the hostile-input test generates them at run time
 * (nothing big is checked in).
 */

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A PNG whose header claims `width`×`height` RGB pixels; its data is a few bytes. */
export function pngHeaderBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An animated GIF of `frames` frames of 1×1 pixel (23 bytes a frame). */
export function gifFrameBomb(frames: number): Buffer {
  const head = Buffer.from([
    ...Buffer.from('GIF89a', 'latin1'),
    1,
    0,
    1,
    0, // logical screen 1×1
    0x80,
    0,
    0, // global colour table of 2 entries
    0,
    0,
    0,
    255,
    255,
    255,
    // NETSCAPE2.0 loop forever
    0x21,
    0xff,
    0x0b,
    ...Buffer.from('NETSCAPE2.0', 'latin1'),
    3,
    1,
    0,
    0,
    0,
  ]);
  const frame = Buffer.from([
    0x21,
    0xf9,
    4,
    0,
    2,
    0,
    0,
    0, // graphic control: 20 ms
    0x2c,
    0,
    0,
    0,
    0,
    1,
    0,
    1,
    0,
    0, // image descriptor 1×1
    2,
    2,
    0x44,
    0x01,
    0, // LZW: clear, 0, end
  ]);
  return Buffer.concat([head, ...Array.from({ length: frames }, () => frame), Buffer.from([0x3b])]);
}

/** An SVG at libvips' largest accepted canvas whose filters make every pixel expensive. */
export function svgFilterBomb(size = 8000): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
      '<filter id="f" x="0" y="0" width="100%" height="100%">' +
      '<feTurbulence baseFrequency="0.9" numOctaves="10" result="t"/>' +
      '<feGaussianBlur in="t" stdDeviation="200" result="b"/>' +
      '<feMorphology in="b" operator="dilate" radius="300"/>' +
      '</filter>' +
      `<rect width="${size}" height="${size}" filter="url(#f)"/></svg>`,
  );
}

/** Nested `<use>` references: `depth` levels of `fan` copies each (fan^depth shapes). */
export function svgUseBomb(depth = 9, fan = 10): Buffer {
  let defs = '<circle id="l0" r="20" fill="red"/>';
  for (let d = 1; d <= depth; d++) {
    defs +=
      `<g id="l${d}">` + Array.from({ length: fan }, () => `<use href="#l${d - 1}"/>`).join('') + '</g>';
  }
  return Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="4000">' +
      `<defs>${defs}</defs><use href="#l${depth}"/></svg>`,
  );
}

/** A bare JPEG XL codestream whose SizeHeader declares `side` x `side` (30-bit height, ratio 1:1), then nothing. */
export function jxlDeclaredSquare(side: number): Buffer {
  const bits: number[] = [0, 1, 1]; // not div8; U32 selector 3 (30 bits), least significant bit first
  for (let i = 0; i < 30; i++) bits.push(((side - 1) >> i) & 1);
  bits.push(1, 0, 0); // ratio 1 (1:1)
  const out = Buffer.alloc(2 + Math.ceil(bits.length / 8) + 16);
  out[0] = 0xff;
  out[1] = 0x0a;
  bits.forEach((b, i) => {
    out[2 + (i >> 3)]! |= b << (i & 7);
  });
  return out;
}

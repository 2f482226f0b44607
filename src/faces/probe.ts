import sharp, { type Sharp } from 'sharp';
import type { RawImage } from '../processor/image.js';
import type { Probe } from './detector.js';

/** imagor's default probe size (-vips-detector-probe-size). */
export const DEFAULT_PROBE_SIZE = 400;

async function rawOf(p: Sharp, size: number): Promise<Probe> {
  const { data, info } = await p
    .resize(size, size, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** The probe of a decoded image: its first frame, shrunk to fit size × size (never enlarged). */
export function probeOfImage(img: RawImage, size = DEFAULT_PROBE_SIZE): Promise<Probe> {
  const frame = img.data.subarray(0, img.width * img.pageHeight * img.channels);
  const p = sharp(frame, { raw: { width: img.width, height: img.pageHeight, channels: img.channels } });
  return rawOf(p, size);
}

/**
 * The probe of an encoded image, from a pipeline that already auto-orients: libvips shrinks on load,
 * so a large JPEG is never decoded at full size just to find faces.
 */
export function probeOfPipeline(p: Sharp, size = DEFAULT_PROBE_SIZE): Promise<Probe> {
  return rawOf(p, size);
}

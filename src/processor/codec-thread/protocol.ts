/** Messages between the processor and its codec thread (structured-clone data only). */

/** The pixel limits a codec checks before it allocates an image (a subset of ProcessorOptions). */
export interface PixelLimits {
  maxWidth: number;
  maxHeight: number;
  maxResolution: number;
  unlimited: boolean;
}

export type CodecJob =
  | { op: 'jxl-decode'; input: ArrayBuffer }
  | { op: 'heic-decode'; input: ArrayBuffer; limits: PixelLimits }
  | {
      op: 'jxl-encode';
      /** RGBA, 8 bits per channel */
      pixels: ArrayBuffer;
      width: number;
      height: number;
      options: Record<string, unknown>;
    };

/** A decode answers RGBA pixels; an encode answers the file's bytes (width and height 0). */
export interface CodecResult {
  data: ArrayBuffer;
  width: number;
  height: number;
}

export type CodecFailure =
  /** the image is larger than the limits allow (the processor answers 422) */
  | { kind: 'resolution' }
  /** the codec could not read or write the image (406 with this message) */
  | { kind: 'codec'; message: string }
  /** the codec's module failed to load (the format is not available) */
  | { kind: 'unavailable'; message: string };

export type CodecRequest = CodecJob & { id: number };
export type CodecReply = { id: number } & (
  { ok: true; result: CodecResult } | { ok: false; failure: CodecFailure }
);

export function exceedsLimits(width: number, height: number, limits: PixelLimits): boolean {
  if (limits.unlimited) return false;
  return width > limits.maxWidth || height > limits.maxHeight || width * height > limits.maxResolution;
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Signer } from '../types.js';

export type SignerType = 'sha1' | 'sha256' | 'sha512';

/** `IMAGOR_SIGNER_TYPE` is case-insensitive; anything unknown falls back to sha1, as in imagor. */
export function signerType(type: string | undefined): SignerType {
  const t = (type ?? '').toLowerCase();
  return t === 'sha256' || t === 'sha512' ? t : 'sha1';
}

/**
 * imagor's HMAC signer: HMAC over the path without its leading `/`, padded base64url, optionally truncated to
 * the first `truncate` characters (0 = whole signature).
 */
export function createSigner(opts: {
  secret: string;
  type?: string;
  truncate?: number;
}): Signer & { verify(path: string, hash: string): boolean } {
  const algorithm = signerType(opts.type);
  const truncate = opts.truncate ?? 0;
  const sign = (path: string): string => {
    const digest = createHmac(algorithm, opts.secret)
      .update(path.startsWith('/') ? path.slice(1) : path)
      .digest('base64');
    const signature = digest.replace(/\+/g, '-').replace(/\//g, '_');
    return truncate > 0 && signature.length > truncate ? signature.slice(0, truncate) : signature;
  };
  return {
    sign,
    verify(path: string, hash: string): boolean {
      const expected = Buffer.from(sign(path));
      const given = Buffer.from(hash);
      // timingSafeEqual throws on a length mismatch; the length of a signature is no secret
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}

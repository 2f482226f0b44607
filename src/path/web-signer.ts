/**
 * imagor's HMAC URL signature with WebCrypto (browsers, Deno, workers, Node ≥ 20): HMAC over the path without
 * its leading `/`, padded base64url, optionally truncated. Same results as `createSigner` in signer.ts.
 */
function webHash(type: string | undefined): string {
  const t = (type ?? '').toLowerCase();
  return t === 'sha256' ? 'SHA-256' : t === 'sha512' ? 'SHA-512' : 'SHA-1';
}

export async function signAsync(
  path: string,
  secret: string,
  type?: string,
  truncate?: number,
): Promise<string> {
  const encoder = new TextEncoder();
  let key = encoder.encode(secret);
  // WebCrypto refuses zero-length HMAC keys; HMAC zero-pads short keys, so one zero byte is the same key
  if (key.length === 0) key = new Uint8Array(1);
  const hash = webHash(type);
  const cryptoKey = await globalThis.crypto.subtle.importKey('raw', key, { name: 'HMAC', hash }, false, [
    'sign',
  ]);
  const message = encoder.encode(path.startsWith('/') ? path.slice(1) : path);
  const mac = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', cryptoKey, message));
  let binary = '';
  for (const b of mac) binary += String.fromCharCode(b);
  const signature = btoa(binary).replace(/\+/g, '-').replace(/\//g, '_');
  const n = truncate ?? 0;
  return n > 0 && signature.length > n ? signature.slice(0, n) : signature;
}

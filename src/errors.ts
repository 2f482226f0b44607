/** One error type carrying an HTTP status; every failure path ends as one of these. */
export class ImagorError extends Error {
  readonly status: number;
  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImagorError';
    this.status = status;
  }
  toJSON(): { message: string; status: number } {
    return { message: this.message, status: this.status };
  }
}

export const invalid = (message = 'invalid'): ImagorError => new ImagorError(400, message);
export const signatureMismatch = (): ImagorError => new ImagorError(403, 'url signature mismatch');
export const notFound = (message = 'not found'): ImagorError => new ImagorError(404, message);
export const unsupportedFormat = (message = 'unsupported format'): ImagorError =>
  new ImagorError(406, message);
export const timeout = (): ImagorError => new ImagorError(408, 'timeout');
export const expired = (): ImagorError => new ImagorError(410, 'expired');
export const maxSizeExceeded = (): ImagorError => new ImagorError(400, 'maximum size exceeded');
export const maxResolutionExceeded = (): ImagorError => new ImagorError(422, 'maximum resolution exceeded');
export const tooManyRequests = (): ImagorError => new ImagorError(429, 'too many requests');
/** The source byte budget has no room now for a request that already holds source bytes. */
export const sourceBytesExhausted = (): ImagorError =>
  new ImagorError(503, 'too many source bytes in flight');
export const clientClosed = (): ImagorError => new ImagorError(499, 'client closed request');

/** The only place an unknown thrown value becomes an ImagorError. */
export function toImagorError(err: unknown): ImagorError {
  if (err instanceof ImagorError) return err;
  if (err instanceof Error) {
    if (err.name === 'TimeoutError') return timeout();
    if (err.name === 'AbortError') {
      const reason = (err as Error & { cause?: unknown }).cause;
      if (reason instanceof ImagorError) return reason;
      return clientClosed();
    }
    // sharp's timeout() (src/processor/work-scope.ts)
    if (/^timeout: \d+% complete/.test(err.message)) return timeout();
    const m = /^imagor: (\d{3}) (.*)$/s.exec(err.message);
    if (m) return new ImagorError(Number(m[1]), scrubPaths(m[2] ?? ''));
    const sys = systemError(err);
    if (sys) return sys;
    // libvips has one error buffer per process: a concurrent request can clear it before sharp
    // reads it, and sharp then rejects a failed decode with this placeholder
    if (err.message === 'Unknown error')
      return new ImagorError(406, 'corrupt or unsupported image', { cause: err });
    if (isLibvipsError(err)) return new ImagorError(406, scrubPaths(err.message.trim()), { cause: err });
    return new ImagorError(500, scrubPaths(err.message) || 'internal error', { cause: err });
  }
  return new ImagorError(500, scrubPaths(String(err)));
}

/**
 * A Node system error (fs, net) carries the path or address it failed on and the OS's own text;
 * the client gets a plain status instead (the log keeps the cause). A name too long for the file
 * system is a bad name (400); a missing one is 404.
 */
function systemError(err: Error): ImagorError | undefined {
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code !== 'string' || !/^E[A-Z0-9]+$/.test(e.code)) return undefined;
  if (e.syscall === undefined && e.errno === undefined) return undefined;
  if (e.code === 'ENAMETOOLONG') return new ImagorError(400, 'invalid', { cause: err });
  if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return new ImagorError(404, 'not found', { cause: err });
  return new ImagorError(500, 'internal error', { cause: err });
}

/** Replaces absolute file paths (`/a/b`, `C:\\a`) in a message by `<path>`. */
export function scrubPaths(message: string): string {
  return message
    .replace(/(^|[\s'"`(=[])\/(?:[^\s'"`/]+\/)+[^\s'"`,;)\]]*/g, '$1<path>')
    .replace(/(^|[\s'"`(=[])[A-Za-z]:\\[^\s'"`]*/g, '$1<path>');
}

/** sharp surfaces libvips failures (corrupt input, bad parameters) as plain Errors; imagor maps them to 406. */
function isLibvipsError(err: Error): boolean {
  const m = err.message;
  return (
    /unsupported image format|Input buffer|Input file|VipsJpeg|VipsPng|VipsForeign|vips_|gifload|webpload|heifload|pngload|jpegload|tiffload|svgload|pdfload|jp2kload|bad seek|premature end|Corrupt|corrupt|Invalid|libspng|magicksave|pixel limit/.test(
      m,
    ) || m.startsWith('Expected ')
  );
}

/**
 * Upload loader (imagor `uploadloader`, spec §4.4, §5.8): the source image is the body of a POST,
 * either a `multipart/form-data` field (busboy) or a raw body whose `Content-Type` is the image's.
 *
 * Errors are reported as themselves: missing Content-Type → 400 `invalid`; a type outside
 * `accept` → 406 `unsupported format`; more than `maxAllowedSize` bytes → 400 `maximum size
 * exceeded`, enforced while streaming (the declared Content-Length is checked first). The rest of
 * a refused body is read and discarded, never destroyed, so the error response still reaches the
 * client.
 */
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { ImageBlob } from '../blob.js';
import {
  ImagorError,
  clientClosed,
  invalid,
  maxSizeExceeded,
  timeout,
  unsupportedFormat,
} from '../errors.js';

export interface UploadLoaderOptions {
  /** bytes; 0 or less = unlimited */
  maxAllowedSize: number;
  /** comma-separated content-type globs, e.g. `image/*` */
  accept: string;
  /** multipart field carrying the image */
  formFieldName: string;
}

export type UploadBody = AsyncIterable<Buffer> | NodeJS.ReadableStream;

export interface UploadLoader {
  readonly name: 'upload';
  /** multipart field carrying the image */
  readonly fieldName: string;
  /** bytes one upload may be (Infinity: no limit) */
  readonly maxAllowedSize: number;
  /** Reads the uploaded image. `contentType` is the request's Content-Type header. */
  read(
    body: UploadBody | undefined,
    contentType: string | undefined,
    signal: AbortSignal,
    contentLength?: number,
  ): Promise<ImageBlob>;
}

/** `image/png; charset=x` → `image/png` */
const mediaType = (ct: string): string => (ct.split(';')[0] ?? '').trim().toLowerCase();

/** Matches a media type against comma-separated globs (`image/*`, `*\/*`, `image/png`). */
export function acceptsType(accept: string, type: string): boolean {
  const t = mediaType(type);
  if (t === '') return false;
  return accept
    .split(',')
    .map((a) => mediaType(a))
    .filter((a) => a !== '')
    .some((a) => {
      if (a === '*' || a === '*/*') return true;
      const re = new RegExp('^' + a.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*') + '$');
      return re.test(t);
    });
}

function toReadable(body: UploadBody): Readable {
  if (body instanceof Readable) return body;
  return Readable.from(body as AsyncIterable<Buffer>);
}

/** busboy's own messages name the multipart problem ("Unexpected end of form") and nothing else. */
function multipartError(err: unknown, signal: AbortSignal): ImagorError {
  if (signal.aborted) return abortReason(signal);
  const m = err instanceof Error ? err.message : '';
  return invalid(/^[\w .,:'"-]{1,80}$/.test(m) && !m.includes('/') ? m : 'invalid multipart body');
}

function abortReason(signal: AbortSignal): ImagorError {
  const r: unknown = signal.reason;
  if (r instanceof ImagorError) return r;
  if (r instanceof Error && r.name === 'TimeoutError') return timeout();
  return clientClosed();
}

export function createUploadLoader(opts: UploadLoaderOptions): UploadLoader {
  const max = opts.maxAllowedSize > 0 ? opts.maxAllowedSize : Infinity;
  const field = opts.formFieldName || 'image';
  const accept = opts.accept || 'image/*';

  /** The declared type wins unless it says nothing (octet-stream); then the sniffed one is checked. */
  function checkType(declared: string, blob: ImageBlob): void {
    const d = mediaType(declared);
    const type = d === '' || d === 'application/octet-stream' ? blob.contentType : d;
    if (!acceptsType(accept, type)) throw unsupportedFormat();
  }

  function readRaw(stream: Readable, signal: AbortSignal): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const cleanup = (): void => {
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.off('error', onError);
        signal.removeEventListener('abort', onAbort);
        // discard whatever is left so the response can still be written on this connection
        stream.resume();
      };
      const onData = (c: Buffer | string): void => {
        const b = typeof c === 'string' ? Buffer.from(c) : c;
        size += b.length;
        if (size > max) {
          cleanup();
          reject(maxSizeExceeded());
          return;
        }
        chunks.push(b);
      };
      const onEnd = (): void => {
        cleanup();
        resolve(Buffer.concat(chunks));
      };
      const onError = (): void => {
        cleanup();
        chunks.length = 0;
        // the socket's own error text (ECONNRESET, aborted) is not the client's business
        reject(signal.aborted ? abortReason(signal) : invalid('incomplete request body'));
      };
      const onAbort = (): void => {
        cleanup();
        reject(abortReason(signal));
      };
      stream.on('data', onData);
      stream.on('end', onEnd);
      stream.on('error', onError);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  function readMultipart(
    stream: Readable,
    contentType: string,
    signal: AbortSignal,
  ): Promise<{ data: Buffer; type: string }> {
    return new Promise((resolve, reject) => {
      let bb: busboy.Busboy;
      try {
        bb = busboy({
          headers: { 'content-type': contentType },
          limits: { fileSize: max === Infinity ? undefined : max, files: 20 },
        });
      } catch (err) {
        reject(invalid(err instanceof Error ? err.message : 'invalid multipart body'));
        return;
      }
      let found: { data: Buffer; type: string } | undefined;
      let failed = false;
      const fail = (e: ImagorError): void => {
        if (failed) return;
        failed = true;
        signal.removeEventListener('abort', onAbort);
        stream.unpipe(bb);
        stream.resume();
        reject(e);
      };
      const onAbort = (): void => fail(abortReason(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      bb.on('file', (name, file, info) => {
        if (name !== field || found !== undefined) {
          file.resume();
          return;
        }
        const chunks: Buffer[] = [];
        // a body cut before the closing boundary errors this stream too; unhandled, it would kill the process
        file.on('error', (err: unknown) => {
          chunks.length = 0;
          fail(multipartError(err, signal));
        });
        file.on('data', (c: Buffer) => {
          if (!failed) chunks.push(c);
        });
        file.on('limit', () => {
          file.resume();
          fail(maxSizeExceeded());
        });
        file.on('end', () => {
          if (!failed) found = { data: Buffer.concat(chunks), type: info.mimeType };
        });
      });
      bb.on('error', (err: unknown) => fail(multipartError(err, signal)));
      bb.on('close', () => {
        if (failed) return;
        signal.removeEventListener('abort', onAbort);
        if (found === undefined) {
          reject(invalid(`missing form field "${field}"`));
          return;
        }
        resolve(found);
      });
      stream.on('error', () =>
        fail(signal.aborted ? abortReason(signal) : invalid('incomplete request body')),
      );
      stream.pipe(bb);
    });
  }

  return {
    name: 'upload',
    fieldName: field,
    maxAllowedSize: max,
    async read(body, contentType, signal, contentLength) {
      const ct = (contentType ?? '').trim();
      const stream = body === undefined ? Readable.from([]) : toReadable(body);
      const refuse = (e: ImagorError): never => {
        stream.resume();
        throw e;
      };
      if (ct === '') return refuse(invalid());
      signal.throwIfAborted();
      const type = mediaType(ct);
      if (type === 'multipart/form-data') {
        const part = await readMultipart(stream, ct, signal);
        if (part.data.length === 0) throw invalid();
        const blob = new ImageBlob(part.data, { contentType: part.type });
        checkType(part.type, blob);
        return blob;
      }
      if (!acceptsType(accept, type) && type !== 'application/octet-stream')
        return refuse(unsupportedFormat());
      if (contentLength !== undefined && contentLength > max) return refuse(maxSizeExceeded());
      const data = await readRaw(stream, signal);
      if (data.length === 0) throw invalid();
      const blob = new ImageBlob(data, { contentType: type });
      checkType(type, blob);
      return blob;
    },
  };
}

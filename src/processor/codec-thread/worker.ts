/**
 * The codec thread: WebAssembly codecs (JPEG XL decode and encode, HEIF/HEIC decode) that compute
 * synchronously for as long as an image takes. Run here, they leave the worker process's event loop
 * free (health checks, other requests, the supervisor's heartbeat), and a request that times out
 * can stop them by ending the thread.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import {
  exceedsLimits,
  type CodecFailure,
  type CodecJob,
  type CodecReply,
  type CodecRequest,
  type CodecResult,
} from './protocol.js';

const require = createRequire(import.meta.url);

interface Rgba {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

class Failure extends Error {
  constructor(readonly failure: CodecFailure) {
    super(failure.kind);
  }
}

type JxlDecode = (buffer: ArrayBuffer) => Promise<Rgba>;
type JxlEncode = (
  data: { data: Uint8ClampedArray; width: number; height: number },
  o: object,
) => Promise<ArrayBuffer>;

/** Loads an Emscripten module of @jsquash/jxl once, from its own .wasm file. */
function wasmModule<T>(entry: string, wasm: string): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= (async () => {
      try {
        const mod = (await import(entry)) as { init(m: WebAssembly.Module): Promise<unknown>; default: T };
        await mod.init(await WebAssembly.compile(await readFile(require.resolve(wasm))));
        return mod.default;
      } catch (err) {
        loaded = undefined;
        throw new Failure({ kind: 'unavailable', message: err instanceof Error ? err.message : String(err) });
      }
    })();
    return loaded;
  };
}

const jxlDecoder = wasmModule<JxlDecode>('@jsquash/jxl/decode.js', '@jsquash/jxl/codec/dec/jxl_dec.wasm');
const jxlEncoder = wasmModule<JxlEncode>('@jsquash/jxl/encode.js', '@jsquash/jxl/codec/enc/jxl_enc.wasm');

interface HeifImage {
  width: number;
  height: number;
  decode(): Promise<Rgba>;
}

function codecError(prefix: string, err: unknown): Failure {
  if (err instanceof Failure) return err;
  return new Failure({
    kind: 'codec',
    message: `${prefix}: ${err instanceof Error ? err.message : String(err)}`,
  });
}

/** Pixels in a buffer of their own (a view into WebAssembly memory cannot be handed over). */
function ownBuffer(a: Uint8Array | Uint8ClampedArray): ArrayBuffer {
  const whole = a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer;
  return whole ? (a.buffer as ArrayBuffer) : (a.slice().buffer as ArrayBuffer);
}

const pixelsOf = (img: Rgba): CodecResult => ({
  data: ownBuffer(img.data),
  width: img.width,
  height: img.height,
});

async function perform(job: CodecJob): Promise<CodecResult> {
  switch (job.op) {
    case 'jxl-decode': {
      const decode = await jxlDecoder();
      try {
        return pixelsOf(await decode(job.input));
      } catch (err) {
        throw codecError('jxl', err);
      }
    }
    case 'heic-decode': {
      const heic = require('heic-decode') as { all(o: { buffer: Uint8Array }): Promise<HeifImage[]> };
      try {
        const first = (await heic.all({ buffer: new Uint8Array(job.input) }))[0];
        if (!first) throw new Failure({ kind: 'codec', message: 'heif: no image' });
        if (exceedsLimits(first.width, first.height, job.limits)) throw new Failure({ kind: 'resolution' });
        return pixelsOf(await first.decode());
      } catch (err) {
        throw codecError('heif', err);
      }
    }
    case 'jxl-encode': {
      const encode = await jxlEncoder();
      try {
        const data = new Uint8ClampedArray(job.pixels);
        const out = await encode({ data, width: job.width, height: job.height }, job.options);
        return { data: ownBuffer(new Uint8Array(out)), width: 0, height: 0 };
      } catch (err) {
        throw codecError('jxl', err);
      }
    }
  }
}

const port = parentPort;
if (port) {
  port.on('message', (req: CodecRequest) => {
    perform(req).then(
      (result) => port.postMessage({ id: req.id, ok: true, result } satisfies CodecReply, [result.data]),
      (err: unknown) => {
        const failure = codecError('codec', err).failure;
        port.postMessage({ id: req.id, ok: false, failure } satisfies CodecReply);
      },
    );
  });
}

import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import type { App, AppResponse } from '../app/app.js';
import { buildApp, handlerOptionsFromConfig } from '../build.js';
import type { Config } from '../config/options.js';
import { generatePath } from '../path/generate.js';
import { parse } from '../path/parse.js';
import type { Params } from '../path/params.js';
import { createSigner } from '../path/signer.js';
import { createFetchHandler, createHandler, errorResponse } from '../server/handler.js';
import { createMemoryApp } from './memory.js';
import { optionsToConfig, type ImagorOptions } from './options.js';

/** A source image handed in by the program: a file path, the bytes, or a stream of them. */
export type ImageInput = string | Uint8Array | AsyncIterable<Uint8Array | string>;

export interface ProcessInit {
  /** request headers the pipeline sees (e.g. `Accept` for `-imagor-auto-webp`) */
  headers?: Record<string, string>;
  /** aborts the call (it then answers 499) */
  signal?: AbortSignal;
}

/** What the server would answer, with the body always present (empty for bodiless answers). */
export interface ImagorResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface CreateImagorInit {
  /** pino logger for warnings and errors; silent by default */
  logger?: Logger;
}

export interface Imagor {
  /** the effective configuration (defaults filled in) */
  readonly config: Readonly<Config>;
  /**
   * Processes an image.
   * - Without `input`, `path` is a whole imagor path (`fit-in/200x200/photo.jpg`) and the image comes from the
   *   configured loaders and storages. It needs no signature: it is signed here when unsafe mode is off
   *   (a path that starts with `unsafe/` or a signature is used as it is).
   * - With `input` (a file path, a Buffer/Uint8Array or a stream), `path` holds only the operations
   *   (`fit-in/100x100/filters:format(webp)`; an image name in it is ignored) and the bytes are processed
   *   from memory: nothing is written to any storage, nothing is cached.
   *
   * Resolves with the status, headers and body the server would send; errors are imagor's JSON answers
   * (`{"message":…,"status":…}`), never rejections.
   */
  process(path: string, input?: ImageInput, init?: ProcessInit): Promise<ImagorResult>;
  /** node:http request listener with the server's routes; mount it in http.createServer, Express, Connect… */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** Web `Request → Response` with the server's routes (Hono, Bun.serve, Deno.serve, Fastify via adapters) */
  readonly fetch: (request: Request) => Promise<Response>;
  /** waits for background storage writes to finish */
  close(): Promise<void>;
}

/**
 * An imagor server inside a Node program, configured with the CLI's flags as an object:
 *
 * ```ts
 * const imagor = createImagor({ 'imagor-unsafe': true, 'file-loader-base-dir': './images' });
 * const { status, headers, body } = await imagor.process('fit-in/100x100/filters:format(webp)', buffer);
 * ```
 */
export function createImagor(options: ImagorOptions = {}, init: CreateImagorInit = {}): Imagor {
  const config = optionsToConfig(options);
  const logger = init.logger ?? pino({ level: 'silent' });
  const app = buildApp(config, logger);
  const signer = createSigner({
    secret: config['imagor-secret'],
    type: config['imagor-signer-type'],
    truncate: config['imagor-signer-truncate'],
  });
  /** A path the program built is trusted: `unsafe/` in unsafe mode, else signed with the configured secret. */
  const authorize = (p: string): string =>
    config['imagor-unsafe'] ? 'unsafe/' + p : signer.sign(p) + '/' + p;
  const memory = createMemoryApp(config, logger, app, authorize);

  const handlerOptions = handlerOptionsFromConfig(config, app, logger);
  const handler = createHandler(handlerOptions);
  const fetchHandler = createFetchHandler(handlerOptions);
  let counter = 0;

  async function run(target: App, urlPath: string, init: ProcessInit): Promise<ImagorResult> {
    const headers: IncomingHttpHeaders = {};
    for (const [k, v] of Object.entries(init.headers ?? {})) headers[k.toLowerCase()] = v;
    let r: AppResponse;
    try {
      r = await target.handle({
        method: 'GET',
        path: '/' + urlPath,
        headers,
        signal: init.signal ?? new AbortController().signal,
      });
    } catch (err) {
      r = errorResponse(err, config['imagor-disable-error-body']);
    }
    return { status: r.status, headers: r.headers, body: r.body ?? Buffer.alloc(0) };
  }

  return {
    config,
    handler,
    fetch: (request) => fetchHandler(request),
    async process(urlPath, input, init = {}) {
      const trimmed = urlPath.replace(/^\/+/, '');
      if (input === undefined) {
        const p = parse(trimmed);
        return run(app, p.unsafe || p.hash || p.params ? trimmed : authorize(trimmed), init);
      }
      const data = await readInput(input);
      const name = typeof input === 'string' ? path.basename(input) : 'image';
      const key = `memory-${++counter}/${name}`;
      const ops = parse(trimmed.startsWith('unsafe/') ? trimmed : 'unsafe/' + trimmed);
      const p: Params = { ...ops, image: key };
      delete p.base64_image;
      const release = memory.put(key, data);
      try {
        return await run(memory.app, 'unsafe/' + generatePath(p), init);
      } finally {
        release();
      }
    },
    async close() {
      await Promise.all([app.idle(), memory.app.idle()]);
    },
  };
}

async function readInput(input: ImageInput): Promise<Buffer> {
  if (typeof input === 'string') return readFile(input);
  if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const chunks: Buffer[] = [];
  for await (const chunk of input)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

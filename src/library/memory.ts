import type { Logger } from 'pino';
import { ImageBlob } from '../blob.js';
import { createApp, type App } from '../app/app.js';
import type { Config } from '../config/options.js';
import { ImagorError } from '../errors.js';
import { generatePath } from '../path/generate.js';
import { createProcessor } from '../processor/process.js';
import type { LoadContext, Loader } from '../types.js';
import { VERSION } from '../version.js';

/**
 * The app behind `imagor.process(path, input)`: the configured processor, limits and response headers,
 * with an in-memory loader in front (one entry per call, removed when the call ends) and no storages or
 * result storages, so bytes handed in by the program are never written anywhere. Images that filters load
 * (watermark, image()) come from the configured loaders and storages through the main app.
 *
 * TODO(lead): once `BuildExtras` in build.ts accepts extra loaders and can leave storages out, this is
 * `buildApp(config, logger, { loaders: [loader], storages: false })` and the mapping below goes away.
 */
export interface MemoryApp {
  app: App;
  /** makes the bytes loadable under the key until the returned function is called */
  put(key: string, data: Buffer): () => void;
}

export function createMemoryApp(
  config: Config,
  logger: Logger,
  main: App,
  authorize: (path: string) => string,
): MemoryApp {
  const entries = new Map<string, Buffer>();

  const loader: Loader = {
    name: 'memory',
    async get(key: string, ctx: LoadContext): Promise<ImageBlob> {
      const data = entries.get(key);
      if (data !== undefined) return new ImageBlob(data);
      // anything else (watermark images, image() sources) as the server would load it, unprocessed
      const path = authorize(generatePath({ image: key, filters: [{ name: 'raw' }] }));
      const r = await main.handle({
        method: 'GET',
        path: '/' + path,
        headers: ctx.headers,
        signal: ctx.signal,
      });
      if (r.status !== 200 || r.body === undefined) throw new ImagorError(r.status, `cannot load ${key}`);
      return new ImageBlob(r.body, { contentType: r.headers['Content-Type'] });
    },
  };

  const orDefault = (v: number, d: number): number => (v > 0 ? v : d);
  const csv = (s: string): string[] =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '');
  const processor = createProcessor({
    maxWidth: orDefault(config['vips-max-width'], 9999),
    maxHeight: orDefault(config['vips-max-height'], 9999),
    maxResolution: orDefault(config['vips-max-resolution'], 81_000_000),
    unlimited: config['vips-unlimited'],
    maxAnimationFrames: config['vips-max-animation-frames'],
    maxFilterOps: config['vips-max-filter-ops'],
    disableBlur: config['vips-disable-blur'],
    disableFilters: csv(config['vips-disable-filters']),
    avifSpeed: config['vips-avif-speed'],
    mozjpeg: config['vips-mozjpeg'],
    stripMetadata: config['vips-strip-metadata'],
    stripColorProfile: config['vips-strip-color-profile'],
    concurrency: config['vips-concurrency'],
  });

  const app = createApp({
    version: VERSION,
    // the program is trusted: its paths are built by process() and never come from a client
    unsafe: true,
    signer: { sign: () => '', verify: () => false },
    loaders: [loader],
    storages: [],
    resultStorages: [],
    processor,
    baseParams: config['imagor-base-params'],
    autoWebp: config['imagor-auto-webp'],
    autoAvif: config['imagor-auto-avif'],
    autoJpeg: config['imagor-auto-jpeg'],
    cache: {
      ttlMs: config['imagor-cache-header-ttl'],
      swrMs: config['imagor-cache-header-swr'],
      noCache: config['imagor-cache-header-no-cache'],
    },
    requestTimeoutMs: orDefault(config['imagor-request-timeout'], 30_000),
    loadTimeoutMs: orDefault(config['imagor-load-timeout'], 20_000),
    saveTimeoutMs: orDefault(config['imagor-save-timeout'], 20_000),
    processTimeoutMs: orDefault(config['imagor-process-timeout'], 20_000),
    processConcurrency: config['imagor-process-concurrency'],
    processQueueSize: config['imagor-process-queue-size'],
    storagePathStyle: 'original',
    resultStoragePathStyle: 'original',
    modifiedTimeCheck: false,
    disableParamsEndpoint: config['imagor-disable-params-endpoint'],
    responseRawOnError: config['imagor-response-raw-on-error'],
    basePathRedirect: '',
    logger,
  });

  return {
    app,
    put(key, data) {
      entries.set(key, data);
      return () => entries.delete(key);
    },
  };
}

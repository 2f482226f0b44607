import type { Logger } from 'pino';
import { createApp, type App, type AppHooks } from './app/app.js';
import type { HandlerOptions } from './server/handler.js';
import type { Config } from './config/options.js';
import { createHttpLoader } from './loader/http.js';
import { createSigner } from './path/signer.js';
import { createProcessor } from './processor/process.js';
import { createHandler } from './server/handler.js';
import { startServer, type RunningServer } from './server/server.js';
import { createFileStorage } from './storage/file.js';
import type { Loader, Storage } from './types.js';
import { VERSION } from './version.js';

const csv = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');

/** Go-style octal permission string (`0755`) → number. */
const perm = (s: string, fallback: number): number => {
  const n = parseInt(s, 8);
  return Number.isFinite(n) ? n : fallback;
};

/** The only place that turns configuration into loaders, storages, the processor and the signer. */
export function buildApp(config: Config, logger: Logger, extras: BuildExtras = {}): App {
  const loaders: Loader[] = [];
  const storages: Storage[] = [];
  const resultStorages: Storage[] = [];
  const fileSafe = config['file-safe-chars'];

  if (config['file-loader-base-dir']) {
    loaders.push(
      createFileStorage({
        name: 'file-loader',
        baseDir: config['file-loader-base-dir'],
        pathPrefix: config['file-loader-path-prefix'],
        safeChars: fileSafe,
      }),
    );
  }
  if (config['file-storage-base-dir']) {
    storages.push(
      createFileStorage({
        name: 'file-storage',
        baseDir: config['file-storage-base-dir'],
        pathPrefix: config['file-storage-path-prefix'],
        safeChars: fileSafe,
        mkdirPermission: perm(config['file-storage-mkdir-permission'], 0o755),
        writePermission: perm(config['file-storage-write-permission'], 0o666),
        expirationMs: config['file-storage-expiration'],
      }),
    );
  }
  if (config['file-result-storage-base-dir']) {
    resultStorages.push(
      createFileStorage({
        name: 'file-result-storage',
        baseDir: config['file-result-storage-base-dir'],
        pathPrefix: config['file-result-storage-path-prefix'],
        safeChars: fileSafe,
        mkdirPermission: perm(config['file-result-storage-mkdir-permission'], 0o755),
        writePermission: perm(config['file-result-storage-write-permission'], 0o666),
        expirationMs: config['file-result-storage-expiration'],
      }),
    );
  }
  if (!config['http-loader-disable']) {
    loaders.push(
      createHttpLoader({
        allowedSources: csv(config['http-loader-allowed-sources']),
        allowedSourceRegexp: config['http-loader-allowed-source-regexp'],
        baseUrl: config['http-loader-base-url'],
        defaultScheme: config['http-loader-default-scheme'],
        accept: config['http-loader-accept'],
        maxAllowedSize: config['http-loader-max-allowed-size'],
        forwardHeaders: csv(config['http-loader-forward-headers']),
        forwardClientHeaders:
          config['http-loader-forward-client-headers'] || config['http-loader-forward-all-headers'],
        overrideResponseHeaders: csv(config['http-loader-override-response-headers']),
        insecureSkipVerify: config['http-loader-insecure-skip-verify-transport'],
        proxyUrls: csv(config['http-loader-proxy-urls']),
        proxyAllowedSources: csv(config['http-loader-proxy-allowed-sources']),
        blockLoopbackNetworks: config['http-loader-block-loopback-networks'],
        blockPrivateNetworks: config['http-loader-block-private-networks'],
        blockLinkLocalNetworks: config['http-loader-block-link-local-networks'],
        blockNetworks: csv(config['http-loader-block-networks']),
        userAgent: `imagor/${VERSION}`,
      }),
    );
  }

  const orDefault = (v: number, d: number): number => (v > 0 ? v : d);
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

  const signer = createSigner({
    secret: config['imagor-secret'],
    type: config['imagor-signer-type'],
    truncate: config['imagor-signer-truncate'],
  });
  const resultStyle = config['imagor-result-storage-path-style'];
  return createApp({
    version: VERSION,
    unsafe: config['imagor-unsafe'],
    signer,
    loaders,
    storages,
    resultStorages,
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
    storagePathStyle: config['imagor-storage-path-style'] === 'digest' ? 'digest' : 'original',
    resultStoragePathStyle:
      resultStyle === 'digest' || resultStyle === 'suffix' || resultStyle === 'size'
        ? resultStyle
        : 'original',
    modifiedTimeCheck: config['imagor-modified-time-check'],
    disableParamsEndpoint: config['imagor-disable-params-endpoint'],
    responseRawOnError: config['imagor-response-raw-on-error'],
    basePathRedirect: config['imagor-base-path-redirect'],
    logger,
    ...(extras.hooks ? { hooks: extras.hooks } : {}),
  });
}

export interface BuiltServer extends RunningServer {
  app: App;
}

/** Observability wiring supplied by the caller (metrics). */
export interface BuildExtras {
  hooks?: AppHooks;
  onResponse?: HandlerOptions['onResponse'];
}

export async function buildServer(
  config: Config,
  logger: Logger,
  extras: BuildExtras = {},
): Promise<BuiltServer> {
  const app = buildApp(config, logger, extras);
  const handler = createHandler({
    app,
    logger,
    pathPrefix: config['server-path-prefix'],
    cors: config['server-cors'],
    stripQueryString: config['server-strip-query-string'],
    accessLog: config['server-access-log'],
    disableErrorBody: config['imagor-disable-error-body'],
    ...(extras.onResponse ? { onResponse: extras.onResponse } : {}),
  });
  const running = await startServer(handler, {
    bind: config['bind'],
    address: config['server-address'],
    port: config['port'],
  });
  return {
    ...running,
    app,
    close: async (graceMs?: number) => {
      await running.close(graceMs);
      await app.idle();
    },
  };
}

import type { Logger } from 'pino';
import os from 'node:os';
import { createApp, type App, type AppHooks, type AppOptions } from './app/app.js';
import { coresPerWorker } from './app/capacity.js';
import type { HandlerOptions } from './server/handler.js';
import { playgroundOptions } from './server/playground.js';
import type { Config } from './config/options.js';
import { createHttpLoader } from './loader/http.js';
import { createSigner } from './path/signer.js';
import { faceDetectorFromConfig } from './faces/config.js';
import { createProcessor } from './processor/process.js';
import type { CacheForm } from './processor/cache/decoded.js';
import { configureVips } from './processor/vips.js';
import { exposedGc, loadMallocTrim, trimAfterProcessing } from './processor/heap-trim.js';
import { createHandler } from './server/handler.js';
import { startServer, type RunningServer } from './server/server.js';
import { createFileStorage } from './storage/file.js';
import { createGcsStorage } from './storage/gcs.js';
import { createS3Storage, type S3StorageOptions } from './storage/s3.js';
import { createS3RouterLoader, readBucketRouterConfig } from './storage/s3-router.js';
import { createUploadLoader } from './loader/upload.js';
import type { Loader, Processor, Storage } from './types.js';
import { VERSION } from './version.js';
import { recordingHooks } from './observability/request-log.js';

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
  const fault = extras.fileWriteFault;

  // Loader order (spec §6.1): S3, GCS, file, upload (POST only), HTTP last.
  // Storage order: S3, GCS, file.
  const s3Safe = config['s3-safe-chars'];
  const s3StorageClass = config['s3-storage-class'];
  if (config['s3-loader-bucket-router-config']) {
    // the router replaces the single-bucket S3 loader; a bad file throws BucketRouterConfigError
    if (config['s3-loader-bucket']) {
      logger.warn('-s3-loader-bucket is ignored: -s3-loader-bucket-router-config routes the S3 loader');
    }
    loaders.push(
      createS3RouterLoader({
        name: 's3-loader',
        router: readBucketRouterConfig(config['s3-loader-bucket-router-config']),
        baseDir: config['s3-loader-base-dir'],
        pathPrefix: config['s3-loader-path-prefix'],
        safeChars: s3Safe,
        clientConfig: s3ClientConfig(config, 'loader'),
      }),
    );
  } else if (config['s3-loader-bucket']) {
    loaders.push(
      createS3Storage({
        name: 's3-loader',
        bucket: config['s3-loader-bucket'],
        baseDir: config['s3-loader-base-dir'],
        pathPrefix: config['s3-loader-path-prefix'],
        safeChars: s3Safe,
        clientConfig: s3ClientConfig(config, 'loader'),
      }),
    );
  }
  if (config['gcloud-loader-bucket']) {
    loaders.push(
      createGcsStorage({
        name: 'gcloud-loader',
        bucket: config['gcloud-loader-bucket'],
        baseDir: config['gcloud-loader-base-dir'],
        pathPrefix: config['gcloud-loader-path-prefix'],
        safeChars: config['gcloud-safe-chars'],
      }),
    );
  }
  if (config['s3-storage-bucket']) {
    storages.push(
      createS3Storage({
        name: 's3-storage',
        bucket: config['s3-storage-bucket'],
        baseDir: config['s3-storage-base-dir'],
        pathPrefix: config['s3-storage-path-prefix'],
        safeChars: s3Safe,
        acl: config['s3-storage-acl'],
        tagging: config['s3-storage-tagging'],
        storageClass: s3StorageClass,
        expirationMs: config['s3-storage-expiration'],
        clientConfig: s3ClientConfig(config, 'storage'),
      }),
    );
  }
  if (config['gcloud-storage-bucket']) {
    storages.push(
      createGcsStorage({
        name: 'gcloud-storage',
        bucket: config['gcloud-storage-bucket'],
        baseDir: config['gcloud-storage-base-dir'],
        pathPrefix: config['gcloud-storage-path-prefix'],
        safeChars: config['gcloud-safe-chars'],
        acl: config['gcloud-storage-acl'],
        expirationMs: config['gcloud-storage-expiration'],
      }),
    );
  }
  if (config['s3-result-storage-bucket']) {
    resultStorages.push(
      createS3Storage({
        name: 's3-result-storage',
        bucket: config['s3-result-storage-bucket'],
        baseDir: config['s3-result-storage-base-dir'],
        pathPrefix: config['s3-result-storage-path-prefix'],
        safeChars: s3Safe,
        acl: config['s3-result-storage-acl'],
        tagging: config['s3-result-storage-tagging'],
        storageClass: s3StorageClass,
        expirationMs: config['s3-result-storage-expiration'],
        clientConfig: s3ClientConfig(config, 'result-storage'),
      }),
    );
  }
  if (config['gcloud-result-storage-bucket']) {
    resultStorages.push(
      createGcsStorage({
        name: 'gcloud-result-storage',
        bucket: config['gcloud-result-storage-bucket'],
        baseDir: config['gcloud-result-storage-base-dir'],
        pathPrefix: config['gcloud-result-storage-path-prefix'],
        safeChars: config['gcloud-safe-chars'],
        acl: config['gcloud-result-storage-acl'],
        expirationMs: config['gcloud-result-storage-expiration'],
      }),
    );
  }

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
  if (config['file-storage-base-dir']) storages.push(fileStorageFromConfig(config, 'storage', fault));
  if (config['file-result-storage-base-dir']) {
    resultStorages.push(fileStorageFromConfig(config, 'result-storage', fault));
  }

  const upload = config['upload-loader-enable']
    ? createUploadLoader({
        maxAllowedSize: config['upload-loader-max-allowed-size'],
        accept: config['upload-loader-accept'],
        formFieldName: config['upload-loader-form-field-name'],
      })
    : undefined;
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

  return createApp({
    ...appOptionsFromConfig(config, logger),
    signer: explainingSigner(
      createSigner({
        secret: config['imagor-secret'],
        type: config['imagor-signer-type'],
        truncate: config['imagor-signer-truncate'],
      }),
      logger,
    ),
    loaders,
    storages,
    resultStorages,
    hooks: recordingHooks(extras.hooks, logger),
    ...(upload ? { upload } : {}),
  });
}

/**
 * With `-debug`, a signature mismatch logs the path that was signed and the hash the server expected
 * (as imagor does), so a client's signing code can be checked. The secret itself is never logged.
 */
function explainingSigner(
  signer: { sign(path: string): string; verify(path: string, hash: string): boolean },
  logger: Logger,
): { sign(path: string): string; verify(path: string, hash: string): boolean } {
  return {
    sign: (path) => signer.sign(path),
    verify(path, hash) {
      const ok = signer.verify(path, hash);
      if (!ok && logger.isLevelEnabled('debug')) {
        logger.debug({ signedPath: path, hash, expected: signer.sign(path) }, 'url signature mismatch');
      }
      return ok;
    },
  };
}

const orDefault = (v: number, d: number): number => (v > 0 ? v : d);

/** `-vips-cache-format`: png or webp; anything else (pixel, '') keeps raw pixels, as imagor reads it. */
function cacheForm(v: string): CacheForm {
  const f = v.trim().toLowerCase();
  return f === 'png' || f === 'webp' ? f : 'pixel';
}

/** The sharp processor as the -vips-* flags describe it (0 limits mean imagor's defaults). */
export function processorFromConfig(config: Config): Processor {
  configureVips({
    concurrency: config['vips-concurrency'],
    maxCacheFiles: config['vips-max-cache-files'],
    maxCacheSize: config['vips-max-cache-size'],
    maxCacheMem: config['vips-max-cache-mem'],
  });
  const processor = createProcessor({
    maxWidth: orDefault(config['vips-max-width'], 9999),
    maxHeight: orDefault(config['vips-max-height'], 9999),
    maxResolution: orDefault(config['vips-max-resolution'], 81_000_000),
    unlimited: config['vips-unlimited'],
    maxAnimationFrames: config['vips-max-animation-frames'],
    maxAnimationPixels: config['vips-max-animation-pixels'],
    maxFilterOps: config['vips-max-filter-ops'],
    disableBlur: config['vips-disable-blur'],
    disableFilters: csv(config['vips-disable-filters']),
    avifSpeed: config['vips-avif-speed'],
    mozjpeg: config['vips-mozjpeg'],
    stripMetadata: config['vips-strip-metadata'],
    stripColorProfile: config['vips-strip-color-profile'],
    concurrency: config['vips-concurrency'],
    cache: {
      size: config['vips-cache-size'],
      maxWidth: orDefault(config['vips-cache-max-width'], 2400),
      maxHeight: orDefault(config['vips-cache-max-height'], 2000),
      ttl: config['vips-cache-ttl'],
      form: cacheForm(config['vips-cache-format']),
    },
    detector: faceDetectorFromConfig(config),
    detectorProbeSize: config['vips-detector-probe-size'],
  });
  const interval = config['vips-heap-trim-interval'];
  // without glibc's malloc_trim there is nothing to schedule: no wrapper on the request path
  const trim = interval > 0 ? loadMallocTrim() : undefined;
  if (!trim) return processor;
  return trimAfterProcessing(processor, interval, trim, exposedGc()).processor;
}

/** Everything of AppOptions that comes straight from flags; sources and the signer are added by the caller. */
export function appOptionsFromConfig(
  config: Config,
  logger: Logger,
): Omit<AppOptions, 'signer' | 'loaders' | 'storages' | 'resultStorages'> {
  const resultStyle = config['imagor-result-storage-path-style'];
  return {
    version: VERSION,
    unsafe: config['imagor-unsafe'],
    processor: processorFromConfig(config),
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
    cores: coresPerWorker(config['server-workers'], os.availableParallelism()),
    processQueueSize: config['imagor-process-queue-size'],
    uploadBytesInFlight: config['upload-loader-max-bytes-in-flight'],
    uploadBytesQueue: config['upload-loader-max-queue'],
    loadBytesInFlight: config['imagor-load-max-bytes-in-flight'],
    loadBytesQueue: config['imagor-load-max-queue'],
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
  };
}

/** `-file-storage-*` or `-file-result-storage-*` as a file storage (spec §5.5). */
function fileStorageFromConfig(
  config: Config,
  role: 'storage' | 'result-storage',
  fault: BuildExtras['fileWriteFault'],
): Storage {
  const name = `file-${role}` as const;
  return createFileStorage({
    name,
    baseDir: config[`${name}-base-dir`],
    pathPrefix: config[`${name}-path-prefix`],
    safeChars: config['file-safe-chars'],
    mkdirPermission: perm(config[`${name}-mkdir-permission`], 0o755),
    writePermission: perm(config[`${name}-write-permission`], 0o666),
    expirationMs: config[`${name}-expiration`],
    ...(fault ? { onWriteChunk: (written: number, total: number) => fault(name, written, total) } : {}),
  });
}

type S3Role = 'loader' | 'storage' | 'result-storage';

/**
 * Client settings of one S3 role (spec §5.6): the role's own region + key + secret replace the
 * global ones only when all three are set; the role endpoint beats `-s3-endpoint`. Without keys
 * the SDK's default credential chain is used (env, shared config/SSO, web identity, ECS/EC2 roles).
 */
export function s3ClientConfig(config: Config, role: S3Role): NonNullable<S3StorageOptions['clientConfig']> {
  const roleRegion = config[`aws-${role}-region`];
  const roleKey = config[`aws-${role}-access-key-id`];
  const roleSecret = config[`aws-${role}-secret-access-key`];
  const override = roleRegion !== '' && roleKey !== '' && roleSecret !== '';
  const region = override ? roleRegion : config['aws-region'];
  const key = override ? roleKey : config['aws-access-key-id'];
  const secret = override ? roleSecret : config['aws-secret-access-key'];
  const token = override ? config[`aws-${role}-session-token`] : config['aws-session-token'];
  const endpoint = config[`s3-${role}-endpoint`] || config['s3-endpoint'];
  const out: NonNullable<S3StorageOptions['clientConfig']> = {
    forcePathStyle: config['s3-force-path-style'],
    maxIdleConnsPerHost: config['s3-http-max-idle-conns-per-host'],
  };
  // S3-compatible services (MinIO, R2…) rarely care about the region, but the SDK insists on one.
  if (region !== '') out.region = region;
  else if (endpoint !== '' && !process.env['AWS_REGION'] && !process.env['AWS_DEFAULT_REGION'])
    out.region = 'us-east-1';
  if (endpoint !== '') out.endpoint = endpoint;
  if (key !== '' && secret !== '') {
    out.credentials =
      token !== ''
        ? { accessKeyId: key, secretAccessKey: secret, sessionToken: token }
        : { accessKeyId: key, secretAccessKey: secret };
  }
  return out;
}

export interface BuiltServer extends RunningServer {
  app: App;
}

/** Observability wiring supplied by the caller (metrics). */
export interface BuildExtras {
  hooks?: AppHooks;
  /**
   * Test-only fault injection: called after each chunk a file storage writes to its temporary
   * file (`storage` is `file-storage` or `file-result-storage`); throwing aborts that write.
   */
  fileWriteFault?: (storage: string, written: number, total: number) => void | Promise<void>;
  onResponse?: HandlerOptions['onResponse'];
  /** a listening socket handed over by the supervisor (src/cluster/listen-handle.ts) instead of the port */
  listenHandle?: object;
}

/** The HTTP layer's options (middleware chain, playground) as the flags describe them. */
export function handlerOptionsFromConfig(config: Config, app: App, logger: Logger): HandlerOptions {
  return {
    app,
    logger,
    pathPrefix: config['server-path-prefix'],
    cors: config['server-cors'],
    stripQueryString: config['server-strip-query-string'],
    accessLog: config['server-access-log'],
    disableErrorBody: config['imagor-disable-error-body'],
    playground: playgroundOptions(config),
  };
}

export async function buildServer(
  config: Config,
  logger: Logger,
  extras: BuildExtras = {},
): Promise<BuiltServer> {
  const app = buildApp(config, logger, extras);
  const handler = createHandler({
    ...handlerOptionsFromConfig(config, app, logger),
    ...(extras.onResponse ? { onResponse: extras.onResponse } : {}),
  });
  const running = await startServer(handler, {
    bind: config['bind'],
    address: config['server-address'],
    port: config['port'],
    ...(extras.listenHandle ? { handle: extras.listenHandle } : {}),
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

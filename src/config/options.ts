/**
 * The one table of every command-line flag. Flags, env vars, the `.env` config file, `-h` and the
 * README's option list are all derived from it, so a flag exists exactly when it is listed here.
 *
 * Names, kinds and defaults follow imagor v1.9.5 (spec §5). Durations are held in milliseconds.
 * `supported: false` marks flags we accept (so imagor configs keep working) but do not act on yet.
 */

export type OptionKind = 'string' | 'int' | 'float' | 'bool' | 'duration';

export type OptionGroup =
  | 'server'
  | 'observability'
  | 'imagor'
  | 'vips'
  | 'faces'
  | 'http-loader'
  | 'file'
  | 's3'
  | 'gcloud'
  | 'upload';

/** Section titles for `-h` and the README, in display order. */
export const GROUP_TITLES: Readonly<Record<OptionGroup, string>> = {
  server: 'Server',
  observability: 'Logging and metrics',
  imagor: 'imagor core',
  vips: 'libvips processor',
  faces: 'Face detector (imagorface)',
  'http-loader': 'HTTP loader',
  file: 'File loader, storage and result storage',
  s3: 'AWS S3 loader, storage and result storage',
  gcloud: 'Google Cloud Storage loader, storage and result storage',
  upload: 'Upload loader',
};

interface OptionBase {
  /** flag name without the leading dash */
  readonly name: string;
  readonly help: string;
  readonly group: OptionGroup;
  /** false: accepted and reported by the loader, but no feature acts on it yet */
  readonly supported: boolean;
  /** only settable on the command line (not from env or the config file) */
  readonly cliOnly?: boolean;
}

export type OptionSpec =
  | (OptionBase & { readonly kind: 'string'; readonly default: string })
  | (OptionBase & { readonly kind: 'int' | 'float'; readonly default: number })
  | (OptionBase & { readonly kind: 'bool'; readonly default: boolean })
  /** default in milliseconds */
  | (OptionBase & { readonly kind: 'duration'; readonly default: number });

const H = 3_600_000;

export const OPTIONS = [
  // §5.1 server
  {
    name: 'port',
    kind: 'int',
    default: 8000,
    group: 'server',
    supported: true,
    help: 'TCP port to listen on',
  },
  {
    name: 'bind',
    kind: 'string',
    default: '',
    group: 'server',
    supported: true,
    help: 'host:port to listen on, e.g. localhost:9000; takes precedence over -server-address and -port',
  },
  {
    name: 'server-address',
    kind: 'string',
    default: '',
    group: 'server',
    supported: true,
    help: 'interface address to listen on; empty listens on all interfaces',
  },
  {
    name: 'server-path-prefix',
    kind: 'string',
    default: '',
    group: 'server',
    supported: true,
    help: 'URL path prefix under which all endpoints are served',
  },
  {
    name: 'server-cors',
    kind: 'bool',
    default: false,
    group: 'server',
    supported: true,
    help: 'send permissive CORS headers',
  },
  {
    name: 'server-strip-query-string',
    kind: 'bool',
    default: false,
    group: 'server',
    supported: true,
    help: 'redirect (307) requests carrying a query string to the same path without it',
  },
  {
    name: 'server-access-log',
    kind: 'bool',
    default: false,
    group: 'server',
    supported: true,
    help: 'log one line per request',
  },
  {
    name: 'gomaxprocs',
    kind: 'int',
    default: 0,
    group: 'server',
    supported: true,
    help: 'Go runtime thread limit in imagor; accepted for compatibility and ignored here',
  },
  {
    name: 'server-workers',
    kind: 'int',
    default: 1,
    group: 'server',
    supported: true,
    help: 'number of worker processes; 0 = one per CPU core (extension)',
  },
  {
    name: 'server-worker-max-memory',
    kind: 'int',
    default: 768 * 1024 * 1024,
    group: 'server',
    supported: true,
    help: 'replace a worker whose resident memory stays above this many bytes for 3 s: a new worker starts, then the old one finishes its requests and exits; 0 = no ceiling (extension)',
  },
  {
    name: 'playground',
    kind: 'string',
    default: '',
    group: 'server',
    supported: true,
    help: 'URL path at which to also serve the interactive URL playground (always at / in unsafe mode unless -imagor-base-path-redirect is set) (extension)',
  },
  {
    name: 'config',
    kind: 'string',
    default: '.env',
    group: 'server',
    supported: true,
    help: 'file of KEY=VALUE lines (env-style names) to read settings from; a missing file is ignored',
  },
  {
    name: 'version',
    kind: 'bool',
    default: false,
    group: 'server',
    supported: true,
    cliOnly: true,
    help: 'print the version and exit',
  },

  // §5.1 observability
  {
    name: 'debug',
    kind: 'bool',
    default: false,
    group: 'observability',
    supported: true,
    help: 'verbose, human-readable logging',
  },
  {
    name: 'log-ecs',
    kind: 'bool',
    default: false,
    group: 'observability',
    supported: true,
    help: 'write logs as Elastic Common Schema JSON',
  },
  {
    name: 'sentry-dsn',
    kind: 'string',
    default: '',
    group: 'observability',
    supported: true,
    help: 'Sentry DSN; error logs become Sentry events',
  },
  {
    name: 'prometheus-bind',
    kind: 'string',
    default: '',
    group: 'observability',
    supported: true,
    help: 'host:port of a separate listener for Prometheus metrics, e.g. :5000; empty disables metrics',
  },
  {
    name: 'prometheus-path',
    kind: 'string',
    default: '/',
    group: 'observability',
    supported: true,
    help: 'path of the Prometheus metrics endpoint',
  },
  {
    name: 'prometheus-namespace',
    kind: 'string',
    default: 'imagor',
    group: 'observability',
    supported: true,
    help: 'prefix of the Prometheus metric names',
  },

  // §5.2 imagor core
  {
    name: 'imagor-secret',
    kind: 'string',
    default: '',
    group: 'imagor',
    supported: true,
    help: 'HMAC key used to sign and verify image URLs',
  },
  {
    name: 'imagor-unsafe',
    kind: 'bool',
    default: false,
    group: 'imagor',
    supported: true,
    help: 'accept unsigned URLs under unsafe/ (anyone can request any transformation)',
  },
  {
    name: 'imagor-signer-type',
    kind: 'string',
    default: 'sha1',
    group: 'imagor',
    supported: true,
    help: 'HMAC hash for URL signatures: sha1, sha256 or sha512',
  },
  {
    name: 'imagor-signer-truncate',
    kind: 'int',
    default: 0,
    group: 'imagor',
    supported: true,
    help: 'cut URL signatures to this many characters; 0 keeps them whole',
  },
  {
    name: 'imagor-auto-webp',
    kind: 'bool',
    default: false,
    group: 'imagor',
    supported: true,
    help: 'answer with WebP when the Accept header allows it and no format is forced',
  },
  {
    name: 'imagor-auto-avif',
    kind: 'bool',
    default: false,
    group: 'imagor',
    supported: true,
    help: 'answer with AVIF when the Accept header allows it and no format is forced',
  },
  {
    name: 'imagor-auto-jpeg',
    kind: 'bool',
    default: false,
    group: 'imagor',
    supported: true,
    help: 'answer with JPEG when no other format is forced or negotiated',
  },
  {
    name: 'imagor-request-timeout',
    kind: 'duration',
    default: 30_000,
    group: 'imagor',
    supported: true,
    help: 'time limit for a whole request',
  },
  {
    name: 'imagor-load-timeout',
    kind: 'duration',
    default: 0,
    group: 'imagor',
    supported: true,
    help: 'time limit for loading a source image; 0 = 20s',
  },
  {
    name: 'imagor-save-timeout',
    kind: 'duration',
    default: 0,
    group: 'imagor',
    supported: true,
    help: 'time limit for writing to a storage; 0 = 20s',
  },
  {
    name: 'imagor-process-timeout',
    kind: 'duration',
    default: 0,
    group: 'imagor',
    supported: true,
    help: 'time limit for processing one image; 0 = 20s',
  },
  {
    name: 'imagor-process-concurrency',
    kind: 'int',
    default: -1,
    group: 'imagor',
    supported: true,
    help: 'how many images may be processed at once; -1 = no limit',
  },
  {
    name: 'imagor-process-queue-size',
    kind: 'int',
    default: 0,
    group: 'imagor',
    supported: true,
    help: 'how many requests may wait for a processing slot; more are refused with 429',
  },
  {
    name: 'imagor-load-max-bytes-in-flight',
    kind: 'int',
    default: 268435456,
    group: 'imagor',
    supported: true,
    help: 'bytes of loaded sources (HTTP, S3, GCS and file bodies) one worker holds at once; a load beyond it waits for bytes to come back, a body larger than all of it is 400; 0 = no cap (extension)',
  },
  {
    name: 'imagor-load-max-queue',
    kind: 'int',
    default: 64,
    group: 'imagor',
    supported: true,
    help: 'loads waiting for that byte budget; one more answers 429 (extension)',
  },
  {
    name: 'imagor-cache-header-ttl',
    kind: 'duration',
    default: 168 * H,
    group: 'imagor',
    supported: true,
    help: 'max-age of the Cache-Control header on successful images',
  },
  {
    name: 'imagor-cache-header-swr',
    kind: 'duration',
    default: 24 * H,
    group: 'imagor',
    supported: true,
    help: 'stale-while-revalidate of the Cache-Control header on successful images',
  },
  {
    name: 'imagor-cache-header-no-cache',
    kind: 'bool',
    default: false,
    group: 'imagor',
    supported: true,
    help: 'send Cache-Control: no-cache on successful images',
  },
  {
    name: 'imagor-base-path-redirect',
    kind: 'string',
    default: '',
    group: 'imagor',
    supported: true,
    help: 'redirect requests for / to this URL',
  },
  {
    name: 'imagor-base-params',
    kind: 'string',
    default: '',
    group: 'imagor',
    supported: true,
    help: 'URL parameters applied on top of every request, e.g. filters:watermark(logo.png)',
  },
  {
    name: 'imagor-modified-time-check',
    kind: 'bool',
    default: false,
    group: 'imagor',
    supported: true,
    help: 'treat a stored result older than its source as stale (costs extra lookups)',
  },
  {
    name: 'imagor-disable-error-body',
    kind: 'bool',
    default: false,
    group: 'imagor',
    supported: true,
    help: 'send errors without a body',
  },
  {
    name: 'imagor-disable-params-endpoint',
    kind: 'bool',
    default: false,
    group: 'imagor',
    supported: true,
    help: 'turn off the /params endpoint',
  },
  {
    name: 'imagor-response-raw-on-error',
    kind: 'bool',
    default: false,
    group: 'imagor',
    supported: true,
    help: 'when processing fails, answer with the unprocessed source image',
  },
  {
    name: 'imagor-storage-path-style',
    kind: 'string',
    default: 'original',
    group: 'imagor',
    supported: true,
    help: 'key layout in the source storage: original or digest',
  },
  {
    name: 'imagor-result-storage-path-style',
    kind: 'string',
    default: 'original',
    group: 'imagor',
    supported: true,
    help: 'key layout in the result storage: original, digest, suffix or size',
  },

  // §5.3 libvips processor
  {
    name: 'vips-concurrency',
    kind: 'int',
    default: 1,
    group: 'vips',
    supported: true,
    help: 'libvips threads per operation; -1 = number of CPU cores',
  },
  {
    name: 'vips-heap-trim-interval',
    kind: 'duration',
    default: 5_000,
    group: 'vips',
    supported: true,
    help: 'under load, hand free C-heap pages back to the system at most this often; an idle worker does it after 1s (glibc); 0 = never (extension)',
  },
  {
    name: 'vips-max-width',
    kind: 'int',
    default: 0,
    group: 'vips',
    supported: true,
    help: 'largest image width in pixels, of the source and of the output (422 beyond it); 0 = 9999',
  },
  {
    name: 'vips-max-height',
    kind: 'int',
    default: 0,
    group: 'vips',
    supported: true,
    help: 'largest image height in pixels (one frame), of the source and of the output (422 beyond it); 0 = 9999',
  },
  {
    name: 'vips-max-resolution',
    kind: 'int',
    default: 0,
    group: 'vips',
    supported: true,
    help: 'largest source image in pixels (width x height); 0 = 81000000',
  },
  {
    name: 'vips-unlimited',
    kind: 'bool',
    default: false,
    group: 'vips',
    supported: true,
    help: 'lift libvips safety limits on decoding (trusted sources only)',
  },
  {
    name: 'vips-max-animation-frames',
    kind: 'int',
    default: -1,
    group: 'vips',
    supported: true,
    help: 'most frames of an animation to load; 1 disables animation, -1 = no limit',
  },
  {
    name: 'vips-max-animation-pixels',
    kind: 'int',
    default: 32000000,
    group: 'vips',
    supported: true,
    help: 'most pixels of all frames of an animation together, checked before any frame is resized (422 beyond it; -vips-unlimited lifts it) (extension)',
  },
  {
    name: 'vips-max-filter-ops',
    kind: 'int',
    default: -1,
    group: 'vips',
    supported: true,
    help: 'most filters allowed in one URL; -1 = no limit',
  },
  {
    name: 'vips-disable-blur',
    kind: 'bool',
    default: false,
    group: 'vips',
    supported: true,
    help: 'ignore the blur and sharpen filters',
  },
  {
    name: 'vips-disable-filters',
    kind: 'string',
    default: '',
    group: 'vips',
    supported: true,
    help: 'comma-separated filter names to ignore, e.g. blur,watermark',
  },
  {
    name: 'vips-mozjpeg',
    kind: 'bool',
    default: false,
    group: 'vips',
    supported: true,
    help: 'encode JPEG with mozjpeg settings (smaller files, slower)',
  },
  {
    name: 'vips-avif-speed',
    kind: 'int',
    default: 8,
    group: 'vips',
    supported: true,
    help: 'AVIF encoder speed from 0 (smallest) to 9 (fastest)',
  },
  {
    name: 'vips-strip-color-profile',
    kind: 'bool',
    default: false,
    group: 'vips',
    supported: true,
    help: 'drop embedded ICC colour profiles from output',
  },
  {
    name: 'vips-strip-metadata',
    kind: 'bool',
    default: false,
    group: 'vips',
    supported: true,
    help: 'drop EXIF, XMP and other metadata from output',
  },
  {
    name: 'vips-vector',
    kind: 'int',
    default: 0,
    group: 'vips',
    supported: false,
    help: 'libvips SIMD bitmask in imagor (sharp starts libvips before flags are read)',
  },
  {
    name: 'vips-detector-probe-size',
    kind: 'int',
    default: 400,
    group: 'vips',
    supported: true,
    help: 'longest side in pixels of the downscaled copy the detector runs on (with -face-detector)',
  },
  {
    name: 'vips-max-cache-files',
    kind: 'int',
    default: 0,
    group: 'vips',
    supported: true,
    help: 'libvips operation cache: most open files',
  },
  {
    name: 'vips-max-cache-size',
    kind: 'int',
    default: 0,
    group: 'vips',
    supported: true,
    help: 'libvips operation cache: most cached operations',
  },
  {
    name: 'vips-max-cache-mem',
    kind: 'int',
    default: 0,
    group: 'vips',
    supported: true,
    help: 'libvips operation cache: most memory in bytes',
  },
  {
    name: 'vips-cache-size',
    kind: 'int',
    default: 0,
    group: 'vips',
    supported: true,
    help: 'bytes of memory for the decoded-image cache (previews, overlays); 0 disables it',
  },
  {
    name: 'vips-cache-max-width',
    kind: 'int',
    default: 2400,
    group: 'vips',
    supported: true,
    help: 'decoded-image cache: images are shrunk to at most this width',
  },
  {
    name: 'vips-cache-max-height',
    kind: 'int',
    default: 2000,
    group: 'vips',
    supported: true,
    help: 'decoded-image cache: images are shrunk to at most this height',
  },
  {
    name: 'vips-cache-ttl',
    kind: 'duration',
    default: 0,
    group: 'vips',
    supported: true,
    help: 'decoded-image cache: entry lifetime; 0 = until evicted',
  },
  {
    name: 'vips-cache-format',
    kind: 'string',
    default: 'pixel',
    group: 'vips',
    supported: true,
    help: 'decoded-image cache: storage form, pixel, png or webp',
  },

  // imagorface's face detector (docs/faces.md)
  {
    name: 'face-detector',
    kind: 'bool',
    default: false,
    group: 'faces',
    supported: true,
    help: 'enable face detection: smart crops around faces, draw_detections(), redact(), redact_oval(), /meta detected_regions',
  },
  {
    name: 'face-detector-min-size',
    kind: 'int',
    default: 20,
    group: 'faces',
    supported: true,
    help: 'minimum face size in pixels on the probe image',
  },
  {
    name: 'face-detector-max-size',
    kind: 'int',
    default: 400,
    group: 'faces',
    supported: true,
    help: 'maximum face size in pixels on the probe image',
  },
  {
    name: 'face-detector-min-quality',
    kind: 'float',
    default: 5,
    group: 'faces',
    supported: true,
    help: 'minimum detection quality; lower finds more candidates, higher fewer false positives',
  },
  {
    name: 'face-detector-iou-threshold',
    kind: 'float',
    default: 0.2,
    group: 'faces',
    supported: true,
    help: 'intersection-over-union above which overlapping hits are merged into one face',
  },
  {
    name: 'face-detector-cache-size',
    kind: 'int',
    default: 0,
    group: 'faces',
    supported: true,
    help: 'detection results cached, one per source image path; 0 = no cache',
  },
  {
    name: 'face-detector-cache-ttl',
    kind: 'duration',
    default: 0,
    group: 'faces',
    supported: true,
    help: 'age after which a cached detection is redone; 0 = never',
  },
  {
    name: 'face-detector-cascade',
    kind: 'string',
    default: '',
    group: 'faces',
    supported: true,
    help: 'PICO cascade file to detect with instead of the bundled facefinder (extension)',
  },
  // §5.4 HTTP loader
  {
    name: 'http-loader-disable',
    kind: 'bool',
    default: false,
    group: 'http-loader',
    supported: true,
    help: 'do not load source images over HTTP(S)',
  },
  {
    name: 'http-loader-allowed-sources',
    kind: 'string',
    default: '',
    group: 'http-loader',
    supported: true,
    help: 'comma-separated host patterns that may be loaded, e.g. *.example.com; empty allows all',
  },
  {
    name: 'http-loader-allowed-source-regexp',
    kind: 'string',
    default: '',
    group: 'http-loader',
    supported: true,
    help: 'regular expression on the full source URL; a match also allows the source',
  },
  {
    name: 'http-loader-base-url',
    kind: 'string',
    default: '',
    group: 'http-loader',
    supported: true,
    help: 'URL prepended to every image path before loading',
  },
  {
    name: 'http-loader-default-scheme',
    kind: 'string',
    default: 'https',
    group: 'http-loader',
    supported: true,
    help: 'scheme for image paths without one; nil loads only paths that carry a scheme',
  },
  {
    name: 'http-loader-accept',
    kind: 'string',
    default: '*/*',
    group: 'http-loader',
    supported: true,
    help: 'Accept header sent upstream; the response Content-Type must match it',
  },
  {
    name: 'http-loader-max-allowed-size',
    kind: 'int',
    default: 0,
    group: 'http-loader',
    supported: true,
    help: 'largest source in bytes; 0 = no limit',
  },
  {
    name: 'http-loader-forward-headers',
    kind: 'string',
    default: '',
    group: 'http-loader',
    supported: true,
    help: 'comma-separated client request headers passed upstream; * passes all',
  },
  {
    name: 'http-loader-forward-client-headers',
    kind: 'bool',
    default: false,
    group: 'http-loader',
    supported: true,
    help: 'pass all client request headers upstream',
  },
  {
    name: 'http-loader-forward-all-headers',
    kind: 'bool',
    default: false,
    group: 'http-loader',
    supported: true,
    help: 'old name of -http-loader-forward-client-headers',
  },
  {
    name: 'http-loader-override-response-headers',
    kind: 'string',
    default: '',
    group: 'http-loader',
    supported: true,
    help: 'comma-separated upstream response headers copied onto the image response',
  },
  {
    name: 'http-loader-insecure-skip-verify-transport',
    kind: 'bool',
    default: false,
    group: 'http-loader',
    supported: true,
    help: 'do not verify upstream TLS certificates',
  },
  {
    name: 'http-loader-proxy-urls',
    kind: 'string',
    default: '',
    group: 'http-loader',
    supported: true,
    help: 'comma-separated proxy URLs; one is picked at random per request',
  },
  {
    name: 'http-loader-proxy-allowed-sources',
    kind: 'string',
    default: '',
    group: 'http-loader',
    supported: true,
    help: 'comma-separated host patterns fetched through the proxy; empty sends all through it',
  },
  {
    name: 'http-loader-block-loopback-networks',
    kind: 'bool',
    default: true,
    group: 'http-loader',
    supported: true,
    help: 'refuse sources resolving to loopback addresses (deviation: on by default here, off in imagor)',
  },
  {
    name: 'http-loader-block-private-networks',
    kind: 'bool',
    default: true,
    group: 'http-loader',
    supported: true,
    help: 'refuse sources resolving to private addresses (deviation: on by default here, off in imagor)',
  },
  {
    name: 'http-loader-block-link-local-networks',
    kind: 'bool',
    default: true,
    group: 'http-loader',
    supported: true,
    help: 'refuse sources resolving to link-local addresses (deviation: on by default here, off in imagor)',
  },
  {
    name: 'http-loader-block-networks',
    kind: 'string',
    default: '',
    group: 'http-loader',
    supported: true,
    help: 'comma-separated CIDR ranges whose addresses are refused',
  },

  // §5.5 file
  {
    name: 'file-safe-chars',
    kind: 'string',
    default: '',
    group: 'file',
    supported: true,
    help: 'characters left unescaped in file names; -- disables escaping',
  },
  {
    name: 'file-loader-base-dir',
    kind: 'string',
    default: '',
    group: 'file',
    supported: true,
    help: 'directory to load source images from; setting it enables the file loader',
  },
  {
    name: 'file-loader-path-prefix',
    kind: 'string',
    default: '',
    group: 'file',
    supported: true,
    help: 'only image paths starting with this prefix go to the file loader',
  },
  {
    name: 'file-storage-base-dir',
    kind: 'string',
    default: '',
    group: 'file',
    supported: true,
    help: 'directory to keep copies of source images in; setting it enables file storage',
  },
  {
    name: 'file-storage-path-prefix',
    kind: 'string',
    default: '',
    group: 'file',
    supported: true,
    help: 'only image paths starting with this prefix use file storage',
  },
  {
    name: 'file-storage-mkdir-permission',
    kind: 'string',
    default: '0755',
    group: 'file',
    supported: true,
    help: 'octal mode of directories created by file storage',
  },
  {
    name: 'file-storage-write-permission',
    kind: 'string',
    default: '0666',
    group: 'file',
    supported: true,
    help: 'octal mode of files written by file storage',
  },
  {
    name: 'file-storage-expiration',
    kind: 'duration',
    default: 0,
    group: 'file',
    supported: true,
    help: 'age after which stored source copies are ignored; 0 = never',
  },
  {
    name: 'file-result-storage-base-dir',
    kind: 'string',
    default: '',
    group: 'file',
    supported: true,
    help: 'directory to keep processed images in; setting it enables file result storage',
  },
  {
    name: 'file-result-storage-path-prefix',
    kind: 'string',
    default: '',
    group: 'file',
    supported: true,
    help: 'only image paths starting with this prefix use file result storage',
  },
  {
    name: 'file-result-storage-mkdir-permission',
    kind: 'string',
    default: '0755',
    group: 'file',
    supported: true,
    help: 'octal mode of directories created by file result storage',
  },
  {
    name: 'file-result-storage-write-permission',
    kind: 'string',
    default: '0666',
    group: 'file',
    supported: true,
    help: 'octal mode of files written by file result storage',
  },
  {
    name: 'file-result-storage-expiration',
    kind: 'duration',
    default: 0,
    group: 'file',
    supported: true,
    help: 'age after which stored processed images are ignored; 0 = never',
  },

  // §5.6 AWS S3
  ...awsCredentialOptions(''),
  {
    name: 's3-endpoint',
    kind: 'string',
    default: '',
    group: 's3',
    supported: true,
    help: 'S3 endpoint URL for S3-compatible services; empty uses AWS',
  },
  ...awsCredentialOptions('loader-'),
  ...awsCredentialOptions('storage-'),
  ...awsCredentialOptions('result-storage-'),
  {
    name: 's3-loader-endpoint',
    kind: 'string',
    default: '',
    group: 's3',
    supported: true,
    help: 'S3 endpoint for the loader, overriding -s3-endpoint',
  },
  {
    name: 's3-storage-endpoint',
    kind: 'string',
    default: '',
    group: 's3',
    supported: true,
    help: 'S3 endpoint for storage, overriding -s3-endpoint',
  },
  {
    name: 's3-result-storage-endpoint',
    kind: 'string',
    default: '',
    group: 's3',
    supported: true,
    help: 'S3 endpoint for result storage, overriding -s3-endpoint',
  },
  {
    name: 's3-force-path-style',
    kind: 'bool',
    default: false,
    group: 's3',
    supported: true,
    help: 'address buckets as host/bucket/key instead of bucket.host/key',
  },
  {
    name: 's3-safe-chars',
    kind: 'string',
    default: '',
    group: 's3',
    supported: true,
    help: 'characters left unescaped in S3 keys',
  },
  {
    name: 's3-http-max-idle-conns-per-host',
    kind: 'int',
    default: 100,
    group: 's3',
    supported: true,
    help: 'idle keep-alive connections kept per S3 host',
  },
  {
    name: 's3-loader-bucket',
    kind: 'string',
    default: '',
    group: 's3',
    supported: true,
    help: 'bucket (optionally bucket/base/dir) to load from; * takes it from the first path segment; setting it enables the S3 loader',
  },
  {
    name: 's3-loader-base-dir',
    kind: 'string',
    default: '',
    group: 's3',
    supported: true,
    help: 'key prefix inside the loader bucket',
  },
  {
    name: 's3-loader-path-prefix',
    kind: 'string',
    default: '',
    group: 's3',
    supported: true,
    help: 'only image paths starting with this prefix go to the S3 loader',
  },
  {
    name: 's3-loader-bucket-router-config',
    kind: 'string',
    default: '',
    group: 's3',
    supported: true,
    help: 'YAML file that routes image paths to buckets (replaces -s3-loader-bucket)',
  },
  ...s3StorageOptions('storage', 'storage'),
  ...s3StorageOptions('result-storage', 'result storage'),
  {
    name: 's3-storage-class',
    kind: 'string',
    default: 'STANDARD',
    group: 's3',
    supported: true,
    help: 'storage class of objects written by storage and result storage',
  },

  // §5.7 Google Cloud Storage
  {
    name: 'gcloud-safe-chars',
    kind: 'string',
    default: '',
    group: 'gcloud',
    supported: true,
    help: 'characters left unescaped in object names',
  },
  {
    name: 'gcloud-loader-bucket',
    kind: 'string',
    default: '',
    group: 'gcloud',
    supported: true,
    help: 'bucket to load from; * takes it from the first path segment; setting it enables the loader',
  },
  {
    name: 'gcloud-loader-base-dir',
    kind: 'string',
    default: '',
    group: 'gcloud',
    supported: true,
    help: 'object name prefix inside the loader bucket',
  },
  {
    name: 'gcloud-loader-path-prefix',
    kind: 'string',
    default: '',
    group: 'gcloud',
    supported: true,
    help: 'only image paths starting with this prefix go to the loader',
  },
  ...gcloudStorageOptions('storage', 'storage'),
  ...gcloudStorageOptions('result-storage', 'result storage'),

  // §5.8 upload loader
  {
    name: 'upload-loader-enable',
    kind: 'bool',
    default: false,
    group: 'upload',
    supported: true,
    help: 'accept images POSTed to the unsafe endpoint',
  },
  {
    name: 'upload-loader-max-allowed-size',
    kind: 'int',
    default: 33554432,
    group: 'upload',
    supported: true,
    help: 'largest upload in bytes',
  },
  {
    name: 'upload-loader-accept',
    kind: 'string',
    default: 'image/*',
    group: 'upload',
    supported: true,
    help: 'content types an upload may have',
  },
  {
    name: 'upload-loader-form-field-name',
    kind: 'string',
    default: 'image',
    group: 'upload',
    supported: true,
    help: 'multipart form field that carries the upload',
  },
  {
    name: 'upload-loader-max-bytes-in-flight',
    kind: 'int',
    default: 134217728,
    group: 'upload',
    supported: true,
    help: 'upload bytes one worker holds at once; an upload beyond it waits for bytes to come back; 0 = no cap (extension)',
  },
  {
    name: 'upload-loader-max-queue',
    kind: 'int',
    default: 64,
    group: 'upload',
    supported: true,
    help: 'uploads waiting for that byte budget; one more answers 429 (extension)',
  },
] as const satisfies readonly OptionSpec[];

/*
 * Helpers for the families of flags that differ only by role. They are function declarations
 * (hoisted) returning literal-typed tuples so the derived Config type still sees every name.
 */

function awsCredentialOptions<R extends '' | 'loader-' | 'storage-' | 'result-storage-'>(role: R) {
  const who = role === '' ? 'all S3 roles' : `the S3 ${role.slice(0, -1).replace('-', ' ')}`;
  const override = role === '' ? '' : '; used only when region, key id and secret are all set';
  return [
    {
      name: `aws-${role}region`,
      kind: 'string',
      default: '',
      group: 's3',
      supported: true,
      help: `AWS region for ${who}${override}`,
    },
    {
      name: `aws-${role}access-key-id`,
      kind: 'string',
      default: '',
      group: 's3',
      supported: true,
      help: `AWS access key id for ${who}${role === '' ? '; empty uses the default credential chain' : override}`,
    },
    {
      name: `aws-${role}secret-access-key`,
      kind: 'string',
      default: '',
      group: 's3',
      supported: true,
      help: `AWS secret access key for ${who}${override}`,
    },
    {
      name: `aws-${role}session-token`,
      kind: 'string',
      default: '',
      group: 's3',
      supported: true,
      help: `AWS session token (temporary credentials) for ${who}`,
    },
  ] as const;
}

function s3StorageOptions<R extends 'storage' | 'result-storage'>(role: R, label: string) {
  return [
    {
      name: `s3-${role}-bucket`,
      kind: 'string',
      default: '',
      group: 's3',
      supported: true,
      help: `bucket (optionally bucket/base/dir) for S3 ${label}; setting it enables S3 ${label}`,
    },
    {
      name: `s3-${role}-base-dir`,
      kind: 'string',
      default: '',
      group: 's3',
      supported: true,
      help: `key prefix inside the S3 ${label} bucket`,
    },
    {
      name: `s3-${role}-path-prefix`,
      kind: 'string',
      default: '',
      group: 's3',
      supported: true,
      help: `only image paths starting with this prefix use S3 ${label}`,
    },
    {
      name: `s3-${role}-acl`,
      kind: 'string',
      default: '',
      group: 's3',
      supported: true,
      help: `canned ACL of objects written by S3 ${label}, e.g. public-read; empty sends none`,
    },
    {
      name: `s3-${role}-tagging`,
      kind: 'string',
      default: '',
      group: 's3',
      supported: true,
      help: `object tags (URL query form, e.g. a=1&b=2) of objects written by S3 ${label}`,
    },
    {
      name: `s3-${role}-expiration`,
      kind: 'duration',
      default: 0,
      group: 's3',
      supported: true,
      help: `age after which S3 ${label} objects are ignored; 0 = never`,
    },
  ] as const;
}

function gcloudStorageOptions<R extends 'storage' | 'result-storage'>(role: R, label: string) {
  return [
    {
      name: `gcloud-${role}-bucket`,
      kind: 'string',
      default: '',
      group: 'gcloud',
      supported: true,
      help: `bucket for Cloud Storage ${label}; setting it enables it`,
    },
    {
      name: `gcloud-${role}-base-dir`,
      kind: 'string',
      default: '',
      group: 'gcloud',
      supported: true,
      help: `object name prefix inside the ${label} bucket`,
    },
    {
      name: `gcloud-${role}-path-prefix`,
      kind: 'string',
      default: '',
      group: 'gcloud',
      supported: true,
      help: `only image paths starting with this prefix use Cloud Storage ${label}`,
    },
    {
      name: `gcloud-${role}-acl`,
      kind: 'string',
      default: '',
      group: 'gcloud',
      supported: true,
      help: `predefined ACL of objects written by Cloud Storage ${label}`,
    },
    {
      name: `gcloud-${role}-expiration`,
      kind: 'duration',
      default: 0,
      group: 'gcloud',
      supported: true,
      help: `age after which Cloud Storage ${label} objects are ignored; 0 = never`,
    },
  ] as const;
}

type Table = typeof OPTIONS;
export type OptionEntry = Table[number];
export type OptionName = OptionEntry['name'];

type KindOf<K extends OptionName> = Extract<OptionEntry, { name: K }>['kind'];
type ValueOfKind<T extends OptionKind> = T extends 'string' ? string : T extends 'bool' ? boolean : number;
/** The value type of one option: string → string, int/float → number, bool → boolean, duration → ms. */
export type ValueOf<K extends OptionName> = ValueOfKind<KindOf<K>>;

export type Config = { [K in OptionName]: ValueOf<K> };

export type OptionValue = string | number | boolean;

const BY_NAME: ReadonlyMap<string, OptionSpec> = new Map(
  OPTIONS.map((o): [string, OptionSpec] => [o.name, o]),
);

/** Looks an option up by flag name (without dash). */
export function findOption(name: string): OptionSpec | undefined {
  return BY_NAME.get(name);
}

/** The environment-variable (and config-file key) form of a flag name: `imagor-secret` → `IMAGOR_SECRET`. */
export function envName(name: string): string {
  return name.toUpperCase().replaceAll('-', '_');
}

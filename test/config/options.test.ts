import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GROUP_TITLES, OPTIONS, envName, findOption } from '../../src/config/options.js';
import type { Config, OptionKind, OptionSpec } from '../../src/config/options.js';
import { parseOptionValue } from '../../src/config/values.js';

const TABLE = OPTIONS as readonly OptionSpec[];

/**
 * Written out by hand from spec §5 (imagor v1.9.5), in imagor's own notation, so the table cannot
 * drift from the spec unnoticed: [flag, kind, default as imagor states it].
 */
const IMAGOR_DEFAULTS: [string, OptionKind, string][] = [
  ['port', 'int', '8000'],
  ['bind', 'string', ''],
  ['server-address', 'string', ''],
  ['server-cors', 'bool', 'false'],
  ['debug', 'bool', 'false'],
  ['gomaxprocs', 'int', '0'],
  ['config', 'string', '.env'],
  ['version', 'bool', 'false'],
  ['prometheus-path', 'string', '/'],
  ['prometheus-namespace', 'string', 'imagor'],
  ['imagor-secret', 'string', ''],
  ['imagor-unsafe', 'bool', 'false'],
  ['imagor-signer-type', 'string', 'sha1'],
  ['imagor-signer-truncate', 'int', '0'],
  ['imagor-request-timeout', 'duration', '30s'],
  ['imagor-load-timeout', 'duration', '0'],
  ['imagor-save-timeout', 'duration', '0'],
  ['imagor-process-timeout', 'duration', '0'],
  ['imagor-process-concurrency', 'int', '-1'],
  ['imagor-process-queue-size', 'int', '0'],
  ['imagor-cache-header-ttl', 'duration', '168h'],
  ['imagor-cache-header-swr', 'duration', '24h'],
  ['imagor-storage-path-style', 'string', 'original'],
  ['imagor-result-storage-path-style', 'string', 'original'],
  ['vips-concurrency', 'int', '1'],
  ['vips-max-width', 'int', '0'],
  ['vips-max-height', 'int', '0'],
  ['vips-max-resolution', 'int', '0'],
  ['vips-max-animation-frames', 'int', '-1'],
  ['vips-max-filter-ops', 'int', '-1'],
  ['vips-avif-speed', 'int', '8'],
  ['vips-detector-probe-size', 'int', '400'],
  ['vips-max-cache-mem', 'int', '0'],
  ['vips-cache-size', 'int', '0'],
  ['vips-cache-max-width', 'int', '2400'],
  ['vips-cache-max-height', 'int', '2000'],
  ['vips-cache-ttl', 'duration', '0'],
  ['vips-cache-format', 'string', 'pixel'],
  ['http-loader-default-scheme', 'string', 'https'],
  ['http-loader-accept', 'string', '*/*'],
  ['http-loader-max-allowed-size', 'int', '0'],
  ['http-loader-forward-client-headers', 'bool', 'false'],
  ['file-safe-chars', 'string', ''],
  ['file-storage-mkdir-permission', 'string', '0755'],
  ['file-storage-write-permission', 'string', '0666'],
  ['file-result-storage-mkdir-permission', 'string', '0755'],
  ['file-result-storage-write-permission', 'string', '0666'],
  ['file-storage-expiration', 'duration', '0'],
  ['s3-http-max-idle-conns-per-host', 'int', '100'],
  ['s3-storage-acl', 'string', ''],
  ['s3-storage-class', 'string', 'STANDARD'],
  ['s3-result-storage-expiration', 'duration', '0'],
  ['s3-force-path-style', 'bool', 'false'],
  ['gcloud-storage-expiration', 'duration', '0'],
  ['upload-loader-enable', 'bool', 'false'],
  ['upload-loader-max-allowed-size', 'int', '33554432'],
  ['upload-loader-accept', 'string', 'image/*'],
  ['upload-loader-form-field-name', 'string', 'image'],
];

/** Every flag name spec §5 lists (families expanded), so none can go missing from the table. */
function specFlagNames(): string[] {
  const names = [
    ...['port', 'bind', 'server-address', 'server-path-prefix', 'server-cors', 'server-strip-query-string'],
    ...['server-access-log', 'debug', 'log-ecs', 'version', 'gomaxprocs', 'config', 'sentry-dsn'],
    ...['prometheus-bind', 'prometheus-path', 'prometheus-namespace'],
    ...['imagor-secret', 'imagor-unsafe', 'imagor-signer-type', 'imagor-signer-truncate', 'imagor-auto-webp'],
    ...['imagor-auto-avif', 'imagor-auto-jpeg', 'imagor-request-timeout', 'imagor-load-timeout'],
    ...['imagor-save-timeout', 'imagor-process-timeout', 'imagor-process-concurrency'],
    ...['imagor-process-queue-size', 'imagor-cache-header-ttl', 'imagor-cache-header-swr'],
    ...['imagor-cache-header-no-cache', 'imagor-base-path-redirect', 'imagor-base-params'],
    ...['imagor-modified-time-check', 'imagor-disable-error-body', 'imagor-disable-params-endpoint'],
    ...['imagor-response-raw-on-error', 'imagor-storage-path-style', 'imagor-result-storage-path-style'],
    ...['vips-concurrency', 'vips-max-width', 'vips-max-height', 'vips-max-resolution', 'vips-unlimited'],
    ...['vips-max-animation-frames', 'vips-max-filter-ops', 'vips-disable-blur', 'vips-disable-filters'],
    ...['vips-mozjpeg', 'vips-avif-speed', 'vips-strip-color-profile', 'vips-strip-metadata', 'vips-vector'],
    ...['vips-detector-probe-size', 'vips-max-cache-files', 'vips-max-cache-size', 'vips-max-cache-mem'],
    ...[
      'vips-cache-size',
      'vips-cache-max-width',
      'vips-cache-max-height',
      'vips-cache-ttl',
      'vips-cache-format',
    ],
    ...['file-safe-chars', 's3-endpoint', 's3-force-path-style', 's3-safe-chars'],
    ...['s3-http-max-idle-conns-per-host', 's3-loader-bucket-router-config', 's3-storage-class'],
    ...['gcloud-safe-chars', 'upload-loader-enable', 'upload-loader-max-allowed-size'],
    ...['upload-loader-accept', 'upload-loader-form-field-name'],
  ];
  for (const h of [
    'disable',
    'allowed-sources',
    'allowed-source-regexp',
    'base-url',
    'default-scheme',
    'accept',
  ]) {
    names.push(`http-loader-${h}`);
  }
  for (const h of ['max-allowed-size', 'forward-headers', 'forward-client-headers', 'forward-all-headers']) {
    names.push(`http-loader-${h}`);
  }
  for (const h of ['override-response-headers', 'insecure-skip-verify-transport', 'proxy-urls']) {
    names.push(`http-loader-${h}`);
  }
  for (const h of ['proxy-allowed-sources', 'block-loopback-networks', 'block-private-networks']) {
    names.push(`http-loader-${h}`);
  }
  names.push('http-loader-block-link-local-networks', 'http-loader-block-networks');
  names.push('file-loader-base-dir', 'file-loader-path-prefix');
  for (const role of ['storage', 'result-storage']) {
    for (const f of ['base-dir', 'path-prefix', 'mkdir-permission', 'write-permission', 'expiration']) {
      names.push(`file-${role}-${f}`);
    }
  }
  for (const role of ['', 'loader-', 'storage-', 'result-storage-']) {
    for (const f of ['region', 'access-key-id', 'secret-access-key', 'session-token'])
      names.push(`aws-${role}${f}`);
  }
  for (const role of ['loader', 'storage', 'result-storage']) names.push(`s3-${role}-endpoint`);
  for (const f of ['bucket', 'base-dir', 'path-prefix']) {
    names.push(`s3-loader-${f}`, `gcloud-loader-${f}`);
  }
  for (const role of ['storage', 'result-storage']) {
    for (const f of ['bucket', 'base-dir', 'path-prefix', 'acl', 'tagging', 'expiration'])
      names.push(`s3-${role}-${f}`);
    for (const f of ['bucket', 'base-dir', 'path-prefix', 'acl', 'expiration'])
      names.push(`gcloud-${role}-${f}`);
  }
  return names;
}

/** Flags of ours that imagor does not have. */
const EXTENSIONS = [
  'server-workers',
  'server-worker-max-memory',
  'playground',
  'vips-heap-trim-interval',
  'face-detector-cascade',
  'vips-max-animation-pixels',
  'upload-loader-max-bytes-in-flight',
  'upload-loader-max-queue',
  'imagor-load-max-bytes-in-flight',
  'imagor-load-max-queue',
];

/** imagorface's flags (imagor plus its face detector plug-in). */
const IMAGORFACE = [
  '',
  '-min-size',
  '-max-size',
  '-min-quality',
  '-iou-threshold',
  '-cache-size',
  '-cache-ttl',
].map((s) => `face-detector${s}`);

describe('option table', () => {
  it('holds exactly the spec §5 flags plus our extensions', () => {
    const expected = [...specFlagNames(), ...IMAGORFACE, ...EXTENSIONS].sort();
    assert.deepEqual(TABLE.map((o) => o.name).sort(), expected);
    assert.equal(TABLE.length, 169);
  });

  it('has unique, dash-free-prefixed, kebab-case names', () => {
    const names = TABLE.map((o) => o.name);
    assert.equal(new Set(names).size, names.length);
    for (const n of names) assert.match(n, /^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('gives each entry a default of its kind, a help text and a known group', () => {
    for (const o of TABLE) {
      const expectedType = o.kind === 'string' ? 'string' : o.kind === 'bool' ? 'boolean' : 'number';
      assert.equal(typeof o.default, expectedType, o.name);
      if (o.kind === 'int' || o.kind === 'duration') assert.ok(Number.isInteger(o.default), o.name);
      assert.ok(o.help.length > 0, o.name);
      assert.ok(o.group in GROUP_TITLES, o.name);
    }
  });

  for (const [name, kind, text] of IMAGOR_DEFAULTS) {
    it(`defaults -${name} to imagor's ${JSON.stringify(text)} (${kind})`, () => {
      const spec = findOption(name);
      assert.ok(spec, `missing -${name}`);
      assert.equal(spec.kind, kind);
      assert.equal(spec.default, parseOptionValue(kind, text));
    });
  }

  it('defaults every remaining spec flag to its zero value, bar the documented deviations', () => {
    const stated = new Set(IMAGOR_DEFAULTS.map(([n]) => n));
    const deviations = new Set([
      'http-loader-block-loopback-networks',
      'http-loader-block-private-networks',
      'http-loader-block-link-local-networks',
    ]);
    for (const name of specFlagNames()) {
      if (stated.has(name) || deviations.has(name)) continue;
      const spec = findOption(name);
      assert.ok(spec, name);
      const zero = spec.kind === 'string' ? '' : spec.kind === 'bool' ? false : 0;
      assert.equal(spec.default, zero, name);
    }
  });

  it('blocks loopback, private and link-local sources by default (deviation from imagor) and says so', () => {
    for (const net of ['loopback', 'private', 'link-local']) {
      const spec = findOption(`http-loader-block-${net}-networks`);
      assert.ok(spec);
      assert.equal(spec.default, true);
      assert.match(spec.help, /deviation/);
      assert.match(spec.help, /imagor/);
    }
  });

  it('marks our own flags as extensions', () => {
    assert.equal(findOption('server-workers')?.default, 1);
    assert.equal(findOption('server-workers')?.kind, 'int');
    assert.equal(findOption('playground')?.default, '');
    assert.equal(findOption('playground')?.kind, 'string');
    assert.equal(findOption('vips-heap-trim-interval')?.default, 5_000);
    assert.equal(findOption('vips-heap-trim-interval')?.kind, 'duration');
    for (const name of EXTENSIONS) assert.match(findOption(name)?.help ?? '', /\(extension\)/);
  });

  it('marks only -vips-vector unsupported (the libvips in sharp reads no SIMD setting from it)', () => {
    const unsupported = TABLE.filter((o) => !o.supported).map((o) => o.name);
    assert.deepEqual(unsupported, ['vips-vector']);
  });

  it('derives env names by upper-casing and replacing dashes', () => {
    assert.equal(envName('imagor-secret'), 'IMAGOR_SECRET');
    assert.equal(envName('file-loader-base-dir'), 'FILE_LOADER_BASE_DIR');
    assert.equal(envName('aws-result-storage-secret-access-key'), 'AWS_RESULT_STORAGE_SECRET_ACCESS_KEY');
  });

  it('types Config from the table', () => {
    const sample: Pick<Config, 'port' | 'imagor-unsafe' | 'imagor-cache-header-ttl' | 'aws-loader-region'> = {
      port: 1,
      'imagor-unsafe': true,
      'imagor-cache-header-ttl': 1000,
      'aws-loader-region': 'eu-west-1',
    };
    assert.equal(Object.keys(sample).length, 4);
  });
});

import { readFileSync } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import { LRUCache } from 'lru-cache';
import { parse as parseYaml } from 'yaml';
import type { ImageBlob, Stat } from '../blob.js';
import { ImagorError, invalid, notFound } from '../errors.js';
import type { LoadContext, Loader } from '../types.js';
import { cleanPath, normalizePrefix } from './keys.js';
import { buildClient, createS3Storage, type S3Storage, type S3StorageOptions } from './s3.js';

/**
 * S3 loader bucket router (`-s3-loader-bucket-router-config`, spec §5.6).
 *
 * The YAML file:
 *
 * ```yaml
 * routing_pattern: '^(?<bucket>[^/]+)/(?<path>.+)$'   # Go's (?P<name>…) is accepted too
 * default_bucket: images                              # name, or an object (below)
 * fallback_buckets: [archive, { name: legacy, region: eu-west-1 }]   # at most 2
 * rules:
 *   - match: '^(cdn|static)$'                          # regex tested on the captured bucket
 *     bucket: { name: assets, endpoint: 'https://…', access_key_id: …, secret_access_key: … }
 * ```
 *
 * A bucket is a name or `{name, region, endpoint, access_key_id, secret_access_key,
 * session_token}`; object buckets get their own client (unset settings fall back to the loader's
 * client settings), name-only buckets share the loader's client.
 *
 * Routing of an image key (cleaned, leading slash dropped, `-s3-loader-path-prefix` checked and
 * stripped — keys outside it are 400 invalid):
 * 1. `routing_pattern` is searched in the key. No match, or no `bucket` capture → `default_bucket`
 *    with the whole key; without a default → 404.
 * 2. The object key is the `path` capture when the group took part in the match, else the whole key.
 * 3. The bucket: the first rule whose `match` regex matches the captured bucket name; else
 *    `default_bucket`; else, when there are no rules, the captured name itself (passthrough; it must
 *    be a DNS-style bucket name, else 400); else 404.
 * 4. The object is read from that bucket; on not-found each of `fallback_buckets` is tried in order
 *    with the same object key. Any other error ends the search.
 * The object key is then mapped like the plain S3 loader's (escaping with `-s3-safe-chars`, joined
 * with `-s3-loader-base-dir`, `..` refused).
 */

export interface BucketSpec {
  name: string;
  region?: string;
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
}

export interface BucketRule {
  match: RegExp;
  bucket: BucketSpec;
}

export interface BucketRouterConfig {
  /** has a named group `bucket`, maybe `path` */
  routingPattern?: RegExp;
  defaultBucket?: BucketSpec;
  fallbackBuckets: BucketSpec[];
  rules: BucketRule[];
}

/** A router file that cannot be read, parsed or validated; the message names file and field. */
export class BucketRouterConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BucketRouterConfigError';
  }
}

const MAX_FALLBACKS = 2;
const TOP_FIELDS = ['routing_pattern', 'default_bucket', 'fallback_buckets', 'rules'];
const RULE_FIELDS = ['match', 'bucket'];
const BUCKET_FIELDS = ['name', 'region', 'endpoint', 'access_key_id', 'secret_access_key', 'session_token'];
/** what a configured bucket name may not contain: `/` (base dirs), `*` (wildcard), whitespace */
const BAD_NAME = /[/*\s]/;
/** DNS-compatible bucket name, required of passthrough names taken from the key */
const DNS_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

type Fail = (field: string, problem: string) => never;

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (isMapping(v)) return 'a mapping';
  return `a ${typeof v}`;
}

function checkFields(obj: Record<string, unknown>, allowed: string[], where: string, fail: Fail): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      fail(where === '' ? key : `${where}.${key}`, `unknown field (expected one of: ${allowed.join(', ')})`);
    }
  }
}

function optionalString(
  obj: Record<string, unknown>,
  key: string,
  where: string,
  fail: Fail,
): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return fail(`${where}.${key}`, `must be a string, got ${describeType(v)}`);
  return v === '' ? undefined : v;
}

function bucketName(v: string, field: string, fail: Fail): string {
  if (v === '') return fail(field, 'must not be empty');
  if (BAD_NAME.test(v))
    return fail(field, `invalid bucket name ${JSON.stringify(v)} (no '/', '*' or spaces)`);
  return v;
}

function parseBucket(v: unknown, field: string, fail: Fail): BucketSpec {
  if (typeof v === 'string') return { name: bucketName(v, field, fail) };
  if (!isMapping(v)) return fail(field, `must be a bucket name or a mapping, got ${describeType(v)}`);
  checkFields(v, BUCKET_FIELDS, field, fail);
  const name = v['name'];
  if (name === undefined || name === null) return fail(`${field}.name`, 'is required');
  if (typeof name !== 'string') return fail(`${field}.name`, `must be a string, got ${describeType(name)}`);
  const spec: BucketSpec = { name: bucketName(name, `${field}.name`, fail) };
  const region = optionalString(v, 'region', field, fail);
  const endpoint = optionalString(v, 'endpoint', field, fail);
  const key = optionalString(v, 'access_key_id', field, fail);
  const secret = optionalString(v, 'secret_access_key', field, fail);
  const token = optionalString(v, 'session_token', field, fail);
  if (endpoint !== undefined && !/^https?:\/\/[^/]/i.test(endpoint)) {
    fail(`${field}.endpoint`, `must be an http:// or https:// URL, got ${JSON.stringify(endpoint)}`);
  }
  if ((key === undefined) !== (secret === undefined)) {
    fail(
      `${field}.${key === undefined ? 'access_key_id' : 'secret_access_key'}`,
      'is required when the other credential field is set',
    );
  }
  if (token !== undefined && key === undefined) {
    fail(`${field}.session_token`, 'needs access_key_id and secret_access_key');
  }
  if (region !== undefined) spec.region = region;
  if (endpoint !== undefined) spec.endpoint = endpoint;
  if (key !== undefined) spec.accessKeyId = key;
  if (secret !== undefined) spec.secretAccessKey = secret;
  if (token !== undefined) spec.sessionToken = token;
  return spec;
}

/** JS RegExp from a config string; Go/RE2 `(?P<name>` groups are rewritten to `(?<name>`. */
function parseRegex(v: unknown, field: string, fail: Fail): RegExp {
  if (typeof v !== 'string')
    return fail(field, `must be a regular expression string, got ${describeType(v)}`);
  if (v === '') return fail(field, 'must not be empty');
  try {
    return new RegExp(v.replaceAll('(?P<', '(?<'));
  } catch (err) {
    return fail(field, `invalid regular expression: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Named capture groups a pattern declares (probed on its source). */
function hasGroup(re: RegExp, name: string): boolean {
  return re.source.includes(`(?<${name}>`);
}

/**
 * Parses and validates the router YAML. `source` (the file name) prefixes every error message,
 * which names the offending field (`rules[1].bucket.name: is required`).
 */
export function parseBucketRouterConfig(text: string, source = 'bucket router config'): BucketRouterConfig {
  const fail: Fail = (field, problem) => {
    throw new BucketRouterConfigError(`${source}: ${field}: ${problem}`);
  };
  let doc: unknown;
  try {
    doc = parseYaml(text) as unknown;
  } catch (err) {
    throw new BucketRouterConfigError(
      `${source}: invalid YAML: ${err instanceof Error ? err.message.trim() : String(err)}`,
    );
  }
  if (doc === null || doc === undefined) {
    throw new BucketRouterConfigError(`${source}: the file is empty (expected a mapping)`);
  }
  if (!isMapping(doc)) {
    throw new BucketRouterConfigError(`${source}: the document must be a mapping, got ${describeType(doc)}`);
  }
  checkFields(doc, TOP_FIELDS, '', fail);

  const out: BucketRouterConfig = { fallbackBuckets: [], rules: [] };
  if (doc['routing_pattern'] !== undefined && doc['routing_pattern'] !== null) {
    const re = parseRegex(doc['routing_pattern'], 'routing_pattern', fail);
    if (!hasGroup(re, 'bucket')) fail('routing_pattern', 'needs a named group (?<bucket>…)');
    out.routingPattern = re;
  }
  if (doc['default_bucket'] !== undefined && doc['default_bucket'] !== null) {
    out.defaultBucket = parseBucket(doc['default_bucket'], 'default_bucket', fail);
  }
  const fallbacks = doc['fallback_buckets'];
  if (fallbacks !== undefined && fallbacks !== null) {
    if (!Array.isArray(fallbacks)) fail('fallback_buckets', `must be a list, got ${describeType(fallbacks)}`);
    const list = fallbacks as unknown[];
    if (list.length > MAX_FALLBACKS) {
      fail('fallback_buckets', `at most ${MAX_FALLBACKS} buckets are allowed, got ${list.length}`);
    }
    out.fallbackBuckets = list.map((b, i) => parseBucket(b, `fallback_buckets[${i}]`, fail));
  }
  const rules = doc['rules'];
  if (rules !== undefined && rules !== null) {
    if (!Array.isArray(rules)) fail('rules', `must be a list, got ${describeType(rules)}`);
    out.rules = (rules as unknown[]).map((r, i) => {
      const where = `rules[${i}]`;
      if (!isMapping(r))
        return fail(where, `must be a mapping with match and bucket, got ${describeType(r)}`);
      checkFields(r, RULE_FIELDS, where, fail);
      if (r['match'] === undefined || r['match'] === null) return fail(`${where}.match`, 'is required');
      if (r['bucket'] === undefined || r['bucket'] === null) return fail(`${where}.bucket`, 'is required');
      return {
        match: parseRegex(r['match'], `${where}.match`, fail),
        bucket: parseBucket(r['bucket'], `${where}.bucket`, fail),
      };
    });
  }
  if (out.routingPattern === undefined) {
    if (out.defaultBucket === undefined) fail('routing_pattern', 'is required unless default_bucket is set');
    if (out.rules.length > 0) fail('rules', 'need a routing_pattern to capture the bucket they match');
  }
  return out;
}

/** Reads and validates the router file; every failure is a BucketRouterConfigError. */
export function readBucketRouterConfig(file: string): BucketRouterConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new BucketRouterConfigError(
      `cannot read bucket router config ${file}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return parseBucketRouterConfig(text, file);
}

export interface S3RouterOptions {
  router: BucketRouterConfig;
  baseDir?: string;
  pathPrefix?: string;
  safeChars?: string;
  /** the loader's client settings; object buckets override region, endpoint and credentials */
  clientConfig?: S3StorageOptions['clientConfig'];
  name?: string;
  /** client factory (tests); defaults to the SDK client */
  createClient?: (cfg: S3StorageOptions['clientConfig']) => S3Client;
}

export interface S3Route {
  /** buckets to try in order: the routed one, then the fallbacks */
  buckets: string[];
  /** object key before base-dir mapping and escaping */
  key: string;
}

export interface S3RouterLoader extends Loader {
  stat(key: string, ctx: LoadContext): Promise<Stat>;
  /** Where an image key goes; throws 400 (bad key) or 404 (no bucket for it). */
  route(key: string): S3Route;
}

const specKey = (b: BucketSpec): string =>
  JSON.stringify([b.name, b.region, b.endpoint, b.accessKeyId, b.secretAccessKey, b.sessionToken]);

const isNotFound = (err: unknown): boolean => err instanceof ImagorError && err.status === 404;

export function createS3RouterLoader(opts: S3RouterOptions): S3RouterLoader {
  const { router } = opts;
  const name = opts.name ?? 's3-loader';
  const prefix = normalizePrefix(opts.pathPrefix);
  const global = opts.clientConfig ?? {};
  const makeClient = opts.createClient ?? buildClient;

  const hasPath = router.routingPattern !== undefined && hasGroup(router.routingPattern, 'path');
  let sharedClient: S3Client | undefined;
  const ownClients = new Map<BucketSpec, S3Client>();

  /** Name-only buckets share the loader's client; object buckets with settings get their own. */
  function clientFor(spec: BucketSpec): S3Client {
    const own =
      spec.region !== undefined ||
      spec.endpoint !== undefined ||
      (spec.accessKeyId !== undefined && spec.secretAccessKey !== undefined);
    if (!own) return (sharedClient ??= makeClient(global));
    let client = ownClients.get(spec);
    if (client === undefined) {
      const cfg: NonNullable<S3StorageOptions['clientConfig']> = { ...global };
      if (spec.region !== undefined) cfg.region = spec.region;
      if (spec.endpoint !== undefined) cfg.endpoint = spec.endpoint;
      if (spec.accessKeyId !== undefined && spec.secretAccessKey !== undefined) {
        cfg.credentials =
          spec.sessionToken !== undefined
            ? {
                accessKeyId: spec.accessKeyId,
                secretAccessKey: spec.secretAccessKey,
                sessionToken: spec.sessionToken,
              }
            : { accessKeyId: spec.accessKeyId, secretAccessKey: spec.secretAccessKey };
      }
      client = makeClient(cfg);
      ownClients.set(spec, client);
    }
    return client;
  }

  const makeStorage = (spec: BucketSpec): S3Storage => {
    const storageOpts: S3StorageOptions = { name, bucket: spec.name, client: clientFor(spec) };
    if (opts.baseDir !== undefined) storageOpts.baseDir = opts.baseDir;
    if (opts.safeChars !== undefined) storageOpts.safeChars = opts.safeChars;
    return createS3Storage(storageOpts);
  };
  // configured buckets: one storage each, made on first use
  const configuredSpecs = new Set<BucketSpec>([
    ...router.rules.map((r) => r.bucket),
    ...(router.defaultBucket !== undefined ? [router.defaultBucket] : []),
    ...router.fallbackBuckets,
  ]);
  const configured = new Map<BucketSpec, S3Storage>();
  // a passthrough name that is also configured uses the (first) configured bucket's settings
  const byName = new Map<string, BucketSpec>();
  for (const spec of configuredSpecs) if (!byName.has(spec.name)) byName.set(spec.name, spec);
  // other passthrough buckets come from request keys: bounded, all on the shared client
  const passthrough = new LRUCache<string, S3Storage>({ max: 256 });

  const storageFor = (spec: BucketSpec): S3Storage => {
    const cache = configuredSpecs.has(spec);
    let s = cache ? configured.get(spec) : passthrough.get(spec.name);
    if (s === undefined) {
      s = makeStorage(spec);
      if (cache) configured.set(spec, s);
      else passthrough.set(spec.name, s);
    }
    return s;
  };

  function resolve(key: string): { specs: BucketSpec[]; key: string } {
    const framed = cleanPath('/' + key);
    if (!(framed + '/').startsWith(prefix)) throw invalid();
    const rest = framed.slice(prefix.length).replace(/^\/+/, '');
    const m = router.routingPattern?.exec(rest);
    const captured = m?.groups?.['bucket'];
    let primary: BucketSpec;
    let objectKey = rest;
    if (m === null || m === undefined || captured === undefined || captured === '') {
      if (router.defaultBucket === undefined) throw notFound();
      primary = router.defaultBucket;
    } else {
      const path = hasPath ? m.groups?.['path'] : undefined;
      if (path !== undefined) objectKey = path;
      const rule = router.rules.find((r) => r.match.test(captured));
      if (rule !== undefined) primary = rule.bucket;
      else if (router.defaultBucket !== undefined) primary = router.defaultBucket;
      else if (router.rules.length > 0) throw notFound();
      else {
        if (!DNS_BUCKET.test(captured)) throw invalid();
        primary = byName.get(captured) ?? { name: captured };
      }
    }
    // a bucket listed twice with the same settings is asked once
    const specs = [primary];
    const seen = new Set([specKey(primary)]);
    for (const f of router.fallbackBuckets) {
      const k = specKey(f);
      if (!seen.has(k)) specs.push(f);
      seen.add(k);
    }
    return { specs, key: objectKey };
  }

  async function tryEach<T>(key: string, op: (s: S3Storage, key: string) => Promise<T>): Promise<T> {
    const target = resolve(key);
    let last: unknown = notFound();
    for (const spec of target.specs) {
      try {
        return await op(storageFor(spec), target.key);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        last = err;
      }
    }
    throw last;
  }

  return {
    name,
    route(key) {
      const target = resolve(key);
      return { buckets: target.specs.map((s) => s.name), key: target.key };
    },
    get: (key: string, ctx: LoadContext): Promise<ImageBlob> => tryEach(key, (s, k) => s.get(k, ctx)),
    stat: (key: string, ctx: LoadContext): Promise<Stat> => tryEach(key, (s, k) => s.stat(k, ctx)),
  };
}

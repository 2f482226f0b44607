import path from 'node:path';
import { invalid } from '../errors.js';
import { normalize, normalizePrefix } from './keys.js';

/** Where an object lives in a bucket store (S3, GCS). */
export interface ObjectLocation {
  bucket: string;
  key: string;
}

export interface LocatorOptions {
  /** `bucket`, `bucket/base/dir`, or `*` (bucket = first key segment) */
  bucket: string;
  /** overrides a base dir given with the bucket */
  baseDir?: string | undefined;
  pathPrefix?: string | undefined;
  /** escaping applied to keys (spec §1.6), already including the store's own safe characters */
  safeChars: string;
  /** what a bucket name from a `*` key must look like */
  bucketName: RegExp;
  /** for error messages: 's3', 'gcs' */
  store: string;
}

/**
 * Maps an image key to a bucket and object key as imagor does for S3 and GCS: normalise, take the
 * bucket from the first segment when the bucket is `*`, refuse `..` and keys outside the path prefix
 * (400), strip the prefix and join with the base dir.
 */
export function createLocator(o: LocatorOptions): (key: string) => ObjectLocation {
  let bucket = o.bucket;
  let baseDir = '/';
  const slash = bucket.indexOf('/');
  if (slash > -1) {
    baseDir = bucket.slice(slash);
    bucket = bucket.slice(0, slash);
  }
  if (o.baseDir !== undefined && o.baseDir !== '') baseDir = o.baseDir;
  baseDir = '/' + baseDir.replace(/^\/+|\/+$/g, '');
  if (bucket === '') throw new Error(`${o.store}: bucket is required`);
  const wildcard = bucket === '*';
  const prefix = normalizePrefix(o.pathPrefix);

  return (key) => {
    let norm = '/' + normalize(key, o.safeChars);
    let target = bucket;
    if (wildcard) {
      const next = norm.indexOf('/', 1);
      target = next < 0 ? norm.slice(1) : norm.slice(1, next);
      norm = next < 0 ? '/' : norm.slice(next);
      if (!o.bucketName.test(target)) throw invalid();
    }
    if (norm.split('/').includes('..')) throw invalid();
    if (!norm.startsWith(prefix)) throw invalid();
    let objectKey = path.posix.join(baseDir, norm.slice(prefix.length));
    if (objectKey.startsWith('/')) objectKey = objectKey.slice(1);
    if (objectKey === '' || objectKey === '.' || objectKey.endsWith('/')) throw invalid();
    return { bucket: target, key: objectKey };
  };
}

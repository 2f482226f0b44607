export {
  NO_ESCAPE,
  S3_SAFE_CHARS,
  cleanPath,
  digestPath,
  normalize,
  normalizePrefix,
  resultKey,
  sha1Hex,
  storageKey,
  type ResultKeyInfo,
  type ResultKeyStyle,
  type StorageKeyStyle,
} from './keys.js';
export { createFileStorage, fileEtag, type FileStorage, type FileStorageOptions } from './file.js';
export {
  createS3Storage,
  isS3NotFound,
  type S3Location,
  type S3Storage,
  type S3StorageOptions,
} from './s3.js';

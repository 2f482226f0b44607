/** Minimal typings for the parts of s3rver 3.x the storage tests use (the package ships none). */
declare module 's3rver' {
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    resetOnClose?: boolean;
    configureBuckets?: Array<{ name: string; configs?: Array<string | Buffer> }>;
  }

  class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    readonly store: {
      getResourcePath(bucket: string, key: string, resource: string): string;
    };
  }

  export default S3rver;
}

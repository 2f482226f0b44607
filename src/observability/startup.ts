/**
 * What the server logs once it listens: the facts an operator checks first (which sources and caches are
 * configured, whether URLs must be signed), derived from the configuration alone.
 */
import type { Config } from '../config/options.js';
import { playgroundOptions } from '../server/playground.js';

export interface StartupFacts {
  version: string;
  /** the address the socket is bound to, e.g. `0.0.0.0:8000` or `[::]:8000` */
  address: string;
  /** a base URL a client on this machine can use */
  url: string;
  /** the playground page, when it is served */
  playground?: string;
  loaders: string[];
  storages: string[];
  resultStorages: string[];
  /** `unsafe` (-imagor-unsafe) or `signed` */
  mode: 'unsafe' | 'signed';
  /** worker processes (-server-workers; 0 = one per core) */
  workers: number;
  /** -server-access-log (or -debug): one line per request */
  accessLog: boolean;
}

/** Loader, storage and result-storage names in the order the server tries them (see build.ts). */
export function configuredSources(config: Config): {
  loaders: string[];
  storages: string[];
  resultStorages: string[];
} {
  const loaders: string[] = [];
  const storages: string[] = [];
  const resultStorages: string[] = [];
  if (config['s3-loader-bucket-router-config']) loaders.push('s3-loader (bucket router)');
  else if (config['s3-loader-bucket']) loaders.push(`s3-loader (${config['s3-loader-bucket']})`);
  if (config['gcloud-loader-bucket']) loaders.push(`gcloud-loader (${config['gcloud-loader-bucket']})`);
  if (config['file-loader-base-dir']) loaders.push(`file-loader (${config['file-loader-base-dir']})`);
  if (config['upload-loader-enable']) loaders.push('upload-loader');
  if (!config['http-loader-disable']) loaders.push('http-loader');
  if (config['s3-storage-bucket']) storages.push(`s3-storage (${config['s3-storage-bucket']})`);
  if (config['gcloud-storage-bucket']) storages.push(`gcloud-storage (${config['gcloud-storage-bucket']})`);
  if (config['file-storage-base-dir']) storages.push(`file-storage (${config['file-storage-base-dir']})`);
  if (config['s3-result-storage-bucket'])
    resultStorages.push(`s3-result-storage (${config['s3-result-storage-bucket']})`);
  if (config['gcloud-result-storage-bucket'])
    resultStorages.push(`gcloud-result-storage (${config['gcloud-result-storage-bucket']})`);
  if (config['file-result-storage-base-dir'])
    resultStorages.push(`file-result-storage (${config['file-result-storage-base-dir']})`);
  return { loaders, storages, resultStorages };
}

/** The fields of the `imagor listening` line. */
export function startupFacts(
  config: Config,
  listening: { address: string; url: string },
  version: string,
): StartupFacts {
  const pg = playgroundOptions(config);
  const facts: StartupFacts = {
    version,
    address: listening.address,
    url: listening.url,
    ...configuredSources(config),
    mode: config['imagor-unsafe'] ? 'unsafe' : 'signed',
    workers: config['server-workers'],
    accessLog: config['server-access-log'] || config['debug'],
  };
  if (pg) {
    const prefix = config['server-path-prefix'].replace(/\/+$/, '');
    facts.playground = `${listening.url}${prefix}${pg.path || '/'}`;
  }
  return facts;
}

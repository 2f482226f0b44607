import type { Logger } from 'pino';
import { ImageBlob } from '../blob.js';
import { createApp, type App } from '../app/app.js';
import type { Config } from '../config/options.js';
import { ImagorError } from '../errors.js';
import { generatePath } from '../path/generate.js';
import { appOptionsFromConfig } from '../build.js';
import type { LoadContext, Loader } from '../types.js';

/**
 * The app behind `imagor.process(path, input)`: the configured processor, limits and response headers,
 * with an in-memory loader in front (one entry per call, removed when the call ends) and no storages or
 * result storages, so bytes handed in by the program are never written anywhere. Images that filters load
 * (watermark, image()) come from the configured loaders and storages through the main app.
 *
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

  const app = createApp({
    ...appOptionsFromConfig(config, logger),
    // the program is trusted: its paths are built by process() and never come from a client
    unsafe: true,
    signer: { sign: () => '', verify: () => false },
    loaders: [loader],
    storages: [],
    resultStorages: [],
    storagePathStyle: 'original',
    resultStoragePathStyle: 'original',
    modifiedTimeCheck: false,
    basePathRedirect: '',
  });

  return {
    app,
    put(key, data) {
      entries.set(key, data);
      return () => entries.delete(key);
    },
  };
}

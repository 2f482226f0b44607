import { pino } from 'pino';
import { buildApp } from '../../src/build.js';
import { loadConfig } from '../../src/config/load.js';
import { createHandler } from '../../src/server/handler.js';
import { playgroundOptions } from '../../src/server/playground.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { fixturePath } from '../helpers/fixtures.js';

/**
 * The real server (same configuration, app and node:http listener as the CLI) with the playground wired in
 * as build.ts will wire it: `playground: playgroundOptions(config)` in createHandler's options.
 */
export async function startPlaygroundServer(args: string[]): Promise<RunningServer> {
  const r = loadConfig(['-bind', '127.0.0.1:0', ...args], {}, { readFile: () => undefined });
  if (r.kind !== 'config') throw new Error(`bad test configuration: ${JSON.stringify(r)}`);
  const config = r.config;
  const logger = pino({ level: 'silent' });
  const app = buildApp(config, logger);
  const handler = createHandler({
    app,
    logger,
    pathPrefix: config['server-path-prefix'],
    cors: config['server-cors'],
    stripQueryString: config['server-strip-query-string'],
    accessLog: config['server-access-log'],
    disableErrorBody: config['imagor-disable-error-body'],
    playground: playgroundOptions(config),
  });
  const running = await startServer(handler, {
    bind: config['bind'],
    address: config['server-address'],
    port: config['port'],
  });
  return {
    ...running,
    close: async (graceMs?: number) => {
      await running.close(graceMs);
      await app.idle();
    },
  };
}

/** Unsafe mode, file loader on test/fixtures, HTTP loader off. */
export function startFixturePlayground(extra: string[] = []): Promise<RunningServer> {
  return startPlaygroundServer([
    '-imagor-unsafe',
    '-file-loader-base-dir',
    fixturePath(''),
    '-http-loader-disable',
    ...extra,
  ]);
}

import type { RunningServer } from '../../src/server/server.js';
import { fixturePath } from '../helpers/fixtures.js';
import { startServer } from '../helpers/server.js';

/** The real server as the CLI builds it (the playground is part of its handler). */
export function startPlaygroundServer(args: string[]): Promise<RunningServer> {
  return startServer(args);
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

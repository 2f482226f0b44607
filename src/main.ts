#!/usr/bin/env node
import { loadConfig } from './config/load.js';
import { buildServer } from './build.js';
import { createLogger, loggerOptionsFromConfig } from './observability/logger.js';
import { initSentry } from './observability/sentry.js';
import { VERSION } from './version.js';

async function main(): Promise<void> {
  const result = loadConfig(process.argv.slice(2), process.env);
  if (result.kind === 'help') {
    process.stdout.write(result.text);
    return;
  }
  if (result.kind === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return;
  }
  if (result.kind === 'error') {
    process.stderr.write(`${result.message}\n${result.usage}`);
    process.exit(result.exitCode);
  }
  const config = result.config;
  const sentry = config['sentry-dsn']
    ? await initSentry({ dsn: config['sentry-dsn'], version: VERSION })
    : undefined;
  const logger = createLogger({
    ...loggerOptionsFromConfig(config),
    ...(sentry ? { errorSink: sentry } : {}),
  });
  for (const name of result.unsupportedSet) {
    logger.warn({ flag: name }, `-${name} is set but not supported yet; it has no effect`);
  }
  const running = await buildServer(config, logger);
  logger.info({ url: running.url, version: VERSION }, 'imagor listening');
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down, finishing in-flight requests');
    running.close().then(
      async () => {
        await sentry?.close(2000);
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`imagor: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DestinationStream } from 'pino';
import { createLogger } from '../../src/observability/logger.js';
import { initSentry, type SentryReporter } from '../../src/observability/sentry.js';
import {
  eventMessage,
  startSentryEndpoint,
  type SentryEndpoint,
  type SentryEvent,
} from './sentry-endpoint.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/sentry-app.js', import.meta.url));
const silent: DestinationStream = { write: () => undefined };
const exceptionValue = (e: SentryEvent): string | undefined => e.exception?.values?.at(-1)?.value;

describe('Sentry reporting from the logger (in process)', () => {
  let endpoint: SentryEndpoint;
  let sentry: SentryReporter;

  before(async () => {
    endpoint = await startSentryEndpoint();
    sentry = await initSentry({
      dsn: endpoint.dsn,
      version: '9.9.9-test',
      environment: 'test',
      serverName: 'imagor-test-host',
      defaultIntegrations: false,
    });
  });
  after(async () => {
    await sentry.close(5000);
    await endpoint.close();
  });

  it('sends an error log with its Error as an exception event', async () => {
    const logger = createLogger({ destination: silent, errorSink: sentry });
    logger
      .child({ workerId: 4 })
      .error({ err: new TypeError('disk full'), key: 'a/b.jpg' }, 'storage write failed');
    assert.equal(await sentry.flush(5000), true);
    const ev = await endpoint.waitForEvent((e) => exceptionValue(e) === 'disk full');
    assert.equal(ev.level, 'error');
    assert.equal(ev.release, 'imagor@9.9.9-test');
    assert.equal(ev.environment, 'test');
    assert.equal(ev.server_name, 'imagor-test-host');
    assert.equal(ev.tags?.['logger'], 'pino');
    assert.equal(ev.extra?.['message'], 'storage write failed');
    assert.deepEqual(ev.contexts?.['log'], { workerId: 4, key: 'a/b.jpg' });
    const exc = ev.exception?.values?.at(-1);
    assert.equal(exc?.type, 'TypeError');
    const files = (exc?.stacktrace?.frames ?? []).map((f) => f.filename ?? '');
    assert.ok(
      files.some((f) => f.includes('sentry.test')),
      `stack frames name this test file: ${files.join(', ')}`,
    );
    const envelope = endpoint.envelopes.find((en) => en.items.some((i) => i.header['type'] === 'event'));
    assert.match(String(envelope?.path), /^\/api\/42\/envelope\//);
  });

  it('sends an error log without an Error as a message event, and fatal at level fatal', async () => {
    const logger = createLogger({ destination: silent, errorSink: sentry, ecs: true });
    logger.error('worker %d failed to start; giving up', 3);
    logger.fatal({ reason: 'oom' }, 'out of memory');
    await sentry.flush(5000);
    const ev = await endpoint.waitForEvent((e) => eventMessage(e) === 'worker 3 failed to start; giving up');
    assert.equal(ev.level, 'error');
    assert.equal(ev.exception, undefined);
    const fatal = await endpoint.waitForEvent((e) => eventMessage(e) === 'out of memory');
    assert.equal(fatal.level, 'fatal');
    assert.equal(fatal.contexts?.['log']?.['reason'], 'oom');
  });

  it('does not send info or warn records', async () => {
    const logger = createLogger({ destination: silent, errorSink: sentry });
    logger.info('quiet info');
    logger.warn('quiet warn');
    await sentry.flush(5000);
    const all = endpoint.envelopes.flatMap((e) => e.items.map((i) => JSON.stringify(i.payload)));
    assert.ok(!all.some((p) => p.includes('quiet info') || p.includes('quiet warn')));
  });
});

describe('Sentry in a running server process (-sentry-dsn)', () => {
  let endpoint: SentryEndpoint;
  before(async () => {
    endpoint = await startSentryEndpoint();
  });
  after(async () => {
    await endpoint.close();
  });

  it('reports error logs and uncaught exceptions, with the SDK default integrations', async () => {
    const child = spawn(
      process.execPath,
      [
        FIXTURE,
        '-bind',
        '127.0.0.1:0',
        '-imagor-unsafe',
        '-http-loader-disable',
        '-sentry-dsn',
        endpoint.dsn,
      ],
      { env: { PATH: process.env['PATH'] ?? '' }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('server did not start')), 20_000);
        void exited.then((code) => reject(new Error(`server exited early with ${code}`)));
        createInterface({ input: child.stdout }).on('line', (line) => {
          const rec = JSON.parse(line) as { msg?: string; url?: string };
          if (rec.msg === 'imagor listening' && rec.url) {
            clearTimeout(timer);
            resolve(rec.url);
          }
        });
      });
      assert.equal((await fetch(`${url}/healthcheck`)).status, 200);

      child.stdin.write('error\n');
      const ev = await endpoint.waitForEvent((e) => exceptionValue(e) === 'result storage unreachable');
      assert.equal(ev.level, 'error');
      assert.match(String(ev.release), /^imagor@\d+\.\d+\.\d+/);
      assert.equal(ev.extra?.['message'], 'storage write failed');
      assert.equal(ev.contexts?.['log']?.['storage'], 's3');

      child.stdin.write('crash\n');
      const crash = await endpoint.waitForEvent((e) => exceptionValue(e) === 'uncaught boom');
      assert.equal(crash.level, 'fatal');
      assert.equal(crash.exception?.values?.at(-1)?.mechanism?.handled, false);
      assert.equal(await exited, 1, 'the process still exits after an uncaught exception');
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

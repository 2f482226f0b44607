/**
 * `-sentry-dsn`: report error- and fatal-level log records (with their Error and stack) and uncaught
 * exceptions to Sentry with Sentry's Node SDK. The SDK is imported only when a DSN is set, so it
 * costs nothing otherwise. No tracing or performance data is sent, and no personal data.
 */
import type { ErrorLogEntry, ErrorSink } from './logger.js';

export interface SentryOptions {
  dsn: string;
  /** release name; default `imagor@<version>` when `version` is given */
  release?: string;
  version?: string;
  /** default: SENTRY_ENVIRONMENT, else `production` */
  environment?: string;
  /** default: the host name (the pod name in Kubernetes) */
  serverName?: string;
  /** the SDK's own debug output */
  debug?: boolean;
  /**
   * Keep the SDK's default integrations (uncaught exceptions, unhandled rejections, HTTP breadcrumbs,
   * …). Default true; tests turn it off so the SDK does not install process-wide handlers.
   */
  defaultIntegrations?: boolean;
}

/** An {@link ErrorSink} for `createLogger`, plus flush/close for shutdown. */
export interface SentryReporter extends ErrorSink {
  /** waits until queued events are sent (or the timeout passes); true when all were sent */
  flush(timeoutMs?: number): Promise<boolean>;
  /** flushes, then disables the SDK */
  close(timeoutMs?: number): Promise<boolean>;
}

type SentryModule = typeof import('@sentry/node');

function toSentryReporter(Sentry: SentryModule): SentryReporter {
  return {
    capture(entry: ErrorLogEntry): void {
      Sentry.withScope((scope) => {
        scope.setLevel(entry.level);
        scope.setTag('logger', 'pino');
        if (Object.keys(entry.fields).length > 0) scope.setContext('log', entry.fields);
        if (entry.err) {
          if (entry.message && entry.message !== entry.err.message) scope.setExtra('message', entry.message);
          Sentry.captureException(entry.err);
        } else {
          Sentry.captureMessage(entry.message || 'error logged', entry.level);
        }
      });
    },
    flush: (timeoutMs = 2000) => Sentry.flush(timeoutMs),
    close: (timeoutMs = 2000) => Sentry.close(timeoutMs),
  };
}

/** Initialises the Sentry SDK for this process and returns a reporter for the logger. */
export async function initSentry(opts: SentryOptions): Promise<SentryReporter> {
  const Sentry = await import('@sentry/node');
  const release = opts.release ?? (opts.version ? `imagor@${opts.version}` : undefined);
  Sentry.init({
    dsn: opts.dsn,
    environment: opts.environment ?? process.env['SENTRY_ENVIRONMENT'] ?? 'production',
    ...(release ? { release } : {}),
    ...(opts.serverName ? { serverName: opts.serverName } : {}),
    debug: opts.debug ?? false,
    sendDefaultPii: false,
    // errors only: tracesSampleRate is left unset, so no spans are recorded or sent
    ...(opts.defaultIntegrations === false ? { defaultIntegrations: false as const } : {}),
  });
  return toSentryReporter(Sentry);
}

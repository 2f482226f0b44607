/**
 * The server's logger: pino JSON lines by default, a human-readable console format for `-debug`,
 * and Elastic Common Schema (ECS) JSON for `-log-ecs`. Error and fatal records can also be handed
 * to an {@link ErrorSink} (Sentry, see `sentry.ts`) with the original `Error` object intact.
 *
 * The ECS mapping is written here with pino's own options (messageKey, timestamp, formatters) so no
 * extra dependency is needed: `@timestamp`, `log.level`, `message`, `ecs.version`, `process.pid`,
 * `host.hostname`, `error.*`, and the access-log fields as `http.*`, `url.original`, `client.ip`,
 * `user_agent.original` and `event.duration` (nanoseconds), a `url` string as `url.full`. Other fields
 * stay as they are, except plain values whose name is an ECS object field set (`file`, `service`, …),
 * which move under `labels` so they cannot clash with the ECS index mapping.
 */
import os from 'node:os';
import { format } from 'node:util';
import { pino, type DestinationStream, type Level, type LevelWithSilent, type Logger } from 'pino';

/** The ECS version the field mapping below follows. */
export const ECS_VERSION = '8.11.0';

/** One error- or fatal-level log record, as handed to an {@link ErrorSink}. */
export interface ErrorLogEntry {
  level: 'error' | 'fatal';
  /** the log message (printf-style arguments already applied); the error's message when none was given */
  message: string;
  /** the `err` field (or an `Error` passed as the first argument), when it is an Error */
  err?: Error;
  /** the logger's bindings and the record's other fields (without `err`) */
  fields: Record<string, unknown>;
}

/** Receives every error- and fatal-level record; must not throw (failures are swallowed). */
export interface ErrorSink {
  capture(entry: ErrorLogEntry): void;
}

export interface LoggerOptions {
  /** `-debug`: level `debug`, and the human-readable console format unless `ecs` is set */
  debug?: boolean;
  /** `-log-ecs`: Elastic Common Schema JSON lines */
  ecs?: boolean;
  /** explicit level; default `debug` with `debug`, else `info` */
  level?: LevelWithSilent;
  /** where lines go; default stdout (synchronous, like pino's default) */
  destination?: DestinationStream;
  /** fields on every record; default `{ pid, hostname }` */
  base?: Record<string, unknown>;
  /** also hand error/fatal records to this sink (e.g. Sentry) */
  errorSink?: ErrorSink;
}

/** The logger options the command-line configuration implies. */
export function loggerOptionsFromConfig(config: { debug: boolean; 'log-ecs': boolean }): LoggerOptions {
  return { debug: config.debug, ecs: config['log-ecs'] };
}

type Fields = Record<string, unknown>;

/** Top-level ECS field sets that are objects: a plain value under one of these names would clash. */
const ECS_OBJECTS = new Set(
  (
    'agent client cloud container data_stream destination device dll dns ecs email error event faas file ' +
    'group host http labels log network observer orchestrator organization package process registry ' +
    'related rule server service source span threat tls trace transaction url user user_agent vulnerability'
  ).split(' '),
);

const isRecord = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/** ECS `error.*` fields of an Error (or of an already serialised error-like object). */
function ecsError(err: unknown): Fields {
  if (err instanceof Error) {
    const out: Fields = { type: err.name || err.constructor.name, message: err.message };
    if (err.stack) out['stack_trace'] = err.stack;
    const code = (err as Error & { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') out['code'] = String(code);
    return out;
  }
  if (isRecord(err)) {
    const out: Fields = {};
    if (typeof err['type'] === 'string') out['type'] = err['type'];
    if (typeof err['message'] === 'string') out['message'] = err['message'];
    if (typeof err['stack'] === 'string') out['stack_trace'] = err['stack'];
    return out;
  }
  return { message: String(err) };
}

/** Maps one record's own fields to ECS; unknown fields are kept as they are. */
function ecsFields(obj: Fields): Fields {
  const out: Fields = { 'ecs.version': ECS_VERSION };
  const http: Fields = {};
  const labels: Fields = {};
  let access = false;
  for (const [key, value] of Object.entries(obj)) {
    switch (key) {
      case 'err':
      case 'error':
        out['error'] = ecsError(value);
        break;
      case 'status':
        if (typeof value === 'number') {
          http['response'] = { status_code: value };
          access = true;
        } else out[key] = value;
        break;
      case 'method':
        if (typeof value === 'string') {
          http['request'] = { method: value };
          access = true;
        } else out[key] = value;
        break;
      case 'uri':
        out['url'] = { original: value };
        break;
      case 'url':
        if (typeof value === 'string') out['url'] = { full: value };
        else out[key] = value;
        break;
      case 'ip':
        out['client'] = { ip: value };
        break;
      case 'user-agent':
        if (value !== undefined) out['user_agent'] = { original: value };
        break;
      case 'took':
        // access log: milliseconds → ECS event.duration in nanoseconds
        if (typeof value === 'number') out['event'] = { duration: Math.round(value * 1e6) };
        else out[key] = value;
        break;
      default:
        if (ECS_OBJECTS.has(key) && !isRecord(value)) labels[key] = value;
        else out[key] = value;
    }
  }
  if (access) out['http'] = http;
  if (Object.keys(labels).length > 0) out['labels'] = labels;
  return out;
}

function ecsBindings(bindings: Fields): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(bindings)) {
    if (key === 'pid') out['process'] = { pid: value };
    else if (key === 'hostname') out['host'] = { hostname: value };
    else out[key] = value;
  }
  return out;
}

/** The human-readable `-debug` format: `HH:MM:SS.mmm LEVEL message key=value …`, stacks indented below. */
export function formatPretty(line: string): string {
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  if (!isRecord(rec)) return `${line}\n`;
  const time = typeof rec['time'] === 'number' ? new Date(rec['time']) : new Date();
  const hms = time.toISOString().slice(11, 23);
  const label = typeof rec['level'] === 'number' ? (pino.levels.labels[rec['level']] ?? 'log') : 'log';
  const msg = typeof rec['msg'] === 'string' ? rec['msg'] : '';
  const parts: string[] = [];
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(rec)) {
    if (key === 'time' || key === 'level' || key === 'msg' || key === 'hostname') continue;
    if (isRecord(value) && typeof value['stack'] === 'string') {
      parts.push(`${key}=${JSON.stringify(String(value['message'] ?? ''))}`);
      stacks.push(value['stack']);
      continue;
    }
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    parts.push(`${key}=${typeof value === 'string' && /[\s"=]/.test(text) ? JSON.stringify(text) : text}`);
  }
  const head = [hms, label.toUpperCase().padEnd(5), msg, ...parts].filter((s) => s !== '').join(' ');
  const tail = stacks.map((s) => s.replace(/^/gm, '    ')).join('\n');
  return tail ? `${head}\n${tail}\n` : `${head}\n`;
}

/** A destination that rewrites each JSON line with {@link formatPretty} before passing it on. */
function prettyDestination(inner: DestinationStream): DestinationStream {
  return { write: (line: string) => inner.write(formatPretty(line)) };
}

/** Splits a pino call's arguments into message, error and fields for an {@link ErrorSink}. */
function toEntry(level: 'error' | 'fatal', args: unknown[], bindings: Fields): ErrorLogEntry {
  const [first, ...rest] = args;
  const fields: Fields = { ...bindings };
  let err: Error | undefined;
  let template: unknown;
  let params: unknown[];
  if (first instanceof Error) {
    err = first;
    [template, ...params] = rest;
  } else if (isRecord(first)) {
    for (const [k, v] of Object.entries(first)) {
      if (k === 'err' && v instanceof Error) err = v;
      else fields[k] = v;
    }
    [template, ...params] = rest;
  } else {
    template = first;
    params = rest;
  }
  let message = typeof template === 'string' ? format(template, ...params) : '';
  if (!message && err) message = err.message;
  return err ? { level, message, err, fields } : { level, message, fields };
}

/** Creates the server's pino logger. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const level: LevelWithSilent = opts.level ?? (opts.debug ? 'debug' : 'info');
  const base = opts.base ?? { pid: process.pid, hostname: os.hostname() };
  let destination: DestinationStream = opts.destination ?? pino.destination({ dest: 1, sync: true });
  if (opts.debug && !opts.ecs) destination = prettyDestination(destination);

  const sink = opts.errorSink;
  const hooks = sink
    ? {
        logMethod(
          this: Logger,
          args: Parameters<Logger['info']>,
          method: (...a: unknown[]) => void,
          num: number,
        ) {
          if (num >= pino.levels.values['error']!) {
            const label: Level = num >= pino.levels.values['fatal']! ? 'fatal' : 'error';
            try {
              sink.capture(toEntry(label, args, this.bindings()));
            } catch {
              // reporting must never break logging
            }
          }
          method.apply(this, args);
        },
      }
    : undefined;

  if (opts.ecs) {
    return pino(
      {
        level,
        base,
        messageKey: 'message',
        timestamp: () => `,"@timestamp":"${new Date().toISOString()}"`,
        formatters: {
          level: (label: string) => ({ 'log.level': label }),
          bindings: ecsBindings,
          log: ecsFields,
        },
        ...(hooks ? { hooks } : {}),
      },
      destination,
    );
  }
  return pino({ level, base, ...(hooks ? { hooks } : {}) }, destination);
}

/**
 * Node's process warnings (deprecations, the AWS SDK's Node-version notice, …) as `warn` records instead
 * of plain text on stderr, which would break a one-JSON-object-per-line log stream. Each distinct warning
 * is logged once.
 */
export function routeProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  const seen = new Set<string>();
  process.on('warning', (w: Error & { code?: string }) => {
    const message = w.message.replace(/\s+/g, ' ').trim();
    const key = `${w.name}:${w.code ?? ''}:${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    logger.warn({ warning: w.name, ...(w.code ? { code: w.code } : {}) }, message);
  });
}

/**
 * A stand-in for a Sentry server on 127.0.0.1: accepts envelope POSTs (`/api/<project>/envelope/`),
 * decodes them (gzip or plain) and records every item, so tests can assert on what the SDK sent.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface EnvelopeItem {
  header: Record<string, unknown>;
  payload: unknown;
}

export interface Envelope {
  path: string;
  header: Record<string, unknown>;
  items: EnvelopeItem[];
}

export interface SentryEndpoint {
  /** a DSN that points at this endpoint, project 42 */
  dsn: string;
  envelopes: Envelope[];
  /** resolves with the first event item (type `event`) for which `match` is true */
  waitForEvent(match: (event: SentryEvent) => boolean, timeoutMs?: number): Promise<SentryEvent>;
  close(): Promise<void>;
}

/** The parts of a Sentry event the tests look at. */
export interface SentryEvent {
  level?: string;
  message?: string | { formatted?: string };
  release?: string;
  environment?: string;
  server_name?: string;
  tags?: Record<string, string>;
  contexts?: Record<string, Record<string, unknown>>;
  extra?: Record<string, unknown>;
  exception?: {
    values?: {
      type?: string;
      value?: string;
      mechanism?: { type?: string; handled?: boolean };
      stacktrace?: { frames?: { filename?: string; function?: string }[] };
    }[];
  };
}

const parseJson = (b: Buffer): unknown => JSON.parse(b.toString('utf8'));

/** Parses the envelope wire format: header line, then (item header line, payload) pairs. */
export function parseEnvelope(body: Buffer, path = ''): Envelope {
  let pos = 0;
  const readLine = (): Buffer => {
    const nl = body.indexOf(0x0a, pos);
    const end = nl < 0 ? body.length : nl;
    const line = body.subarray(pos, end);
    pos = end + 1;
    return line;
  };
  const header = parseJson(readLine()) as Record<string, unknown>;
  const items: EnvelopeItem[] = [];
  while (pos < body.length) {
    const line = readLine();
    if (line.length === 0) continue;
    const itemHeader = parseJson(line) as Record<string, unknown>;
    let payload: Buffer;
    if (typeof itemHeader['length'] === 'number') {
      payload = body.subarray(pos, pos + itemHeader['length']);
      pos += itemHeader['length'] + 1;
    } else {
      payload = readLine();
    }
    let parsed: unknown;
    try {
      parsed = parseJson(payload);
    } catch {
      parsed = payload.toString('utf8');
    }
    items.push({ header: itemHeader, payload: parsed });
  }
  return { path, header, items };
}

export async function startSentryEndpoint(): Promise<SentryEndpoint> {
  const envelopes: Envelope[] = [];
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      if (req.method === 'POST' && /^\/api\/\d+\/envelope\/?/.test(req.url ?? '')) {
        envelopes.push(parseEnvelope(body, req.url ?? ''));
        for (const w of waiters) w();
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const events = (): SentryEvent[] =>
    envelopes.flatMap((e) =>
      e.items.filter((i) => i.header['type'] === 'event').map((i) => i.payload as SentryEvent),
    );

  return {
    dsn: `http://public0123456789abcdef@127.0.0.1:${port}/42`,
    envelopes,
    waitForEvent(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = events().find(match);
          if (found) {
            clearTimeout(timer);
            waiters.delete(onEnvelope);
            resolve(found);
            return true;
          }
          return false;
        };
        const onEnvelope = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(onEnvelope);
          reject(
            new Error(`no matching Sentry event within ${timeoutMs} ms; got ${JSON.stringify(events())}`),
          );
        }, timeoutMs);
        if (!check()) waiters.add(onEnvelope);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The text of an event's message, whichever shape the SDK used. */
export function eventMessage(e: SentryEvent): string {
  if (typeof e.message === 'string') return e.message;
  return e.message?.formatted ?? '';
}

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import type { DestinationStream } from 'pino';
import {
  createLogger,
  ECS_VERSION,
  formatPretty,
  loggerOptionsFromConfig,
  type ErrorLogEntry,
} from '../../src/observability/logger.js';

function collector(): DestinationStream & { lines: string[]; records: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  return {
    lines,
    write: (s: string) => void lines.push(s),
    records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger: default pino JSON', () => {
  it('writes one JSON line per record with level, time, pid, hostname and msg', () => {
    const out = collector();
    const logger = createLogger({ destination: out });
    logger.info({ url: 'http://x' }, 'imagor listening');
    logger.debug('hidden at info level');
    assert.equal(out.lines.length, 1);
    assert.ok(out.lines[0]!.endsWith('\n'));
    const [rec] = out.records();
    assert.equal(rec!['level'], 30);
    assert.equal(rec!['msg'], 'imagor listening');
    assert.equal(rec!['url'], 'http://x');
    assert.equal(rec!['pid'], process.pid);
    assert.equal(rec!['hostname'], os.hostname());
    assert.equal(typeof rec!['time'], 'number');
  });

  it('serialises errors with type, message and stack', () => {
    const out = collector();
    createLogger({ destination: out }).error({ err: new TypeError('bad thing') }, 'request failed');
    const err = out.records()[0]!['err'] as Record<string, unknown>;
    assert.equal(err['type'], 'TypeError');
    assert.equal(err['message'], 'bad thing');
    assert.match(String(err['stack']), /TypeError: bad thing/);
  });

  it('honours an explicit level', () => {
    const out = collector();
    const logger = createLogger({ destination: out, level: 'warn' });
    logger.info('no');
    logger.warn('yes');
    assert.deepEqual(
      out.records().map((r) => r['msg']),
      ['yes'],
    );
  });

  it('maps the -debug and -log-ecs flags', () => {
    assert.deepEqual(loggerOptionsFromConfig({ debug: true, 'log-ecs': false }), { debug: true, ecs: false });
    assert.deepEqual(loggerOptionsFromConfig({ debug: false, 'log-ecs': true }), { debug: false, ecs: true });
  });
});

describe('createLogger: -debug', () => {
  it('logs debug records in a human-readable line format', () => {
    const out = collector();
    const logger = createLogger({ debug: true, destination: out, base: { pid: 7 } });
    logger.debug({ workerId: 2, path: '/unsafe/a b.jpg' }, 'worker forked');
    logger.info('plain');
    assert.equal(out.lines.length, 2);
    assert.match(
      out.lines[0]!,
      /^\d\d:\d\d:\d\d\.\d{3} DEBUG worker forked pid=7 workerId=2 path="\/unsafe\/a b\.jpg"\n$/,
    );
    assert.match(out.lines[1]!, /^\d\d:\d\d:\d\d\.\d{3} INFO {2}plain pid=7\n$/);
  });

  it('prints an error stack indented under the line', () => {
    const out = collector();
    createLogger({ debug: true, destination: out, base: {} }).error({ err: new Error('boom') }, 'failed');
    const [head, ...stack] = out.lines[0]!.trimEnd().split('\n');
    assert.match(head!, /ERROR failed err="boom"$/);
    assert.match(stack[0]!, /^ {4}Error: boom$/);
    assert.ok(stack.length > 1);
    assert.ok(stack.every((l) => l.startsWith('    ')));
  });

  it('passes lines that are not JSON through unchanged', () => {
    assert.equal(formatPretty('not json'), 'not json\n');
  });
});

describe('createLogger: -log-ecs', () => {
  it('writes Elastic Common Schema fields', () => {
    const out = collector();
    const logger = createLogger({ ecs: true, destination: out });
    logger.info({ url: 'http://127.0.0.1:8000' }, 'imagor listening');
    const rec = out.records()[0]!;
    assert.equal(rec['log.level'], 'info');
    assert.equal(rec['message'], 'imagor listening');
    assert.equal(rec['ecs.version'], ECS_VERSION);
    assert.match(String(rec['@timestamp']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(rec['process'], { pid: process.pid });
    assert.deepEqual(rec['host'], { hostname: os.hostname() });
    assert.deepEqual(rec['url'], { full: 'http://127.0.0.1:8000' });
    for (const pinoKey of ['level', 'time', 'msg', 'pid', 'hostname']) assert.ok(!(pinoKey in rec), pinoKey);
  });

  it('maps errors to error.type, error.message and error.stack_trace', () => {
    const out = collector();
    const err = Object.assign(new RangeError('out of range'), { code: 'ERR_X' });
    createLogger({ ecs: true, destination: out }).error({ err, uri: '/unsafe/x.jpg' }, 'request failed');
    const rec = out.records()[0]!;
    assert.equal(rec['log.level'], 'error');
    const e = rec['error'] as Record<string, unknown>;
    assert.equal(e['type'], 'RangeError');
    assert.equal(e['message'], 'out of range');
    assert.equal(e['code'], 'ERR_X');
    assert.match(String(e['stack_trace']), /RangeError: out of range/);
    assert.deepEqual(rec['url'], { original: '/unsafe/x.jpg' });
    assert.ok(!('err' in rec));
  });

  it('maps an Error passed as the only argument', () => {
    const out = collector();
    createLogger({ ecs: true, destination: out }).error(new Error('alone'));
    const rec = out.records()[0]!;
    assert.equal(rec['message'], 'alone');
    assert.equal((rec['error'] as Record<string, unknown>)['message'], 'alone');
  });

  it('maps the access log to http, url, client, user_agent and event.duration', () => {
    const out = collector();
    createLogger({ ecs: true, destination: out }).info(
      {
        status: 200,
        method: 'GET',
        uri: '/unsafe/100x100/a.jpg',
        ip: '10.0.0.1',
        'user-agent': 'curl/8',
        took: 12,
      },
      'access',
    );
    const rec = out.records()[0]!;
    assert.deepEqual(rec['http'], { request: { method: 'GET' }, response: { status_code: 200 } });
    assert.deepEqual(rec['url'], { original: '/unsafe/100x100/a.jpg' });
    assert.deepEqual(rec['client'], { ip: '10.0.0.1' });
    assert.deepEqual(rec['user_agent'], { original: 'curl/8' });
    assert.deepEqual(rec['event'], { duration: 12_000_000 });
  });

  it('moves plain values named like ECS field sets under labels', () => {
    const out = collector();
    createLogger({ ecs: true, destination: out }).info({ file: 'a.jpg', service: 'x', key: 'k' }, 'stored');
    const rec = out.records()[0]!;
    assert.deepEqual(rec['labels'], { file: 'a.jpg', service: 'x' });
    assert.equal(rec['key'], 'k');
    assert.ok(!('file' in rec) && !('service' in rec));
  });

  it('keeps child bindings and maps their pid/hostname', () => {
    const out = collector();
    createLogger({ ecs: true, destination: out }).child({ workerId: 3 }).warn('worker error');
    const rec = out.records()[0]!;
    assert.equal(rec['workerId'], 3);
    assert.equal(rec['log.level'], 'warn');
    assert.deepEqual(rec['process'], { pid: process.pid });
  });

  it('-debug with -log-ecs stays ECS JSON at debug level', () => {
    const out = collector();
    createLogger({ ecs: true, debug: true, destination: out }).debug('detail');
    assert.equal(out.records()[0]!['log.level'], 'debug');
  });
});

describe('createLogger: error sink', () => {
  function withSink(ecs = false): {
    out: ReturnType<typeof collector>;
    got: ErrorLogEntry[];
    logger: ReturnType<typeof createLogger>;
  } {
    const out = collector();
    const got: ErrorLogEntry[] = [];
    const logger = createLogger({ ecs, destination: out, errorSink: { capture: (e) => void got.push(e) } });
    return { out, got, logger };
  }

  it('hands error and fatal records to the sink, with the Error and fields', () => {
    const { out, got, logger } = withSink();
    const err = new Error('disk full');
    logger.info('not this');
    logger.warn('nor this');
    logger.child({ workerId: 1 }).error({ err, key: 'a/b.jpg' }, 'storage %s failed', 'file');
    logger.fatal('giving up');
    assert.equal(out.lines.length, 4, 'every record is still written');
    assert.equal(got.length, 2);
    assert.equal(got[0]!.level, 'error');
    assert.equal(got[0]!.message, 'storage file failed');
    assert.equal(got[0]!.err, err);
    assert.equal(got[0]!.fields['key'], 'a/b.jpg');
    assert.equal(got[0]!.fields['workerId'], 1);
    assert.ok(!('err' in got[0]!.fields));
    assert.deepEqual(
      { level: got[1]!.level, message: got[1]!.message, err: got[1]!.err },
      {
        level: 'fatal',
        message: 'giving up',
        err: undefined,
      },
    );
  });

  it('uses the error message when the record has none', () => {
    const { got, logger } = withSink(true);
    logger.error(new Error('only an error'));
    assert.equal(got[0]!.message, 'only an error');
  });

  it('keeps logging when the sink throws', () => {
    const out = collector();
    const logger = createLogger({
      destination: out,
      errorSink: {
        capture: () => {
          throw new Error('sink down');
        },
      },
    });
    logger.error('still written');
    assert.equal(out.records()[0]!['msg'], 'still written');
  });
});

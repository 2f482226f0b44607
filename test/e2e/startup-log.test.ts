import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROOT, fixturePath } from '../helpers/fixtures.js';

const MAIN = 'dist/src/main.js';

interface Run {
  code: number | null;
  stdout: string[];
  stderr: string[];
}

/**
 * Runs the CLI until `done(lines)` says so (then SIGTERM) or it exits by itself; returns every output line.
 */
function runCli(
  args: string[],
  done: (lines: string[]) => boolean,
  env: Record<string, string> = {},
): Promise<Run> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Run = { code: null, stdout: [], stderr: [] };
  let buf = '';
  let stopped = false;
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    out.stdout.push(...parts);
    if (!stopped && done(out.stdout)) {
      stopped = true;
      // let late warnings (emitted on the next tick) reach the stream first
      setTimeout(() => child.kill('SIGTERM'), 500);
    }
  });
  let ebuf = '';
  child.stderr.on('data', (d: Buffer) => (ebuf += d.toString('utf8')));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      if (buf) out.stdout.push(buf);
      out.stderr = ebuf.split('\n').filter((l) => l !== '');
      out.code = code;
      resolve(out);
    });
  });
}

const parseAll = (lines: string[]): Array<Record<string, unknown>> =>
  lines.map((l) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      assert.fail(`not a JSON log line: ${l}`);
    }
  });

const listening = (lines: string[]): boolean => lines.some((l) => l.includes('"imagor listening"'));

describe('start-up log', () => {
  it('names the version, the bound address, the playground, sources, storages, mode and workers', async () => {
    const r = await runCli(
      ['-bind', '127.0.0.1:0', '-imagor-unsafe', '-file-loader-base-dir', fixturePath('imagor')],
      listening,
    );
    assert.deepEqual(r.stderr, []);
    const recs = parseAll(r.stdout);
    const line = recs.find((l) => l['msg'] === 'imagor listening');
    assert.ok(line);
    assert.match(String(line['version']), /^\d+\.\d+\.\d+/);
    assert.match(String(line['address']), /^127\.0\.0\.1:\d+$/);
    assert.equal(line['url'], `http://${String(line['address'])}`);
    assert.equal(line['playground'], `http://${String(line['address'])}/`);
    assert.deepEqual(line['loaders'], [`file-loader (${fixturePath('imagor')})`, 'http-loader']);
    assert.deepEqual(line['storages'], []);
    assert.deepEqual(line['resultStorages'], []);
    assert.equal(line['mode'], 'unsafe');
    assert.equal(line['workers'], 1);
  });

  it('bound to all interfaces, the address says so (not a loopback address)', async () => {
    const r = await runCli(['-port', '0', '-imagor-secret', 'x'], listening);
    const line = parseAll(r.stdout).find((l) => l['msg'] === 'imagor listening');
    assert.ok(line);
    assert.match(String(line['address']), /^(0\.0\.0\.0|\[::\]):\d+$/);
    assert.equal(line['mode'], 'signed');
    assert.equal(line['playground'], undefined);
  });

  it('a port in use: one clear JSON line and exit code 1', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const r = await runCli(['-bind', `127.0.0.1:${port}`, '-imagor-unsafe'], () => false);
      assert.equal(r.code, 1);
      assert.deepEqual(r.stderr, []);
      const recs = parseAll(r.stdout);
      const line = recs.find((l) => l['msg'] === `address 127.0.0.1:${port} is already in use`);
      assert.ok(line, r.stdout.join('\n'));
      assert.ok(!r.stdout.join('\n').includes('null:'), 'no null host');
    } finally {
      blocker.close();
    }
  });

  it('with S3 configured every output line is JSON (third-party warnings go through the logger)', async () => {
    const r = await runCli(
      [
        '-bind',
        '127.0.0.1:0',
        '-imagor-unsafe',
        '-s3-loader-bucket',
        'photos',
        '-s3-endpoint',
        'http://127.0.0.1:9',
        '-aws-access-key-id',
        'k',
        '-aws-secret-access-key',
        's',
        '-aws-region',
        'us-east-1',
      ],
      listening,
    );
    assert.deepEqual(r.stderr, []);
    const recs = parseAll(r.stdout);
    const line = recs.find((l) => l['msg'] === 'imagor listening');
    assert.deepEqual(line?.['loaders'], ['s3-loader (photos)', 'http-loader']);
    if (Number(process.versions.node.split('.')[0]) < 22) {
      assert.ok(
        recs.some((l) => l['level'] === 40 && String(l['msg']).includes('AWS SDK')),
        'the AWS SDK notice is a warn record',
      );
    }
  });
});

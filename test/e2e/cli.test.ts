import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { ROOT, readFixture } from '../helpers/fixtures.js';

const MAIN = 'dist/src/main.js';

function run(args: string[], env: Record<string, string> = {}): ReturnType<typeof spawnSync> {
  return spawnSync(process.execPath, [MAIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
}

/** Starts the CLI and resolves with its base URL once it logs that it listens. */
function startCli(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [MAIN, '-bind', '127.0.0.1:0', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start')), 15_000);
    child.once('exit', (code) => reject(new Error(`server exited early with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const rec = JSON.parse(line) as { url?: string; msg?: string };
        if (rec.url && rec.msg === 'imagor listening') {
          clearTimeout(timer);
          resolve({ child, url: rec.url });
        }
      } catch {
        // not a log line
      }
    });
  });
}

describe('command line', () => {
  it('-h lists the flags with their defaults and exits 0', () => {
    const r = run(['-h']);
    assert.equal(r.status, 0);
    const out = String(r.stdout);
    for (const flag of [
      '-imagor-secret',
      '-port',
      '-http-loader-allowed-sources',
      '-vips-max-width',
      '-s3-loader-bucket',
    ]) {
      assert.ok(out.includes(flag), flag);
    }
    assert.match(out, /8000/);
  });

  it('-version prints the package version', () => {
    const r = run(['-version']);
    assert.equal(r.status, 0);
    assert.match(String(r.stdout), /^\d+\.\d+\.\d+\s*$/);
  });

  it('an unknown flag prints the usage and exits 2', () => {
    const r = run(['-no-such-flag']);
    assert.equal(r.status, 2);
    assert.match(String(r.stderr), /no-such-flag/);
    assert.match(String(r.stderr), /-imagor-secret/);
  });

  it('refuses to start with exit 2 when the S3 bucket router file is invalid', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'imagor-cli-'));
    const file = path.join(dir, 'router.yml');
    writeFileSync(file, 'rules: [\n');
    try {
      const r = run(['-s3-loader-bucket-router-config', file]);
      assert.equal(r.status, 2);
      assert.match(String(r.stderr), /router\.yml: invalid YAML/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads flags from the environment', async () => {
    const r = spawnSync(process.execPath, [MAIN, '-h'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', PORT: 'not-a-number' },
      encoding: 'utf8',
    });
    // -h wins, but a bad env value for a flag is reported when the server would start
    assert.equal(r.status, 0);
    const bad = run([], { PORT: 'not-a-number' });
    assert.equal(bad.status, 2);
    assert.match(String(bad.stderr), /port/i);
  });

  it('finishes in-flight requests on SIGTERM, then exits 0', async () => {
    const png = readFixture('imagor/gopher.png');
    const origin = http.createServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': png.length });
        res.end(png);
      }, 600);
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    const port = (origin.address() as AddressInfo).port;
    const { child, url } = await startCli(['-imagor-unsafe', '-http-loader-block-loopback-networks=false']);
    try {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const pending = fetch(`${url}/unsafe/50x50/http://127.0.0.1:${port}/slow.png`);
      await new Promise((r) => setTimeout(r, 200));
      child.kill('SIGTERM');
      const res = await pending;
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/png');
      assert.equal(await exited, 0);
    } finally {
      child.kill('SIGKILL');
      origin.close();
    }
  });
});

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT, fixturePath } from '../helpers/fixtures.js';

const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};

function npm(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npm', args, {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
    env: {
      ...process.env,
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * `npm pack`, then an install of the tarball into an empty folder, offline: the dependencies come from this
 * checkout's node_modules (hard-linked, so nothing is downloaded and nothing here changes).
 */
describe('the packed tarball', { timeout: 300_000 }, () => {
  let dir: string;
  let tarball: string;
  let files: string[];
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'imagor-pack-'));
    // dist/ is already built (npm test builds first); --ignore-scripts skips the prepack rebuild, which would
    // replace dist/ under the tests running from it
    const r = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
    assert.equal(r.status, 0, r.stderr);
    const info = JSON.parse(r.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(dir, info[0]!.filename);
    files = info[0]!.files.map((f) => f.path);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the compiled server and the docs, and no tests, sources or benchmarks', () => {
    for (const f of [
      'package.json',
      'dist/src/main.js',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'docs/index.md',
    ]) {
      assert.ok(files.includes(f), f);
    }
    const stray = files.filter(
      (f) => !/^(dist\/src|docs|models)\//.test(f) && !/^(package\.json|README\.md|LICENSE)$/i.test(f),
    );
    assert.deepEqual(stray, []);
    assert.ok(!files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')), 'no TypeScript sources');
  });

  it('installs into an empty folder; `imagor -version` and a served image work', async () => {
    const app = path.join(dir, 'app');
    mkdirSync(app);
    writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'app', version: '1.0.0', private: true }),
    );
    const cp = spawnSync('cp', ['-al', path.join(ROOT, 'node_modules'), path.join(app, 'node_modules')]);
    assert.equal(cp.status, 0, String(cp.stderr));
    rmSync(path.join(app, 'node_modules', '.package-lock.json'), { force: true });
    const inst = npm(['install', '--offline', '--ignore-scripts', tarball], app);
    assert.equal(inst.status, 0, inst.stderr);

    const bin = path.join(app, 'node_modules', '.bin', 'imagor');
    const v = spawnSync(bin, ['-version'], { cwd: app, encoding: 'utf8', timeout: 30_000 });
    assert.equal(v.status, 0, v.stderr);
    assert.equal(v.stdout.trim(), pkg.version);

    const images = path.join(app, 'images');
    mkdirSync(images);
    copyFileSync(fixturePath('imagor/demo1.jpg'), path.join(images, 'demo1.jpg'));
    const child = spawn(bin, ['-bind', '127.0.0.1:0', '-imagor-unsafe', '-file-loader-base-dir', images], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('server did not start')), 60_000);
        child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
        createInterface({ input: child.stdout }).on('line', (line) => {
          const rec = JSON.parse(line) as { msg?: string; url?: string };
          if (rec.msg === 'imagor listening' && rec.url) {
            clearTimeout(timer);
            resolve(rec.url);
          }
        });
      });
      const res = await fetch(`${url}/unsafe/50x40/demo1.jpg`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/jpeg');
      assert.ok((await res.arrayBuffer()).byteLength > 0);
      const page = await fetch(`${url}/`);
      assert.equal(page.status, 200, 'the playground is served from the package');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
    }
  });
});

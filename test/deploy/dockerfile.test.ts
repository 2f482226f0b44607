import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import picomatch from 'picomatch';
import { ROOT } from '../helpers/fixtures.js';
import { execForm, last, parseDockerfile, type Copy, type Dockerfile, type Stage } from './dockerfile.js';

const dockerfile: Dockerfile = parseDockerfile(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'));
const runtime: Stage = dockerfile.stages.at(-1)!;
const stageByName = (name: string): Stage => {
  const s = dockerfile.stages.find((st) => st.name === name);
  assert.ok(s, `stage ${name} exists`);
  return s;
};
const runs = (stage: Stage): string[] =>
  stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

/** `.dockerignore` as a predicate on context-relative paths (a path is out when it or a parent matches). */
function dockerignore(): (p: string) => boolean {
  const rules = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => ({
      negate: l.startsWith('!'),
      match: picomatch(l.replace(/^!/, '').replace(/^\/|\/$/g, '')),
    }));
  return (p) => {
    const parts = path.posix.normalize(p).replace(/^\.\//, '').split('/');
    let excluded = false;
    for (const rule of rules) {
      for (let i = 1; i <= parts.length; i++) {
        if (rule.match(parts.slice(0, i).join('/'))) excluded = !rule.negate;
      }
    }
    return excluded;
  };
}

/** Where a COPY source lives in this repository after `npm run build`. */
function repoPath(copy: Copy, source: string): string {
  if (copy.from === undefined) return path.join(ROOT, source);
  const stage = stageByName(copy.from);
  const abs = source.startsWith('/') ? source : path.posix.join(stage.workdir, source);
  const prefix = `${stage.workdir.replace(/\/$/, '')}/`;
  assert.ok(abs.startsWith(prefix), `${source} is inside stage ${copy.from}'s WORKDIR ${stage.workdir}`);
  return path.join(ROOT, abs.slice(prefix.length));
}

function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const ins of stage.instructions.filter((i) => i.keyword === 'ENV')) {
    for (const m of ins.args.matchAll(/(\w+)=("[^"]*"|\S*)/g)) env[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  }
  return env;
}

/** The container's command: ENTRYPOINT followed by CMD, both in exec form. */
function startCommand(): string[] {
  const entry = last(runtime, 'ENTRYPOINT');
  assert.ok(entry, 'ENTRYPOINT');
  const cmd = last(runtime, 'CMD');
  return [...execForm(entry.args)!, ...(cmd ? execForm(cmd.args)! : [])];
}

function healthcheckCommand(): string[] {
  const hc = last(runtime, 'HEALTHCHECK');
  assert.ok(hc, 'HEALTHCHECK');
  const m = /\bCMD\s+(\[.*\])\s*$/.exec(hc.args);
  assert.ok(m, `HEALTHCHECK uses CMD in exec form: ${hc.args}`);
  return execForm(m[1]!)!;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

describe('Dockerfile recipe', () => {
  it('is multi-stage on node:20-bookworm-slim (the tested Node version): build with dev dependencies, run with production ones', () => {
    assert.ok(dockerfile.stages.length >= 2);
    for (const s of dockerfile.stages) assert.equal(s.image, 'node:20-bookworm-slim');
    const build = stageByName('build');
    assert.ok(
      runs(build).some((r) => /\bnpm ci\b/.test(r) && !r.includes('--omit=dev')),
      'build stage installs dev dependencies',
    );
    assert.ok(
      runs(build).some((r) => /\btsc\b|npm run build/.test(r)),
      'build stage compiles',
    );
    assert.ok(
      runs(runtime).some((r) => /\bnpm ci\b.*--omit=dev/.test(r)),
      'runtime: npm ci --omit=dev',
    );
    assert.ok(
      runs(runtime).some((r) => /apt-get install.*fonts-dejavu-core/.test(r)),
      'fonts for text',
    );
    assert.ok(runtime.copies.every((c) => c.from === undefined || c.from === 'build'));
  });

  it('runs as a non-root user in /app, exposes 8000 and has a HEALTHCHECK', () => {
    const user = last(runtime, 'USER');
    assert.ok(user && !/^(root|0)(:|$)/.test(user.args), 'non-root USER');
    assert.equal(runtime.workdir, '/app');
    assert.equal(last(runtime, 'EXPOSE')?.args, '8000');
    assert.equal(envOf(runtime)['PORT'], '8000');
    const hc = healthcheckCommand();
    assert.equal(hc[0], 'node');
    assert.deepEqual(startCommand().slice(0, 2), ['node', 'dist/src/main.js']);
  });

  it('every path it copies exists after the build and is not excluded by .dockerignore', () => {
    const ignored = dockerignore();
    let checked = 0;
    for (const stage of dockerfile.stages) {
      for (const copy of stage.copies) {
        for (const source of copy.sources) {
          assert.ok(
            existsSync(repoPath(copy, source)),
            `COPY source ${source} exists (${copy.from ?? 'context'})`,
          );
          if (copy.from === undefined) assert.ok(!ignored(source), `${source} is not in .dockerignore`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 5, `checked ${checked} COPY sources`);
    assert.ok(
      ignored('node_modules/x') && ignored('dist') && ignored('.git'),
      '.dockerignore keeps junk out',
    );
  });

  it('every file it runs is in the runtime image', () => {
    const copied = runtime.copies.flatMap((c) =>
      c.sources.map((s) =>
        path.posix.join(c.workdir, c.dest, c.sources.length > 1 ? path.posix.basename(s) : ''),
      ),
    );
    for (const cmd of [startCommand(), healthcheckCommand()]) {
      const script = path.posix.join(runtime.workdir, cmd[1]!);
      assert.ok(
        copied.some((c) => script === c || script.startsWith(`${c.replace(/\/$/, '')}/`)),
        `${script} is copied into the image`,
      );
      assert.ok(existsSync(path.join(ROOT, cmd[1]!)), `${cmd[1]} exists after npm run build`);
    }
  });

  it('the compiled server imports only production dependencies and Node built-ins', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const builtins = new Set(builtinModules);
    const missing = new Set<string>();
    for (const file of walk(path.join(ROOT, 'dist', 'src')).filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(file, 'utf8');
      for (const m of code.matchAll(
        /^\s*(?:import|export)\b[^'"]*?from\s*['"]([^'"]+)['"]|\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/gm,
      )) {
        const spec = (m[1] ?? m[2])!;
        if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec.split('/')[0]!)) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!(name in pkg.dependencies)) missing.add(`${name} (${path.relative(ROOT, file)})`);
      }
    }
    assert.deepEqual([...missing], [], 'imported packages missing from "dependencies"');
  });
});

describe('the container start command', () => {
  let app: string;
  let child: ChildProcess | undefined;

  /** Lays out /app as the runtime stage does: its COPY instructions, plus node_modules for `npm ci`. */
  before(() => {
    app = mkdtempSync(path.join(os.tmpdir(), 'imagor-app-'));
    for (const copy of runtime.copies) {
      const dest = path.posix.join(copy.workdir, copy.dest);
      assert.ok(
        dest.startsWith(`${runtime.workdir}/`) || dest === runtime.workdir || dest === `${runtime.workdir}/`,
      );
      const rel = path.posix.relative(runtime.workdir, dest);
      for (const source of copy.sources) {
        const target =
          copy.dest.endsWith('/') || copy.sources.length > 1
            ? path.join(app, rel, path.basename(source))
            : path.join(app, rel);
        mkdirSync(path.dirname(target), { recursive: true });
        cpSync(repoPath(copy, source), target, { recursive: true });
      }
    }
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'), 'dir');
  });
  after(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(app, { recursive: true, force: true });
  });

  const env = (): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'] ?? '', ...envOf(runtime) });

  function healthcheck(extraEnv: Record<string, string>): number | null {
    const [bin, ...args] = healthcheckCommand();
    assert.equal(bin, 'node');
    return spawnSync(process.execPath, args, { cwd: app, env: { ...env(), ...extraEnv }, timeout: 15_000 })
      .status;
  }

  it('starts the server, answers /healthcheck, passes the HEALTHCHECK and stops on SIGTERM', async () => {
    const [bin, ...args] = startCommand();
    assert.equal(bin, 'node');
    const proc = spawn(process.execPath, [...args, '-bind', '127.0.0.1:0', '-imagor-unsafe'], {
      cwd: app,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30_000);
      void exited.then((code) => reject(new Error(`server exited early with ${code}: ${stderr}`)));
      createInterface({ input: proc.stdout }).on('line', (line) => {
        let rec: { url?: unknown; msg?: unknown };
        try {
          rec = JSON.parse(line) as typeof rec;
        } catch {
          return;
        }
        if (typeof rec.url === 'string' && /listening/.test(String(rec.msg))) {
          clearTimeout(timer);
          resolve(rec.url);
        }
      });
    });
    const res = await fetch(`${url}/healthcheck`);
    assert.equal(res.status, 200);
    const bind = new URL(url).host;
    assert.equal(healthcheck({ BIND: bind }), 0, 'HEALTHCHECK passes while the server runs');

    proc.kill('SIGTERM');
    assert.equal(await exited, 0, 'SIGTERM shuts the server down cleanly');
    assert.equal(healthcheck({ BIND: bind }), 1, 'HEALTHCHECK fails once the server is gone');
  });
});

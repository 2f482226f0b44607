import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { startCli, type Cli } from '../helpers/cli.js';
import { jxlDeclaredSquare } from '../helpers/bombs.js';
import { fixturePath } from '../helpers/fixtures.js';
import { get, json } from '../helpers/server.js';

const exec = promisify(execFile);
/** sharp points VIPSHOME at its own libvips, which hides the system's loader modules from the command */
const vipsEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.VIPSHOME;
  return env;
};
const run = (cmd: string, argv: string[]) => exec(cmd, argv, { env: vipsEnv(), maxBuffer: 4 << 20 });

async function hasVipsJxl(): Promise<boolean> {
  try {
    const { stdout } = await run('vips', ['-l', 'foreign']);
    return stdout.includes('(jxlload)') && stdout.includes('(jxlsave)');
  } catch {
    return false;
  }
}

const args = (dir: string): string[] => [
  '-imagor-unsafe',
  '-http-loader-disable',
  '-file-loader-base-dir',
  dir,
];

describe('JPEG XL sources: which decoder, and its limits', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'imagor-jxl-'));
    await copyFile(fixturePath('imagor/jxl-isobmff.jxl'), path.join(dir, 'photo.jxl'));
    await writeFile(path.join(dir, 'declared-5000.jxl'), jxlDeclaredSquare(5000));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('without the vips command (bundled WebAssembly decoder)', () => {
    let cli: Cli;
    before(async () => {
      cli = await startCli(args(dir), 30_000, 0, { PATH: path.join(dir, 'no-such-bin') });
    });
    after(() => cli.stop());

    it('decodes a photo', async () => {
      const r = await get(`${cli.url}/unsafe/fit-in/320x320/filters:format(png)/photo.jxl`);
      assert.equal(r.status, 200);
      const meta = await sharp(r.body).metadata();
      assert.deepEqual([meta.width, meta.height], [320, 208]);
    });

    it('answers 422 for a JPEG XL over 16 megapixels before decoding it (within -vips-max-resolution)', async () => {
      const r = await get(`${cli.url}/unsafe/fit-in/100x100/declared-5000.jxl`);
      assert.equal(r.status, 422);
      assert.deepEqual(json(r), { message: 'maximum resolution exceeded', status: 422 });
    });
  });

  describe('with the vips command (native libjxl in a child process)', () => {
    let cli: Cli | undefined;
    let skip = '';
    before(async () => {
      if (!(await hasVipsJxl())) {
        skip = 'no vips command with jxlload and jxlsave';
        return;
      }
      // 18 megapixels: past the bundled decoder's cap, inside -vips-max-resolution
      await run('vips', ['black', path.join(dir, 'big.v'), '4200', '4200', '--bands', '3']);
      await run('vips', ['jxlsave', path.join(dir, 'big.v'), path.join(dir, 'big.jxl')]);
      await rm(path.join(dir, 'big.v'));
      cli = await startCli(args(dir));
    });
    after(() => cli?.stop());

    it('decodes an 18-megapixel JPEG XL', async (t) => {
      if (!cli) return t.skip(skip);
      const r = await get(`${cli.url}/unsafe/fit-in/100x100/filters:format(png)/big.jxl`);
      assert.equal(r.status, 200);
      const meta = await sharp(r.body).metadata();
      assert.deepEqual([meta.width, meta.height], [100, 100]);
      assert.ok(!cli.lines.some((l) => /replacing it/.test(String(l.msg))), 'the worker was not replaced');
    });

    it('runs one vips command at a time per worker; the others wait and are answered', async (t) => {
      if (!cli) return t.skip(skip);
      const c = cli;
      let most = 0;
      const sample = setInterval(() => {
        const children = c.tree().filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'vips';
          } catch {
            return false;
          }
        });
        most = Math.max(most, children.length);
      }, 20);
      try {
        const answers = await Promise.all(
          [1, 2, 3].map((q) => get(`${c.url}/unsafe/fit-in/100x100/filters:quality(${q})/big.jxl`)),
        );
        assert.deepEqual(
          answers.map((a) => a.status),
          [200, 200, 200],
        );
      } finally {
        clearInterval(sample);
      }
      assert.equal(most, 1, 'vips commands running at once');
    });

    it('keeps the source as the libvips loader reads it (a grey photo stays one band)', async (t) => {
      if (!cli) return t.skip(skip);
      const r = await get(`${cli.url}/unsafe/filters:format(png)/photo.jxl`);
      assert.equal(r.status, 200);
      const meta = await sharp(r.body).metadata();
      assert.deepEqual([meta.width, meta.height, meta.channels], [640, 416, 1]);
    });
  });
});

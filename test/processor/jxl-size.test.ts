import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jxlSize } from '../../src/processor/jxl-size.js';
import { jxlDeclaredSquare } from '../helpers/bombs.js';
import { fixturePath } from '../helpers/fixtures.js';
import { get, json, startServer } from '../helpers/server.js';

describe('JPEG XL size header', () => {
  for (const [file, w, h] of [
    ['b_8x8.jxl', 8, 8],
    ['b_640x480.jxl', 640, 480],
    ['b_333x777.jxl', 333, 777],
    ['b_1000x1.jxl', 1000, 1],
    ['b_1920x1080.jxl', 1920, 1080],
  ] as const) {
    it(`reads ${w}x${h} from a bare codestream`, async () => {
      assert.deepEqual(jxlSize(await readFile(fixturePath(`jxl/${file}`))), { width: w, height: h });
    });
  }

  it('reads the size from the ISOBMFF container', async () => {
    assert.deepEqual(jxlSize(await readFile(fixturePath('imagor/jxl-isobmff.jxl'))), {
      width: 640,
      height: 416,
    });
  });

  it('reads a declared size without any pixel data, and refuses what is not JPEG XL', async () => {
    assert.deepEqual(jxlSize(jxlDeclaredSquare(30000)), { width: 30000, height: 30000 });
    assert.equal(jxlSize(Buffer.from([0xff, 0x0a])), undefined);
    assert.equal(jxlSize(Buffer.from('not an image at all')), undefined);
  });

  it('a JPEG XL declaring 30000x30000 is refused with 422 before it is decoded', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'jxl-bomb-'));
    await writeFile(path.join(dir, 'bomb.jxl'), jxlDeclaredSquare(30000));
    const server = await startServer([
      '-imagor-unsafe',
      '-file-loader-base-dir',
      dir,
      '-http-loader-disable',
    ]);
    try {
      const r = await get(`${server.url}/unsafe/100x100/bomb.jxl`);
      assert.equal(r.status, 422);
      assert.deepEqual(json(r), { message: 'maximum resolution exceeded', status: 422 });
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

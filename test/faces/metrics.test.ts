import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixturePath } from '../helpers/fixtures.js';
import { startCli, type LogLine } from '../helpers/cli.js';

async function waitFor(lines: LogLine[], test: (l: LogLine) => boolean, ms = 20_000): Promise<LogLine> {
  const end = Date.now() + ms;
  for (;;) {
    const l = lines.find(test);
    if (l) return l;
    if (Date.now() > end) throw new Error('log line not seen');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('face detection metrics (built server, -prometheus-bind)', () => {
  it('/metrics counts detections and cache answers apart', async () => {
    const cli = await startCli([
      '-imagor-unsafe',
      '-file-loader-base-dir',
      fixturePath(''),
      '-http-loader-disable',
      '-face-detector',
      '-face-detector-cache-size',
      '10',
      '-prometheus-bind',
      '127.0.0.1:0',
      '-prometheus-path',
      '/metrics',
    ]);
    try {
      const m = await waitFor(cli.lines, (l) => l.msg === 'metrics listening' && typeof l.url === 'string');
      const scrape = async (): Promise<{ detector: number; cache: number }> => {
        const text = await (await fetch(`${String(m.url).replace(/\/+$/, '')}/metrics`)).text();
        const value = (answer: string): number =>
          Number(
            new RegExp(`^imagor_face_detections_total\\{answer="${answer}"\\} (\\d+)`, 'm').exec(text)?.[1],
          );
        return { detector: value('detector'), cache: value('cache') };
      };
      assert.deepEqual(await scrape(), { detector: 0, cache: 0 });
      for (const size of ['300x300', '200x100', '120x240']) {
        const r = await fetch(`${cli.url}/unsafe/${size}/smart/faces/photo-c-800.jpg`);
        assert.equal(r.status, 200);
        await r.arrayBuffer();
      }
      assert.deepEqual(await scrape(), { detector: 1, cache: 2 });
      // a request that does not ask for faces detects nothing
      const plain = await fetch(`${cli.url}/unsafe/300x300/faces/people-800.jpg`);
      assert.equal(plain.status, 200);
      await plain.arrayBuffer();
      assert.deepEqual(await scrape(), { detector: 1, cache: 2 });
    } finally {
      await cli.stop();
    }
  });
});

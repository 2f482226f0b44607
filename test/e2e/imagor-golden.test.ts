import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BuiltServer } from '../../src/build.js';
import { fixturePath } from '../helpers/fixtures.js';
import { getRaw, judge, type GoldenCase } from '../helpers/imagor-golden.js';
import { startServer } from '../helpers/server.js';

/**
 * Every case of imagor's golden share (test/fixtures/imagor-golden/) replayed through the real server and
 * judged by the rule in that folder's README. A case that does not match must be listed, with its
 * reason, in known-misses.json; a listed case that now matches fails too, so the list only shrinks.
 */
const DIR = fixturePath('imagor-golden');
const read = (rel: string): Buffer => readFileSync(path.join(DIR, rel));

interface KnownMiss {
  request: string;
  flags: string[];
  reason: string;
}

const cases = JSON.parse(read('manifest.json').toString('utf8')) as GoldenCase[];
const misses = JSON.parse(read('known-misses.json').toString('utf8')) as KnownMiss[];

const key = (request: string, flags: string[]): string => `${request} ${JSON.stringify(flags)}`;
const missByKey = new Map(misses.map((m) => [key(m.request, m.flags), m]));

/** One server per flag profile, on top of imagor's base command for its golden tests. */
const profiles = new Map<string, GoldenCase[]>();
for (const c of cases) {
  const k = c.flags.join(' ');
  profiles.set(k, [...(profiles.get(k) ?? []), c]);
}

describe("imagor's golden images", () => {
  it('lists only cases of the manifest as known misses, each once and with a reason', (t) => {
    const known = new Set(cases.map((c) => key(c.request, c.flags)));
    const seen = new Set<string>();
    for (const m of misses) {
      const k = key(m.request, m.flags);
      assert.ok(known.has(k), `known miss not in the manifest: ${k}`);
      assert.ok(!seen.has(k), `known miss listed twice: ${k}`);
      assert.ok(m.reason.trim().length > 0, `known miss without a reason: ${k}`);
      seen.add(k);
    }
    t.diagnostic(`${cases.length - misses.length} of ${cases.length} cases are expected to match imagor`);
  });

  for (const [flags, group] of profiles) {
    describe(`flags: ${flags || '(base)'}`, { concurrency: 4 }, () => {
      let s: BuiltServer;
      before(async () => {
        s = await startServer([
          '-imagor-unsafe',
          '-http-loader-disable',
          '-file-loader-base-dir',
          fixturePath('imagor'),
          ...group[0]!.flags,
        ]);
      });
      after(() => s.close());

      for (const c of group) {
        const miss = missByKey.get(key(c.request, c.flags));
        it(`GET ${c.request}${miss ? ' (known miss)' : ''}`, async () => {
          const verdict = await judge(c, await getRaw(s.url, c.request), read);
          if (miss) {
            assert.ok(
              !verdict.ok,
              `now matches imagor: remove it from test/fixtures/imagor-golden/known-misses.json (${miss.reason})`,
            );
          } else {
            assert.ok(verdict.ok, `differs from imagor: ${verdict.why}`);
          }
        });
      }
    });
  }
});

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { buildServer, type BuiltServer } from '../../src/build.js';
import { loadConfig } from '../../src/config/load.js';
import { FILTERS } from '../../src/processor/filters/index.js';
import { FILTER_HELP } from '../../src/playground/filter-help.js';
import { configurationPage } from '../../scripts/options-doc.js';
import { filtersPage } from '../../scripts/filters-doc.js';
import { ROOT } from '../helpers/fixtures.js';

const DOCS = path.join(ROOT, 'docs');
const pages = (): string[] => [
  path.join(ROOT, 'README.md'),
  ...readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join(DOCS, f)),
];
const read = (file: string): string => readFileSync(file, 'utf8');

/** Markdown link and image targets: `[text](target)` with balanced parentheses in the target. */
function linkTargets(md: string): string[] {
  const out: string[] = [];
  const re = /\]\(/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(md))) {
    let depth = 0;
    let i = m.index + 2;
    let target = '';
    for (; i < md.length; i++) {
      const ch = md[i]!;
      if (ch === '(') depth++;
      else if (ch === ')') {
        if (depth === 0) break;
        depth--;
      } else if (/\s/.test(ch)) break;
      target += ch;
    }
    out.push(target);
  }
  return out;
}

/** Every `http://localhost:8000/…` URL in a page (up to whitespace, a quote, a backtick or an unbalanced `)`). */
export function exampleUrls(md: string): string[] {
  const out: string[] = [];
  const start = 'http://localhost:8000';
  let at = md.indexOf(start);
  while (at >= 0) {
    let depth = 0;
    let i = at + start.length;
    for (; i < md.length; i++) {
      const ch = md[i]!;
      if (/[\s`'"<>]/.test(ch)) break;
      if (ch === '(') depth++;
      else if (ch === ')') {
        if (depth === 0) break;
        depth--;
      }
    }
    out.push(md.slice(at + start.length, i) || '/');
    at = md.indexOf(start, i);
  }
  return [...new Set(out)];
}

describe('docs', () => {
  it('docs/configuration.md is the one generated from the option table (run npm run docs)', () => {
    assert.equal(read(path.join(DOCS, 'configuration.md')), configurationPage());
  });

  it('docs/filters.md is the one generated from the filter help (run npm run docs)', () => {
    assert.equal(read(path.join(DOCS, 'filters.md')), filtersPage());
  });

  it('every filter has a line of help and an example, and only real filters do', () => {
    assert.deepEqual(Object.keys(FILTER_HELP).sort(), [...FILTERS.keys()].sort());
  });

  it('every relative link in the README and docs/ resolves', () => {
    const broken: string[] = [];
    for (const file of pages()) {
      for (const target of linkTargets(read(file))) {
        if (/^[a-z]+:/i.test(target) || target.startsWith('#') || target === '') continue;
        const rel = decodeURIComponent(target.split('#')[0]!);
        if (!existsSync(path.resolve(path.dirname(file), rel)))
          broken.push(`${path.relative(ROOT, file)}: ${target}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  it('every docs page is linked from the README', () => {
    const readme = read(path.join(ROOT, 'README.md'));
    const linked = new Set(linkTargets(readme).map((t) => t.split('#')[0]));
    const missing = readdirSync(DOCS)
      .filter((f) => f.endsWith('.md'))
      .filter((f) => !linked.has(`docs/${f}`));
    assert.deepEqual(missing, []);
  });

  it('the README fits on a few screens', () => {
    // about three screens: the introduction, the comparison, and the measured tables (faces, cache, soak)
    assert.ok(read(path.join(ROOT, 'README.md')).split('\n').length <= 140);
  });
});

describe('every example URL in the docs works against the bundled examples', () => {
  let server: BuiltServer;
  before(async () => {
    const r = loadConfig(
      [
        '-bind',
        '127.0.0.1:0',
        '-imagor-unsafe',
        '-imagor-secret',
        'mysecret',
        '-file-loader-base-dir',
        path.join(ROOT, 'examples'),
        '-http-loader-disable',
        '-upload-loader-enable',
        '-face-detector',
      ],
      {},
      { readFile: () => undefined },
    );
    if (r.kind !== 'config') throw new Error('bad configuration');
    server = await buildServer(r.config, pino({ level: 'silent' }));
  });
  after(() => server.close());

  const all = new Map<string, string>();
  for (const file of pages()) {
    for (const url of exampleUrls(read(file))) if (!all.has(url)) all.set(url, path.relative(ROOT, file));
  }

  it('finds the examples', () => {
    assert.ok(all.size >= 60, `only ${all.size} example URLs`);
  });

  for (const [url, file] of all) {
    it(`${file}: ${url}`, async () => {
      const res = await fetch(server.url + url);
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(res.status, 200, body.toString('utf8').slice(0, 200));
      assert.ok(body.length > 0);
    });
  }

  it('docs/upload.md: the raw-body and the form upload both answer an image', async () => {
    const photo = readFileSync(path.join(ROOT, 'examples', 'photo.jpg'));
    const raw = await fetch(`${server.url}/unsafe/fit-in/300x200/filters:format(webp)/`, {
      method: 'POST',
      headers: { 'Content-Type': 'image/jpeg' },
      body: photo,
    });
    assert.equal(raw.status, 200);
    assert.equal(raw.headers.get('content-type'), 'image/webp');
    const form = new FormData();
    form.append('image', new Blob([photo], { type: 'image/jpeg' }), 'photo.jpg');
    const multipart = await fetch(`${server.url}/unsafe/300x200/`, { method: 'POST', body: form });
    assert.equal(multipart.status, 200);
    assert.equal(multipart.headers.get('content-type'), 'image/jpeg');
  });
});

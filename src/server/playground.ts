import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppResponse } from '../app/app.js';
import type { Config } from '../config/options.js';
import { playgroundPage, PLAYGROUND_CSS, type PlaygroundPageConfig } from '../playground/page.js';
import { FILTERS } from '../processor/filters/index.js';
import { VERSION } from '../version.js';

/** Where and how the URL playground is served (see `playgroundOptions` for the mapping from flags). */
export interface PlaygroundOptions {
  /** `-playground`: an extra path for the page, e.g. `/playground`; '' for none */
  path: string;
  /** also serve the page at `/` (unsafe mode without `-imagor-base-path-redirect`) */
  root: boolean;
  /** unsafe mode: the page previews `unsafe/` URLs without a secret */
  unsafe: boolean;
  /** the file loader's folder, listed by `<assets>/images.json`; '' disables the listing */
  imagesDir: string;
  /** `-file-loader-path-prefix`: put in front of every listed file */
  imagesPrefix: string;
  /** shown in the page header */
  version: string;
  /** filter names offered by the page */
  filters: readonly string[];
}

/**
 * The playground for a configuration: at `-playground` if set, and at `/` in unsafe mode (unless `/`
 * redirects); the file loader's folder is only listed in unsafe mode. Undefined when neither applies.
 */
export function playgroundOptions(config: Config): PlaygroundOptions | undefined {
  const path = normalizePath(config['playground']);
  const unsafe = config['imagor-unsafe'];
  const root = unsafe && config['imagor-base-path-redirect'] === '';
  if (path === '' && !root) return undefined;
  return {
    path,
    root,
    unsafe,
    imagesDir: unsafe ? config['file-loader-base-dir'] : '',
    imagesPrefix: config['file-loader-path-prefix'],
    version: VERSION,
    filters: [...FILTERS.keys()].sort(),
  };
}

function normalizePath(p: string): string {
  const trimmed = p.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : '/' + trimmed;
}

/** The browser halves of the URL library (no node: imports); `signer.js` is Node-only and not served. */
const PATH_LIBRARY = new Set(['index', 'parse', 'generate', 'json', 'escape', 'params', 'web-signer']);
const DIST_SRC = new URL('../', import.meta.url);
const IMAGE_EXTENSIONS = /\.(jpe?g|png|gif|webp|avif|heic|heif|tiff?|bmp|jxl|jp2|j2k|svg|pdf)$/i;
const MAX_LISTED = 500;
const MAX_DEPTH = 4;

const TYPES = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
} as const;

/** The page's Content-Security-Policy: everything from this server, previews as blob: URLs. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; base-uri 'none'; form-action 'none'";

/**
 * Routes of the playground: the page, its stylesheet, its script and the URL library modules it imports,
 * and the image listing. Answers undefined for every other path (the request goes on to the app).
 *
 * Assets live under `<page path>/` (or `/playground/` when the page is only at `/`):
 * `style.css`, `lib/playground/client.js`, `lib/playground/filter-help.js`, `lib/path/<module>.js`, `images.json`.
 */
export function createPlayground(
  o: PlaygroundOptions,
): (method: string, path: string) => Promise<AppResponse | undefined> {
  const assets = o.path || '/playground';
  const files = new Map<string, Buffer>();

  const dist = async (rel: string): Promise<Buffer> => {
    let data = files.get(rel);
    if (data === undefined) {
      // the source maps point into src/, which is not served
      const text = (await readFile(new URL(rel, DIST_SRC), 'utf8')).replace(
        /\n\/\/# sourceMappingURL=\S*\s*$/,
        '\n',
      );
      data = Buffer.from(text);
      files.set(rel, data);
    }
    return data;
  };

  const page = (requestPath: string): Buffer => {
    // relative links keep working behind -server-path-prefix and when mounted under a sub-path
    const dir = requestPath.slice(0, requestPath.lastIndexOf('/') + 1);
    const depth = dir.split('/').length - 2;
    const root = depth > 0 ? '../'.repeat(depth) : './';
    const config: PlaygroundPageConfig = {
      root,
      assets: root + assets.slice(1) + '/',
      unsafe: o.unsafe,
      images: o.imagesDir !== '',
      version: o.version,
      filters: [...o.filters],
    };
    return Buffer.from(playgroundPage(config));
  };

  return async (method, requestPath) => {
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    if (
      (o.root && requestPath === '/') ||
      (o.path !== '' && (requestPath === o.path || requestPath === o.path + '/'))
    ) {
      return ok(TYPES.html, page(requestPath), { 'Content-Security-Policy': CSP });
    }
    if (!requestPath.startsWith(assets + '/')) return undefined;
    const rest = requestPath.slice(assets.length + 1);
    if (rest === 'style.css') return ok(TYPES.css, Buffer.from(PLAYGROUND_CSS));
    if (rest === 'lib/playground/client.js') return ok(TYPES.js, await dist('playground/client.js'));
    if (rest === 'lib/playground/filter-help.js')
      return ok(TYPES.js, await dist('playground/filter-help.js'));
    const lib = /^lib\/path\/([a-z-]+)\.js$/.exec(rest);
    if (lib?.[1] !== undefined && PATH_LIBRARY.has(lib[1])) {
      return ok(TYPES.js, await dist(`path/${lib[1]}.js`));
    }
    if (rest === 'images.json' && o.imagesDir !== '') {
      const images = await listImages(o.imagesDir, o.imagesPrefix);
      return ok(TYPES.json, Buffer.from(JSON.stringify({ images })), { 'Cache-Control': 'no-store' });
    }
    return undefined;
  };
}

function ok(type: string, body: Buffer, extra: Record<string, string> = {}): AppResponse {
  return {
    status: 200,
    headers: {
      'Content-Type': type,
      'Content-Length': String(body.length),
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      ...extra,
    },
    body,
  };
}

/** Image files under the folder (breadth-first, sorted, no dot files, no symlinks), as image keys. */
export async function listImages(baseDir: string, pathPrefix: string): Promise<string[]> {
  const prefix = pathPrefix.replace(/^\/+|\/+$/g, '');
  const out: string[] = [];
  let level: string[] = [''];
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0 && out.length < MAX_LISTED; depth++) {
    const next: string[] = [];
    for (const rel of level) {
      let entries;
      try {
        entries = await readdir(path.join(baseDir, rel), { withFileTypes: true });
      } catch {
        continue;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        const key = rel === '' ? e.name : `${rel}/${e.name}`;
        if (e.isDirectory()) next.push(key);
        else if (e.isFile() && IMAGE_EXTENSIONS.test(e.name) && out.length < MAX_LISTED) out.push(key);
      }
    }
    level = next;
  }
  out.sort();
  return prefix === '' ? out : out.map((k) => `${prefix}/${k}`);
}

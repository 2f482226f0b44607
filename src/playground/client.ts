/**
 * The playground's browser script, an ES module served as compiled JavaScript next to the URL library it
 * imports (no bundler, no CDN). It builds Params from the form, writes the path with the project's own
 * generatePath, signs it in the browser with WebCrypto (signAsync) and shows what the server makes of it.
 */
import { generatePath, parse, signAsync, type Filter, type Params } from '../path/index.js';
import { FILTER_HELP } from './filter-help.js';
import type { PlaygroundPageConfig } from './page.js';

const FIT_MODES: Readonly<Record<string, Partial<Params>>> = {
  none: {},
  'fit-in': { fit_in: true },
  'full-fit-in': { fit_in: true, full_fit_in: true },
  'adaptive-fit-in': { fit_in: true, adaptive_fit_in: true },
  stretch: { stretch: true },
};

function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`playground: #${id} is missing`);
  return el;
}

const config = JSON.parse(
  byId('playground-config', HTMLScriptElement).textContent ?? '{}',
) as PlaygroundPageConfig;

const ui = {
  form: byId('controls', HTMLFormElement),
  paste: byId('paste', HTMLInputElement),
  pasteStatus: byId('paste-status', HTMLParagraphElement),
  copyUrl: byId('copy-url', HTMLButtonElement),
  copyStatus: byId('copy-status', HTMLSpanElement),
  sourceList: byId('source-list', HTMLSelectElement),
  sourceListLabel: byId('source-list-label', HTMLLabelElement),
  source: byId('source', HTMLInputElement),
  width: byId('width', HTMLInputElement),
  height: byId('height', HTMLInputElement),
  fit: byId('fit', HTMLSelectElement),
  hFlip: byId('h-flip', HTMLInputElement),
  vFlip: byId('v-flip', HTMLInputElement),
  cropLeft: byId('crop-left', HTMLInputElement),
  cropTop: byId('crop-top', HTMLInputElement),
  cropRight: byId('crop-right', HTMLInputElement),
  cropBottom: byId('crop-bottom', HTMLInputElement),
  hAlign: byId('h-align', HTMLSelectElement),
  vAlign: byId('v-align', HTMLSelectElement),
  smart: byId('smart', HTMLInputElement),
  filters: byId('filters', HTMLOListElement),
  addFilter: byId('add-filter', HTMLButtonElement),
  filterRow: byId('filter-row', HTMLTemplateElement),
  secret: byId('secret', HTMLInputElement),
  signerType: byId('signer-type', HTMLSelectElement),
  signerTruncate: byId('signer-truncate', HTMLInputElement),
  url: byId('url', HTMLElement),
  signedBox: byId('signed-box', HTMLDivElement),
  signedUrl: byId('signed-url', HTMLElement),
  size: byId('stat-size', HTMLOutputElement),
  format: byId('stat-format', HTMLOutputElement),
  bytes: byId('stat-bytes', HTMLOutputElement),
  time: byId('stat-time', HTMLOutputElement),
  status: byId('status', HTMLParagraphElement),
  preview: byId('preview', HTMLImageElement),
  params: byId('params', HTMLPreElement),
};

/** A number typed into an input; empty, invalid or negative input counts as 0 (not set). */
function numberOf(input: HTMLInputElement): number {
  const n = Number(input.value);
  return input.value.trim() !== '' && Number.isFinite(n) && n > 0 ? n : 0;
}

function filtersOf(): Filter[] {
  const out: Filter[] = [];
  for (const row of Array.from(ui.filters.querySelectorAll('li'))) {
    const name = row.querySelector('select')?.value ?? '';
    const args = row.querySelector('input')?.value.trim() ?? '';
    if (name !== '') out.push(args === '' ? { name } : { name, args });
  }
  return out;
}

/** The form as imagor Params. */
function paramsOf(): Params {
  const p: Params = { image: ui.source.value.trim(), ...FIT_MODES[ui.fit.value] };
  const width = Math.round(numberOf(ui.width));
  const height = Math.round(numberOf(ui.height));
  if (width > 0) p.width = width;
  if (height > 0) p.height = height;
  if (ui.hFlip.checked) p.h_flip = true;
  if (ui.vFlip.checked) p.v_flip = true;
  const crop = [ui.cropLeft, ui.cropTop, ui.cropRight, ui.cropBottom].map(numberOf);
  const [left = 0, top = 0, right = 0, bottom = 0] = crop;
  if (left > 0) p.crop_left = left;
  if (top > 0) p.crop_top = top;
  if (right > 0) p.crop_right = right;
  if (bottom > 0) p.crop_bottom = bottom;
  if (ui.hAlign.value === 'left' || ui.hAlign.value === 'right') p.h_align = ui.hAlign.value;
  if (ui.vAlign.value === 'top' || ui.vAlign.value === 'bottom') p.v_align = ui.vAlign.value;
  if (ui.smart.checked) p.smart = true;
  const filters = filtersOf();
  if (filters.length > 0) p.filters = filters;
  return p;
}

const absolute = (relative: string): string => new URL(config.root + relative, location.href).href;

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB (${n} B)`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB (${n} B)`;
}

let generation = 0;
let objectUrl: string | undefined;

function clearResult(message: string): void {
  ui.size.value = ui.format.value = ui.bytes.value = ui.time.value = '–';
  ui.preview.hidden = true;
  ui.preview.removeAttribute('src');
  ui.status.textContent = message;
}

/** Recomputes everything shown from the form. Stale answers (the form changed meanwhile) are dropped. */
async function update(): Promise<void> {
  const current = ++generation;
  const p = paramsOf();
  const path = generatePath(p);
  const unsafeUrl = 'unsafe/' + path;
  ui.url.textContent = absolute(unsafeUrl);
  saveState(path);

  let signedUrl: string | undefined;
  if (ui.secret.value !== '') {
    const hash = await signAsync(
      path,
      ui.secret.value,
      ui.signerType.value,
      Math.round(numberOf(ui.signerTruncate)),
    );
    if (current !== generation) return;
    signedUrl = hash + '/' + path;
    ui.signedUrl.textContent = absolute(signedUrl);
    ui.signedBox.hidden = false;
  } else {
    ui.signedUrl.textContent = '';
    ui.signedBox.hidden = true;
  }

  // what the preview requests: unsafe URLs when the server takes them, else the signed one
  const shown = config.unsafe ? unsafeUrl : signedUrl;
  void showParams(shown ?? unsafeUrl, current);
  if ((p.image ?? '') === '') {
    clearResult('Pick an image or type a path or URL.');
    return;
  }
  if (shown === undefined) {
    clearResult('This server only accepts signed URLs: type its secret to preview.');
    return;
  }
  await showPreview(shown, current);
}

async function showParams(url: string, current: number): Promise<void> {
  try {
    const res = await fetch(config.root + 'params/' + url);
    const text = await res.text();
    if (current === generation) ui.params.textContent = text;
  } catch (err) {
    if (current === generation) ui.params.textContent = String(err);
  }
}

async function showPreview(url: string, current: number): Promise<void> {
  ui.status.textContent = 'Loading…';
  const started = performance.now();
  let res: Response;
  let blob: Blob;
  try {
    res = await fetch(config.root + url);
    blob = await res.blob();
  } catch (err) {
    if (current === generation) clearResult(`Request failed: ${String(err)}`);
    return;
  }
  if (current !== generation) return;
  const ms = performance.now() - started;
  const type = res.headers.get('Content-Type') ?? '';
  if (!res.ok) {
    clearResult(`${res.status}: ${await blob.text()}`);
    return;
  }
  ui.time.value = `${Math.round(ms)} ms`;
  ui.bytes.value = formatBytes(blob.size);
  ui.format.value = type;
  ui.status.textContent = '';
  if (!type.startsWith('image/')) {
    ui.preview.hidden = true;
    ui.size.value = '–';
    ui.status.textContent = (await blob.text()).slice(0, 2000);
    return;
  }
  if (objectUrl !== undefined) URL.revokeObjectURL(objectUrl);
  objectUrl = URL.createObjectURL(blob);
  ui.preview.onload = () => {
    if (current !== generation) return;
    ui.size.value = `${ui.preview.naturalWidth} × ${ui.preview.naturalHeight}`;
    ui.preview.dataset['loaded'] = url;
  };
  ui.preview.onerror = () => {
    if (current === generation) ui.status.textContent = `The browser cannot show ${type}.`;
  };
  delete ui.preview.dataset['loaded'];
  ui.preview.hidden = false;
  ui.preview.src = objectUrl;
}

let timer: ReturnType<typeof setTimeout> | undefined;
function scheduleUpdate(): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = setTimeout(() => {
    timer = undefined;
    void update();
  }, 150);
}

function addFilterRow(name = '', args = ''): void {
  const fragment = ui.filterRow.content.cloneNode(true);
  if (!(fragment instanceof DocumentFragment)) return;
  const row = fragment.querySelector('li');
  const select = fragment.querySelector('select');
  const input = fragment.querySelector('input');
  const remove = fragment.querySelector('button');
  if (!row || !select || !input || !remove) return;
  select.append(new Option('— filter —', ''));
  for (const f of config.filters) select.append(new Option(f, f));
  select.value = name;
  input.value = args;
  const syntax = fragment.querySelector('.filter-syntax');
  const text = fragment.querySelector('.filter-text');
  const useExample = fragment.querySelector<HTMLButtonElement>('.use-example');
  const describe = (): void => {
    const h = FILTER_HELP[select.value];
    input.placeholder = h ? h.example || '(no arguments)' : 'arguments';
    if (syntax) syntax.textContent = h ? `${select.value}(${h.args})` : '';
    if (text) text.textContent = h ? `${h.help}. Example: ${select.value}(${h.example})` : '';
    if (useExample) useExample.hidden = !h;
  };
  describe();
  select.addEventListener('change', describe);
  useExample?.addEventListener('click', () => {
    input.value = FILTER_HELP[select.value]?.example ?? '';
    scheduleUpdate();
  });
  remove.addEventListener('click', () => {
    row.remove();
    scheduleUpdate();
  });
  ui.filters.append(fragment);
}

/** The page URL keeps the imagor path after `#` (never the secret): a reload restores it, a link shares it. */
const encodeState = (path: string): string => path.replace(/[%\s"<>`#]/g, (c) => encodeURIComponent(c));

function saveState(path: string): void {
  const hash = path === '' ? '' : '#' + encodeState(path);
  if (location.hash === hash) return;
  history.replaceState(null, '', hash === '' ? location.pathname + location.search : hash);
}

function readState(): void {
  if (location.hash.length <= 1) return;
  let path: string;
  try {
    path = decodeURIComponent(location.hash.slice(1));
  } catch {
    return;
  }
  fillForm(parse('unsafe/' + path.replace(/^\/+/, '')));
}

const setNumber = (input: HTMLInputElement, n: number | undefined): void => {
  input.value = n !== undefined && n > 0 ? String(n) : '';
};

/** Parts of Params the form has no control for: named when a pasted URL carries them. */
const NOT_IN_FORM = [
  'trim',
  'meta',
  'padding_left',
  'padding_top',
  'padding_right',
  'padding_bottom',
] as const;

/** Sets every control from Params (the reverse of paramsOf). */
function fillForm(p: Params): void {
  ui.source.value = p.image ?? '';
  ui.sourceList.value = Array.from(ui.sourceList.options).some((o) => o.value === ui.source.value)
    ? ui.source.value
    : '';
  setNumber(ui.width, p.width);
  setNumber(ui.height, p.height);
  ui.fit.value = p.stretch
    ? 'stretch'
    : p.fit_in && p.adaptive_fit_in
      ? 'adaptive-fit-in'
      : p.fit_in && p.full_fit_in
        ? 'full-fit-in'
        : p.fit_in
          ? 'fit-in'
          : 'none';
  ui.hFlip.checked = p.h_flip === true;
  ui.vFlip.checked = p.v_flip === true;
  setNumber(ui.cropLeft, p.crop_left);
  setNumber(ui.cropTop, p.crop_top);
  setNumber(ui.cropRight, p.crop_right);
  setNumber(ui.cropBottom, p.crop_bottom);
  ui.hAlign.value = p.h_align === 'left' || p.h_align === 'right' ? p.h_align : '';
  ui.vAlign.value = p.v_align === 'top' || p.v_align === 'bottom' ? p.v_align : '';
  ui.smart.checked = p.smart === true;
  ui.filters.replaceChildren();
  for (const f of p.filters ?? []) addFilterRow(f.name, f.args ?? '');
}

/** A pasted imagor URL: host, server prefix and signature are dropped, the rest fills the form. */
function readPasted(): void {
  const raw = ui.paste.value.trim();
  if (raw === '') {
    ui.pasteStatus.textContent = '';
    return;
  }
  let rest = raw.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/^\/+/, '');
  const unsafeAt = rest.search(/(^|\/)unsafe\//);
  if (unsafeAt > 0) rest = rest.slice(unsafeAt + 1);
  const p = parse(rest);
  if (!p.image) {
    ui.pasteStatus.textContent = 'No image path found in that URL.';
    return;
  }
  fillForm(p);
  const ignored = NOT_IN_FORM.filter((k) => p[k] !== undefined && p[k] !== false);
  const kind = p.unsafe
    ? 'unsafe URL'
    : p.hash
      ? 'signed URL (type the secret to sign the result again)'
      : 'URL';
  ui.pasteStatus.textContent =
    `Read a ${kind}.` + (ignored.length > 0 ? ` Not in the form, left out: ${ignored.join(', ')}.` : '');
  scheduleUpdate();
}

async function copyUrl(): Promise<void> {
  const text = (ui.signedBox.hidden ? ui.url.textContent : ui.signedUrl.textContent) ?? '';
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // no clipboard API (insecure origin, permission): select and copy the old way
    const area = document.createElement('textarea');
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  ui.copyStatus.textContent = 'Copied';
  setTimeout(() => (ui.copyStatus.textContent = ''), 2000);
}

async function loadImageList(): Promise<void> {
  if (!config.images) {
    ui.sourceList.hidden = true;
    ui.sourceListLabel.hidden = true;
    return;
  }
  try {
    const res = await fetch(config.assets + 'images.json');
    const body = (await res.json()) as { images?: unknown };
    const images = Array.isArray(body.images) ? body.images.filter((x) => typeof x === 'string') : [];
    for (const image of images) ui.sourceList.append(new Option(image, image));
  } catch {
    ui.sourceList.hidden = true;
    ui.sourceListLabel.hidden = true;
  }
}

ui.form.addEventListener('input', scheduleUpdate);
ui.form.addEventListener('change', scheduleUpdate);
ui.form.addEventListener('submit', (e) => e.preventDefault());
ui.sourceList.addEventListener('change', () => {
  if (ui.sourceList.value !== '') ui.source.value = ui.sourceList.value;
});
ui.source.addEventListener('input', () => {
  ui.sourceList.value = Array.from(ui.sourceList.options).some((o) => o.value === ui.source.value)
    ? ui.source.value
    : '';
});
ui.addFilter.addEventListener('click', () => {
  addFilterRow();
  scheduleUpdate();
});
ui.paste.addEventListener('input', (e) => {
  e.stopPropagation();
  readPasted();
});
ui.copyUrl.addEventListener('click', () => void copyUrl());
window.addEventListener('hashchange', () => {
  readState();
  scheduleUpdate();
});

await loadImageList();
readState();
document.body.dataset['ready'] = 'true';
void update();

/**
 * The playground page (server side): static HTML and CSS. The behaviour lives in ./client.ts, a browser ES
 * module that the server hands out as compiled JavaScript together with the URL library it imports.
 */

/** What the server tells the page, embedded as JSON (all URLs relative to the page). */
export interface PlaygroundPageConfig {
  /** the server root: image URLs and `params/` hang off it */
  root: string;
  /** where style.css, lib/ and images.json are */
  assets: string;
  unsafe: boolean;
  /** whether `images.json` lists the file loader's folder */
  images: boolean;
  version: string;
  filters: string[];
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** JSON that is safe inside a `<script type="application/json">` element. */
const scriptJson = (v: unknown): string =>
  JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

export function playgroundPage(c: PlaygroundPageConfig): string {
  const assets = escapeHtml(c.assets);
  const mode = c.unsafe
    ? '<span class="badge unsafe" title="-imagor-unsafe is on">unsafe mode</span>'
    : '<span class="badge signed" title="URLs must be signed">signed mode</span>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>imagor-ts playground</title>
<link rel="stylesheet" href="${assets}style.css">
<script type="application/json" id="playground-config">${scriptJson(c)}</script>
<script type="module" src="${assets}lib/playground/client.js"></script>
</head>
<body>
<header>
  <h1>imagor-ts <span>playground</span></h1>
  <span class="version">${escapeHtml(c.version)}</span>
  ${mode}
</header>
<main>
<form id="controls" autocomplete="off">
  <fieldset>
    <legend>Start from a URL</legend>
    <label for="paste">Paste an imagor URL (signed or unsafe, with or without host)</label>
    <input id="paste" type="text" placeholder="https://img.example.com/unsafe/300x200/photo.jpg" spellcheck="false">
    <p id="paste-status" class="hint" role="status"></p>
  </fieldset>

  <fieldset>
    <legend>Source image</legend>
    <label for="source-list" id="source-list-label">From the image folder</label>
    <select id="source-list"><option value="">— choose an image —</option></select>
    <label for="source">Image path or URL</label>
    <input id="source" type="text" placeholder="gopher.png or https://example.com/photo.jpg" spellcheck="false">
  </fieldset>

  <fieldset>
    <legend>Size and fit</legend>
    <div class="row">
      <div><label for="width">Width</label><input id="width" type="number" min="0" step="1" placeholder="auto"></div>
      <div><label for="height">Height</label><input id="height" type="number" min="0" step="1" placeholder="auto"></div>
    </div>
    <label for="fit">Fit mode</label>
    <select id="fit">
      <option value="none">none (crop to fill)</option>
      <option value="fit-in">fit-in</option>
      <option value="full-fit-in">full-fit-in</option>
      <option value="adaptive-fit-in">adaptive-fit-in</option>
      <option value="stretch">stretch</option>
    </select>
    <div class="checks">
      <label><input id="h-flip" type="checkbox"> flip horizontally</label>
      <label><input id="v-flip" type="checkbox"> flip vertically</label>
    </div>
  </fieldset>

  <fieldset>
    <legend>Crop (pixels, or 0–1 fractions)</legend>
    <div class="row four">
      <div><label for="crop-left">Left</label><input id="crop-left" type="number" min="0" step="any" placeholder="0"></div>
      <div><label for="crop-top">Top</label><input id="crop-top" type="number" min="0" step="any" placeholder="0"></div>
      <div><label for="crop-right">Right</label><input id="crop-right" type="number" min="0" step="any" placeholder="0"></div>
      <div><label for="crop-bottom">Bottom</label><input id="crop-bottom" type="number" min="0" step="any" placeholder="0"></div>
    </div>
  </fieldset>

  <fieldset>
    <legend>Alignment</legend>
    <div class="row">
      <div>
        <label for="h-align">Horizontal</label>
        <select id="h-align"><option value="">center</option><option>left</option><option>right</option></select>
      </div>
      <div>
        <label for="v-align">Vertical</label>
        <select id="v-align"><option value="">middle</option><option>top</option><option>bottom</option></select>
      </div>
    </div>
    <div class="checks"><label><input id="smart" type="checkbox"> smart (crop around the interesting part)</label></div>
  </fieldset>

  <fieldset>
    <legend>Filters</legend>
    <ol id="filters"></ol>
    <button type="button" id="add-filter">+ Add filter</button>
  </fieldset>

  <fieldset>
    <legend>Signing</legend>
    <label for="secret">Secret (stays in this page)</label>
    <input id="secret" type="password" placeholder="type a secret to sign the URL" spellcheck="false">
    <div class="row">
      <div>
        <label for="signer-type">Hash</label>
        <select id="signer-type"><option>sha1</option><option>sha256</option><option>sha512</option></select>
      </div>
      <div><label for="signer-truncate">Truncate</label><input id="signer-truncate" type="number" min="0" step="1" placeholder="0"></div>
    </div>
  </fieldset>
</form>

<section id="output">
  <div class="card">
    <div class="url-head"><h2>URL</h2><button type="button" id="copy-url" title="copy the URL (the signed one when a secret is typed)">Copy</button><span id="copy-status" role="status"></span></div>
    <code id="url" class="url"></code>
    <div id="signed-box" hidden>
      <h2>Signed URL</h2>
      <code id="signed-url" class="url"></code>
    </div>
  </div>
  <div class="card preview-card">
    <div class="stats">
      <span><b>Size</b> <output id="stat-size">–</output></span>
      <span><b>Format</b> <output id="stat-format">–</output></span>
      <span><b>Bytes</b> <output id="stat-bytes">–</output></span>
      <span><b>Time</b> <output id="stat-time">–</output></span>
    </div>
    <p id="status" role="status"></p>
    <div class="preview"><img id="preview" alt="result preview" hidden></div>
  </div>
  <div class="card">
    <h2>/params</h2>
    <pre id="params">{}</pre>
  </div>
</section>
</main>
<template id="filter-row">
  <li class="filter">
    <select class="filter-name" aria-label="filter name"></select>
    <input class="filter-args" type="text" aria-label="filter arguments" spellcheck="false">
    <button type="button" class="remove-filter" aria-label="remove filter" title="remove">×</button>
    <p class="filter-help hint"><code class="filter-syntax"></code> <span class="filter-text"></span> <button type="button" class="use-example" hidden>use example</button></p>
  </li>
</template>
</body>
</html>
`;
}

export const PLAYGROUND_CSS = `:root {
  --bg: #f4f5f7;
  --panel: #ffffff;
  --ink: #1d2330;
  --muted: #677084;
  --line: #dfe2e8;
  --accent: #2f6fde;
  --accent-soft: #e6eefc;
  --warn: #b54708;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  color-scheme: light;
}
* { box-sizing: border-box; }
body {
  margin: 0;
  font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;
  color: var(--ink);
  background: var(--bg);
}
header {
  display: flex;
  align-items: baseline;
  gap: 12px;
  padding: 14px 24px;
  background: var(--panel);
  border-bottom: 1px solid var(--line);
}
h1 { margin: 0; font-size: 18px; }
h1 span { font-weight: 400; color: var(--muted); }
.version { color: var(--muted); font-size: 12px; }
.badge { margin-left: auto; padding: 2px 10px; border-radius: 999px; font-size: 12px; }
.badge.unsafe { background: #fff4e5; color: var(--warn); }
.badge.signed { background: var(--accent-soft); color: var(--accent); }
main {
  display: grid;
  grid-template-columns: minmax(300px, 380px) 1fr;
  gap: 20px;
  padding: 20px 24px;
  align-items: start;
}
form { display: grid; gap: 12px; }
fieldset {
  margin: 0;
  padding: 10px 14px 14px;
  background: var(--panel);
  border: 1px solid var(--line);
  border-radius: 8px;
}
legend { padding: 0 4px; font-weight: 600; }
label { display: block; margin: 8px 0 3px; color: var(--muted); font-size: 12px; }
.checks label { display: inline-flex; align-items: center; gap: 6px; margin-right: 14px; color: var(--ink); font-size: 13px; }
input[type='text'], input[type='password'], input[type='number'], select {
  width: 100%;
  padding: 6px 8px;
  font: inherit;
  color: inherit;
  background: #fff;
  border: 1px solid var(--line);
  border-radius: 6px;
}
input:focus, select:focus, button:focus { outline: 2px solid var(--accent); outline-offset: 1px; }
.row { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.row.four { grid-template-columns: repeat(4, 1fr); }
button {
  padding: 6px 12px;
  font: inherit;
  color: var(--accent);
  background: var(--accent-soft);
  border: 0;
  border-radius: 6px;
  cursor: pointer;
}
#filters { margin: 0 0 8px; padding: 0; list-style: none; }
.filter { display: grid; grid-template-columns: 9em minmax(0, 1fr) auto; gap: 6px; margin-bottom: 8px; }
.filter-help { grid-column: 1 / -1; margin: 0; }
.filter-help:empty, .filter-help .filter-syntax:empty { display: none; }
.filter-syntax { font: 12px var(--mono); color: var(--ink); }
.use-example { padding: 1px 8px; font-size: 12px; }
.hint { margin: 4px 0 0; color: var(--muted); font-size: 12px; min-height: 0; }
.url-head { display: flex; align-items: center; gap: 10px; }
.url-head h2 { margin-right: auto; }
#copy-status { color: var(--muted); font-size: 12px; }
.remove-filter { padding: 4px 10px; color: var(--muted); background: transparent; border: 1px solid var(--line); }
#output { display: grid; gap: 14px; min-width: 0; }
.card { padding: 12px 16px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; min-width: 0; }
h2 { margin: 4px 0 6px; font-size: 12px; font-weight: 600; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
.url { display: block; padding: 8px 10px; font: 13px var(--mono); background: var(--bg); border-radius: 6px; word-break: break-all; }
.stats { display: flex; flex-wrap: wrap; gap: 18px; }
.stats b { color: var(--muted); font-weight: 500; margin-right: 4px; }
.stats output { font-family: var(--mono); }
#status { min-height: 1.4em; margin: 6px 0; color: var(--warn); }
.preview {
  display: flex;
  align-items: center;
  justify-content: center;
  min-height: 200px;
  padding: 12px;
  border-radius: 6px;
  background: repeating-conic-gradient(#eceef2 0% 25%, #fff 0% 50%) 50% / 20px 20px;
}
.preview img { max-width: 100%; box-shadow: 0 1px 4px rgba(0, 0, 0, 0.15); }
pre { margin: 0; max-height: 320px; overflow: auto; font: 12px var(--mono); background: var(--bg); padding: 10px; border-radius: 6px; }
@media (max-width: 820px) { main { grid-template-columns: minmax(0, 1fr); } }
@media (max-width: 520px) {
  header { flex-wrap: wrap; padding: 10px 12px; }
  main { padding: 12px; gap: 12px; }
  .row.four { grid-template-columns: 1fr 1fr; }
  .filter { grid-template-columns: minmax(0, 1fr) auto; }
  .filter .filter-args { grid-column: 1 / -1; grid-row: 2; }
}
`;

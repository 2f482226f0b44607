/** The page served at `/`: what this is, and where to try it. */
export function landingPage(version: string, unsafe: boolean): string {
  const tryIt = unsafe
    ? `<p>Try <a href="unsafe/fit-in/300x200/filters:fill(white):format(webp)/gopher.png">/unsafe/fit-in/300x200/filters:fill(white):format(webp)/gopher.png</a>
 or inspect a URL with <a href="params/unsafe/fit-in/300x200/filters:fill(white)/gopher.png">/params/…</a>.</p>`
    : '<p>URLs must be signed (unsafe mode is off).</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>imagor-ts</title></head>
<body><h1>imagor-ts ${escapeHtml(version)}</h1>
<p>An imagor-compatible image server: Thumbor-style URLs, processed with libvips.</p>
${tryIt}
</body></html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

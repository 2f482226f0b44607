/** Test helper: parse Prometheus text into `name{sorted labels}` → value. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .map((l) => `${l[1] ?? ''}="${l[2] ?? ''}"`)
      .sort();
    out.set(labels.length > 0 ? `${m[1] ?? ''}{${labels.join(',')}}` : (m[1] ?? ''), Number(m[3]));
  }
  return out;
}

/** `key('x', { b: '1', a: '2' })` → `x{a="2",b="1"}` (the parseMetrics key). */
export function key(name: string, labels: Record<string, string> = {}): string {
  const l = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  return l.length > 0 ? `${name}{${l.join(',')}}` : name;
}

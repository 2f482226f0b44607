import { PARAMS_FIELDS, type Filter, type Params } from './params.js';

/**
 * A JSON string literal the way Go's encoding/json writes it: `<`, `>`, `&`, U+2028 and U+2029 are escaped
 * (HTML-safe), control characters other than \n \r \t as \u00xx, lone surrogates become \ufffd.
 */
function goString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      out += '\\u' + c.toString(16).padStart(4, '0');
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else {
        out += '\\ufffd';
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\\ufffd';
    } else {
      out += s[i]!;
    }
  }
  return out + '"';
}

/**
 * Go prints float64 in the shortest form, as `%f` between 1e-6 and 1e21 and with an exponent outside;
 * JavaScript's Number#toString uses the same thresholds and digits. Integers print as themselves.
 */
function goNumber(n: number): string {
  return String(n);
}

function filterJSON(f: Filter, indent: string): string {
  const fields: string[] = [];
  if (f.name !== '') fields.push(`${indent}  "name": ${goString(f.name)}`);
  if (f.args !== undefined && f.args !== '') fields.push(`${indent}  "args": ${goString(f.args)}`);
  return fields.length === 0 ? '{}' : `{\n${fields.join(',\n')}\n${indent}}`;
}

/**
 * The `/params` JSON body: imagor's field order, 2-space indent, zero values omitted (`omitempty`), the
 * internal `params` flag never written.
 */
export function paramsToJSON(p: Params): string {
  const lines: string[] = [];
  for (const key of PARAMS_FIELDS) {
    const value = p[key];
    if (value === undefined || value === false || value === 0 || value === '') continue;
    let encoded: string;
    if (Array.isArray(value)) {
      if (value.length === 0) continue;
      encoded = `[\n${value.map((f) => '    ' + filterJSON(f, '    ')).join(',\n')}\n  ]`;
    } else if (typeof value === 'number') {
      encoded = goNumber(value);
    } else if (typeof value === 'string') {
      encoded = goString(value);
    } else {
      encoded = 'true';
    }
    lines.push(`  "${key}": ${encoded}`);
  }
  return lines.length === 0 ? '{}' : `{\n${lines.join(',\n')}\n}`;
}

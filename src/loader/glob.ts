/**
 * Go's `path.Match` as a compiled RegExp: imagor matches allowed sources (on the host) and accepted
 * content types (`image/*`) with it.
 *
 *   '*'          any sequence of characters other than '/' (so `*.example.com` matches `a.b.example.com`)
 *   '?'          one character other than '/'
 *   '[abc]', '[^a-z]'  character class (non-empty), ranges with '-'
 *   '\c'         the literal c
 *
 * A malformed pattern (unclosed class, trailing backslash, empty class) never matches, as Go returns
 * ErrBadPattern and callers treat that as "no match".
 */
export function compileGoGlob(pattern: string): RegExp | undefined {
  let out = '^';
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern.charAt(i);
    if (c === '*') {
      out += '[^/]*';
      i++;
    } else if (c === '?') {
      out += '[^/]';
      i++;
    } else if (c === '\\') {
      if (i + 1 >= n) return undefined;
      out += escapeRegExpChar(pattern.charAt(i + 1));
      i += 2;
    } else if (c === '[') {
      const parsed = parseClass(pattern, i + 1);
      if (!parsed) return undefined;
      out += parsed.source;
      i = parsed.end;
    } else {
      out += escapeRegExpChar(c);
      i++;
    }
  }
  return new RegExp(out + '$', 's');
}

/** Parses a class body starting after '['; returns the JS class source and the index after ']'. */
function parseClass(pattern: string, start: number): { source: string; end: number } | undefined {
  let i = start;
  const n = pattern.length;
  let negate = false;
  if (pattern.charAt(i) === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let count = 0;
  for (;;) {
    if (i >= n) return undefined;
    if (pattern.charAt(i) === ']' && count > 0) {
      i++;
      break;
    }
    const lo = readClassChar(pattern, i);
    if (!lo) return undefined;
    i = lo.end;
    let item = escapeClassChar(lo.ch);
    if (pattern.charAt(i) === '-') {
      const hi = readClassChar(pattern, i + 1);
      if (!hi) return undefined;
      if (hi.ch < lo.ch) return undefined;
      i = hi.end;
      item += '-' + escapeClassChar(hi.ch);
    }
    body += item;
    count++;
  }
  return { source: `[${negate ? '^' : ''}${body}]`, end: i };
}

function readClassChar(pattern: string, i: number): { ch: string; end: number } | undefined {
  const c = pattern.charAt(i);
  if (c === '' || c === '-' || c === ']') return undefined;
  if (c === '\\') {
    const next = pattern.charAt(i + 1);
    if (next === '') return undefined;
    return { ch: next, end: i + 2 };
  }
  return { ch: c, end: i + 1 };
}

function escapeRegExpChar(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? '\\' + c : c;
}

function escapeClassChar(c: string): string {
  return /[\\\]^-]/.test(c) ? '\\' + c : c;
}

/** One-shot `path.Match(pattern, name)`. */
export function goPathMatch(pattern: string, name: string): boolean {
  const re = compileGoGlob(pattern);
  return re !== undefined && re.test(name);
}

/** A small Dockerfile reader for tests: stages, ARG defaults, WORKDIR, COPY, and exec-form commands. */

export interface Instruction {
  keyword: string;
  /** the rest of the line, continuations joined */
  args: string;
  line: number;
}

export interface Copy {
  /** `--from=` stage name, or undefined for the build context */
  from?: string;
  sources: string[];
  dest: string;
  /** the stage's WORKDIR when the instruction ran */
  workdir: string;
}

export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
  copies: Copy[];
  workdir: string;
}

export interface Dockerfile {
  /** ARG defaults declared before the first FROM */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/** Splits into instructions: comments dropped, `\` continuations joined. */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    if (buf === '' && /^\s*(#|$)/.test(line)) return;
    if (buf !== '' && /^\s*#/.test(line)) return;
    if (buf === '') start = i + 1;
    if (line.endsWith('\\')) {
      buf += line.slice(0, -1) + ' ';
      return;
    }
    buf += line;
    const m = /^\s*(\S+)\s*(.*)$/.exec(buf);
    if (m) out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
    buf = '';
  });
  return out;
}

/** Exec form `["a", "b"]` → array; shell form → undefined. */
export function execForm(args: string): string[] | undefined {
  const s = args.trim();
  if (!s.startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(s);
  if (!Array.isArray(parsed) || !parsed.every((x): x is string => typeof x === 'string')) {
    throw new Error(`not an exec-form array: ${args}`);
  }
  return parsed;
}

const substitute = (s: string, vars: Record<string, string>): string =>
  s.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_, a: string | undefined, b: string | undefined) => vars[(a ?? b)!] ?? '',
  );

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const ins of instructions(text)) {
    const stage = stages.at(-1);
    if (ins.keyword === 'ARG' && !stage) {
      const [name, value = ''] = ins.args.split('=', 2);
      globalArgs[name!.trim()] = value.trim();
      continue;
    }
    if (ins.keyword === 'FROM') {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`bad FROM on line ${ins.line}`);
      const image = substitute(m[1]!, globalArgs);
      stages.push({ image, ...(m[2] ? { name: m[2] } : {}), instructions: [], copies: [], workdir: '/' });
      continue;
    }
    if (!stage) throw new Error(`${ins.keyword} before FROM on line ${ins.line}`);
    stage.instructions.push(ins);
    if (ins.keyword === 'WORKDIR') {
      stage.workdir = ins.args.startsWith('/') ? ins.args : `${stage.workdir.replace(/\/$/, '')}/${ins.args}`;
    } else if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
      const words = execForm(ins.args) ?? ins.args.split(/\s+/);
      const flags = words.filter((w) => w.startsWith('--'));
      const paths = words.filter((w) => !w.startsWith('--'));
      const from = flags.find((f) => f.startsWith('--from='))?.slice('--from='.length);
      const dest = paths.pop();
      if (!dest || paths.length === 0) throw new Error(`bad COPY on line ${ins.line}`);
      stage.copies.push({ ...(from ? { from } : {}), sources: paths, dest, workdir: stage.workdir });
    }
  }
  return { globalArgs, stages };
}

/** The last instruction of that keyword in a stage (later ones override earlier ones). */
export function last(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}

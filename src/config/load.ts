/**
 * Builds the Config from, in order of precedence: command-line flags, environment variables, the
 * `.env`-style config file (`-config`, default `.env`) and the table defaults — as imagor does with
 * Go's `flag` package plus peterbourgon/ff.
 */
import { readFileSync } from 'node:fs';
import dotenv from 'dotenv';
import { renderHelp } from './help.js';
import { OPTIONS, envName, findOption } from './options.js';
import type { Config, OptionName, OptionSpec, OptionValue } from './options.js';
import { parseOptionValue } from './values.js';

export type ConfigSource = 'argv' | 'env' | 'file' | 'default';

export type LoadResult =
  | {
      kind: 'config';
      config: Config;
      sources: Partial<Record<OptionName, ConfigSource>>;
      /** flags set explicitly (by any source) that no feature acts on yet */
      unsupportedSet: OptionName[];
    }
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'error'; message: string; usage: string; exitCode: 2 };

export interface LoadOptions {
  /** Returns the file's text, or undefined when it does not exist. Defaults to reading from disk. */
  readFile?: (path: string) => string | undefined;
}

class ConfigError extends Error {}

/** Reads a file as UTF-8; a missing file is `undefined`, any other failure throws. */
export function readConfigFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return undefined;
    throw err;
  }
}

export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  opts: LoadOptions = {},
): LoadResult {
  const values = new Map<OptionName, OptionValue>();
  const sources = new Map<OptionName, ConfigSource>();
  const set = (spec: OptionSpec, value: OptionValue, source: ConfigSource): void => {
    values.set(spec.name as OptionName, value);
    sources.set(spec.name as OptionName, source);
  };
  const fail = (message: string): LoadResult => ({
    kind: 'error',
    message,
    usage: renderHelp(),
    exitCode: 2,
  });

  // 1. command line
  try {
    const outcome = parseArgv(argv, set);
    if (outcome === 'help') return { kind: 'help', text: renderHelp() };
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message);
    throw err;
  }
  if (values.get('version') === true) return { kind: 'version' };

  // 2. environment: ff ignores variables that are unset *or empty*
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    if (sources.has(spec.name as OptionName) || spec.cliOnly === true) continue;
    const key = envName(spec.name);
    const raw = env[key];
    if (raw === undefined || raw === '') continue;
    try {
      set(spec, parseOptionValue(spec.kind, raw), 'env');
    } catch (err) {
      return fail(`invalid value ${JSON.stringify(raw)} for env ${key} (-${spec.name}): ${reason(err)}`);
    }
  }

  // 3. config file, named by -config / CONFIG
  const path = values.get('config') ?? defaultOf('config');
  if (typeof path === 'string' && path !== '') {
    let text: string | undefined;
    try {
      text = (opts.readFile ?? readConfigFile)(path);
    } catch (err) {
      return fail(`cannot read config file ${path}: ${reason(err)}`);
    }
    if (text !== undefined) {
      for (const [key, raw] of Object.entries(dotenv.parse(text))) {
        const spec = findOption(key.toLowerCase().replaceAll('_', '-'));
        // unknown keys are ignored, so one .env can serve other programs too
        if (spec === undefined || spec.cliOnly === true || spec.name === 'config') continue;
        if (sources.has(spec.name as OptionName) || raw === '') continue;
        try {
          set(spec, parseOptionValue(spec.kind, raw), 'file');
        } catch (err) {
          return fail(
            `invalid value ${JSON.stringify(raw)} for ${key} in config file ${path} (-${spec.name}): ${reason(err)}`,
          );
        }
      }
    }
  }

  // 4. defaults
  const config: Record<string, OptionValue> = {};
  const sourceRecord: Partial<Record<OptionName, ConfigSource>> = {};
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    const name = spec.name as OptionName;
    config[name] = values.get(name) ?? spec.default;
    sourceRecord[name] = sources.get(name) ?? 'default';
  }
  const unsupportedSet = unsupportedFlags(OPTIONS as readonly OptionSpec[], sourceRecord);
  // every key of Config was filled from the table above, with a value of the entry's kind
  return { kind: 'config', config: config as Config, sources: sourceRecord, unsupportedSet };
}

/** Flags of `table` set by any source (not left at the default) that are marked `supported: false`. */
export function unsupportedFlags(
  table: readonly OptionSpec[],
  sources: Partial<Record<OptionName, ConfigSource>>,
): OptionName[] {
  const out: OptionName[] = [];
  for (const spec of table) {
    const name = spec.name as OptionName;
    const source = sources[name] ?? 'default';
    if (source !== 'default' && !spec.supported) out.push(name);
  }
  return out;
}

/**
 * Go `flag` package rules: `-f v`, `-f=v`, `--f`, `--f=v`; booleans take a value only with `=`;
 * parsing stops at `--` or at the first argument that is not a flag. Returns 'help' on -h/-help.
 */
function parseArgv(
  argv: readonly string[],
  set: (spec: OptionSpec, value: OptionValue, source: ConfigSource) => void,
): 'done' | 'help' {
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] ?? '';
    if (arg.length < 2 || !arg.startsWith('-')) break;
    let name = arg.slice(1);
    if (name.startsWith('-')) {
      if (name === '-') break; // "--" ends the flags
      name = name.slice(1);
    }
    if (name === '' || name.startsWith('-') || name.startsWith('=')) {
      throw new ConfigError(`bad flag syntax: ${arg}`);
    }
    i++;
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = findOption(name);
    if (spec === undefined) {
      if (name === 'h' || name === 'help') return 'help';
      throw new ConfigError(`flag provided but not defined: -${name}`);
    }
    if (spec.kind === 'bool') {
      if (value === undefined) {
        set(spec, true, 'argv');
        continue;
      }
      try {
        set(spec, parseOptionValue('bool', value), 'argv');
      } catch (err) {
        throw new ConfigError(`invalid boolean value ${JSON.stringify(value)} for -${name}: ${reason(err)}`);
      }
      continue;
    }
    if (value === undefined) {
      if (i >= argv.length) throw new ConfigError(`flag needs an argument: -${name}`);
      value = argv[i] ?? '';
      i++;
    }
    try {
      set(spec, parseOptionValue(spec.kind, value), 'argv');
    } catch (err) {
      throw new ConfigError(`invalid value ${JSON.stringify(value)} for flag -${name}: ${reason(err)}`);
    }
  }
  return 'done';
}

function defaultOf(name: OptionName): OptionValue | undefined {
  return findOption(name)?.default;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

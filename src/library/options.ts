import { loadConfig, readConfigFile } from '../config/load.js';
import { findOption, type Config, type OptionEntry, type OptionName } from '../config/options.js';

type KindOf<K extends OptionName> = Extract<OptionEntry, { name: K }>['kind'];

/**
 * The value accepted for one option: strings, numbers and booleans as the flag's kind says; durations as
 * milliseconds (a number) or Go duration text such as `'30s'` or `'1h30m'`.
 */
export type OptionInput<K extends OptionName> =
  KindOf<K> extends 'string'
    ? string
    : KindOf<K> extends 'bool'
      ? boolean
      : KindOf<K> extends 'duration'
        ? number | string
        : number;

/**
 * The command-line flags as an object, named exactly as on the command line without the dash:
 * `{ 'imagor-unsafe': true, 'file-loader-base-dir': './images' }`. Unset flags take their defaults;
 * environment variables and `.env` files are not read (set `config` to read a `.env`-style file).
 */
export type ImagorOptions = { readonly [K in OptionName]?: OptionInput<K> };

/**
 * Options → Config through the CLI's own parser (same validation, same defaults). Throws a TypeError for
 * unknown names and for values the flag does not accept.
 */
export function optionsToConfig(options: ImagorOptions): Config {
  const argv: string[] = [];
  for (const [name, value] of Object.entries(options) as [string, unknown][]) {
    if (value === undefined) continue;
    const spec = findOption(name);
    if (spec === undefined) throw new TypeError(`createImagor: unknown option ${JSON.stringify(name)}`);
    if (name === 'version') continue;
    let text: string;
    if (spec.kind === 'bool' && typeof value === 'boolean') text = String(value);
    else if ((spec.kind === 'int' || spec.kind === 'float') && typeof value === 'number')
      text = String(value);
    else if (spec.kind === 'duration' && typeof value === 'number' && Number.isFinite(value))
      text = `${value}ms`;
    else if ((spec.kind === 'duration' || spec.kind === 'string') && typeof value === 'string') text = value;
    else {
      throw new TypeError(
        `createImagor: option ${JSON.stringify(name)} takes a ${spec.kind}, got ${typeof value}`,
      );
    }
    argv.push(`-${name}=${text}`);
  }
  const readFile = options.config !== undefined ? readConfigFile : (): undefined => undefined;
  const result = loadConfig(argv, {}, { readFile });
  if (result.kind === 'config') return result.config;
  if (result.kind === 'error') throw new TypeError(`createImagor: ${result.message}`);
  throw new TypeError(`createImagor: unexpected ${result.kind} request`);
}

/**
 * `-h` text and the README option list, both rendered from the option table so they cannot drift.
 * Flag lines follow Go's `flag.PrintDefaults` layout (type word, `(default …)` only when non-zero,
 * strings quoted, durations in Go form) so they read like `imagor -h`.
 */
import { formatDuration } from './duration.js';
import { GROUP_TITLES, OPTIONS, envName } from './options.js';
import type { OptionGroup, OptionSpec } from './options.js';

const TABLE = OPTIONS as readonly OptionSpec[];

/** The default as imagor prints it: strings quoted, durations like `168h0m0s`. */
export function formatDefault(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'string':
      return JSON.stringify(spec.default);
    case 'duration':
      return formatDuration(spec.default);
    default:
      return String(spec.default);
  }
}

/** Go leaves out `(default …)` for zero values. */
export function isZeroDefault(spec: OptionSpec): boolean {
  return spec.default === '' || spec.default === 0 || spec.default === false;
}

/** The type word Go prints after the flag name; booleans have none. */
function typeWord(spec: OptionSpec): string {
  return spec.kind === 'bool' ? '' : ` ${spec.kind}`;
}

function groups(): [OptionGroup, OptionSpec[]][] {
  return (Object.keys(GROUP_TITLES) as OptionGroup[]).map((g) => [g, TABLE.filter((o) => o.group === g)]);
}

/** A flag's description as `-h` and the README print it; unsupported flags say so. */
export function optionDescription(spec: OptionSpec): string {
  return spec.supported ? spec.help : `${spec.help} (not supported: accepted and ignored)`;
}

export function renderHelp(): string {
  const lines = [
    'Usage of imagor:',
    '  imagor [flags]',
    '',
    'Every flag can also be set by an environment variable (-imagor-secret → IMAGOR_SECRET)',
    'or by a line in the -config file (IMAGOR_SECRET=...). Command line beats environment beats file.',
    'Booleans: -flag, -flag=true, -flag=false. Durations: Go syntax such as 300ms, 30s, 1h30m, 168h.',
  ];
  for (const [group, specs] of groups()) {
    lines.push('', `${GROUP_TITLES[group]}:`);
    for (const spec of specs) {
      lines.push(`  -${spec.name}${typeWord(spec)}`);
      const def = isZeroDefault(spec) ? '' : ` (default ${formatDefault(spec)})`;
      const env = spec.cliOnly === true ? '' : ` [env ${envName(spec.name)}]`;
      lines.push(`    \t${optionDescription(spec)}${def}${env}`);
    }
  }
  lines.push('', 'Help:', '  -h, -help', '    \tprint this help and exit');
  return `${lines.join('\n')}\n`;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|');
}

function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

/** Option reference for the README: one table per group with flag, env var, default and description. */
export function renderOptionsMarkdown(): string {
  const out: string[] = [];
  for (const [group, specs] of groups()) {
    out.push(
      `### ${GROUP_TITLES[group]}`,
      '',
      '| Flag | Env var | Default | Description |',
      '|---|---|---|---|',
    );
    for (const spec of specs) {
      const env = spec.cliOnly === true ? '—' : code(envName(spec.name));
      out.push(
        `| ${code(`-${spec.name}`)} | ${env} | ${cell(code(formatDefault(spec)))} | ${cell(optionDescription(spec))} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

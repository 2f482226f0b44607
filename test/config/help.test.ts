import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatDefault,
  optionDescription,
  renderHelp,
  renderOptionsMarkdown,
} from '../../src/config/help.js';
import { GROUP_TITLES, OPTIONS, envName, findOption } from '../../src/config/options.js';
import type { OptionSpec } from '../../src/config/options.js';

const TABLE = OPTIONS as readonly OptionSpec[];

function flagBlock(help: string, name: string): string {
  const lines = help.split('\n');
  const at = lines.findIndex((l) => l === `  -${name}` || l.startsWith(`  -${name} `));
  assert.ok(at >= 0, `-${name} missing from help`);
  return `${lines[at]}\n${lines[at + 1] ?? ''}`;
}

describe('renderHelp', () => {
  const help = renderHelp();

  it('starts like Go flag usage', () => {
    assert.ok(help.startsWith('Usage of imagor:\n'));
  });

  it('lists every flag with its type word, help, env var and non-zero default', () => {
    for (const spec of TABLE) {
      const block = flagBlock(help, spec.name);
      const [head = '', body = ''] = block.split('\n');
      assert.equal(head, spec.kind === 'bool' ? `  -${spec.name}` : `  -${spec.name} ${spec.kind}`);
      assert.ok(body.startsWith(`    \t${spec.help}`), spec.name);
      const zero = spec.default === '' || spec.default === 0 || spec.default === false;
      assert.equal(body.includes(`(default ${formatDefault(spec)})`), !zero, spec.name);
      assert.equal(body.includes(`[env ${envName(spec.name)}]`), spec.cliOnly !== true, spec.name);
      assert.equal(body.includes('not supported'), !spec.supported, spec.name);
    }
  });

  it('prints defaults in imagor form', () => {
    const cases: [string, string][] = [
      ['port', '  -port int\n    \tTCP port to listen on (default 8000) [env PORT]'],
      ['imagor-cache-header-ttl', '(default 168h0m0s)'],
      ['imagor-cache-header-swr', '(default 24h0m0s)'],
      ['imagor-request-timeout', '(default 30s)'],
      ['imagor-process-concurrency', '(default -1)'],
      ['http-loader-default-scheme', '(default "https")'],
      ['config', '(default ".env")'],
      ['file-storage-mkdir-permission', '(default "0755")'],
      ['http-loader-block-private-networks', '(default true)'],
      ['upload-loader-max-allowed-size', '(default 33554432)'],
    ];
    for (const [name, text] of cases) assert.ok(flagBlock(help, name).includes(text), `${name}: ${text}`);
    assert.equal(flagBlock(help, 'debug'), '  -debug\n    \tverbose, human-readable logging [env DEBUG]');
  });

  it('groups flags under section titles in table order', () => {
    let last = -1;
    for (const title of Object.values(GROUP_TITLES)) {
      const at = help.indexOf(`\n${title}:\n`);
      assert.ok(at > last, title);
      last = at;
    }
    const s3 = help.indexOf(`\n${GROUP_TITLES.s3}:\n`);
    assert.ok(help.indexOf('  -s3-storage-class string') > s3);
    assert.ok(help.indexOf('  -port int') < s3);
  });

  it('documents -h itself', () => {
    assert.ok(help.endsWith('\n\nHelp:\n  -h, -help\n    \tprint this help and exit\n'));
  });
});

describe('optionDescription', () => {
  const spec: OptionSpec = {
    name: 'imagor-secret',
    kind: 'string',
    default: '',
    group: 'imagor',
    supported: true,
    help: 'some help',
  };

  it('is the help text for a supported flag', () => {
    assert.equal(optionDescription(spec), 'some help');
  });

  it('says an unsupported flag is accepted and ignored', () => {
    assert.equal(
      optionDescription({ ...spec, supported: false }),
      'some help (not supported: accepted and ignored)',
    );
  });
});

describe('renderOptionsMarkdown', () => {
  const md = renderOptionsMarkdown();

  it('has one table row per flag', () => {
    const rows = md.split('\n').filter((l) => l.startsWith('| `-'));
    assert.equal(rows.length, TABLE.length);
  });

  it('shows flag, env var, default and description', () => {
    assert.ok(md.includes('| `-port` | `PORT` | `8000` | TCP port to listen on |'));
    assert.ok(md.includes('| `-imagor-cache-header-ttl` | `IMAGOR_CACHE_HEADER_TTL` | `168h0m0s` |'));
    assert.ok(md.includes('| `-imagor-secret` | `IMAGOR_SECRET` | `""` |'));
    assert.ok(md.includes('| `-version` | — | `false` | print the version and exit |'));
    const router = findOption('s3-loader-bucket-router-config');
    assert.ok(router);
    assert.ok(
      md.includes(
        `| \`-s3-loader-bucket-router-config\` | \`S3_LOADER_BUCKET_ROUTER_CONFIG\` | \`""\` | ${router.help} |`,
      ),
    );
    // one mark per flag that does nothing here (-vips-vector: sharp's libvips takes no SIMD setting)
    assert.equal(md.split('(not supported:').length - 1, TABLE.filter((o) => !o.supported).length);
  });

  it('has a heading per group', () => {
    for (const title of Object.values(GROUP_TITLES)) assert.ok(md.includes(`### ${title}\n`), title);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, unsupportedFlags } from '../../src/config/load.js';
import type { LoadResult } from '../../src/config/load.js';
import { renderHelp } from '../../src/config/help.js';
import { OPTIONS, envName } from '../../src/config/options.js';
import type { Config, OptionName, OptionSpec, OptionValue } from '../../src/config/options.js';

const TABLE = OPTIONS as readonly OptionSpec[];
const noFile = { readFile: (): string | undefined => undefined };

function config(result: LoadResult): Extract<LoadResult, { kind: 'config' }> {
  if (result.kind !== 'config') assert.fail(`expected config, got ${JSON.stringify(result)}`);
  return result;
}

function load(argv: string[], env: Record<string, string> = {}, file?: string) {
  return loadConfig(argv, env, { readFile: () => file });
}

function valueOf(c: Config, name: string): OptionValue {
  return c[name as OptionName];
}

/** A text different from the default, and the value it should parse to. */
function sample(spec: OptionSpec): [string, OptionValue] {
  switch (spec.kind) {
    case 'string':
      return ['some/value.x', 'some/value.x'];
    case 'int':
      return ['4242', 4242];
    case 'float':
      return ['2.5', 2.5];
    case 'bool':
      return [String(!spec.default), !spec.default];
    case 'duration':
      return ['1h30m', 5_400_000];
  }
}

describe('loadConfig defaults', () => {
  it('returns every table default when nothing is set', () => {
    const r = config(loadConfig([], {}, noFile));
    for (const spec of TABLE) {
      assert.equal(valueOf(r.config, spec.name), spec.default, spec.name);
      assert.equal(r.sources[spec.name as OptionName], 'default', spec.name);
    }
    assert.equal(Object.keys(r.config).length, TABLE.length);
    assert.deepEqual(r.unsupportedSet, []);
  });
});

describe('every flag round-trips through each source', () => {
  for (const spec of TABLE) {
    if (spec.cliOnly === true) continue;
    const [text, value] = sample(spec);
    const env = envName(spec.name);

    it(`-${spec.name}=${text}`, () => {
      const r = config(loadConfig([`-${spec.name}=${text}`], {}, noFile));
      assert.equal(valueOf(r.config, spec.name), value);
      assert.equal(r.sources[spec.name as OptionName], 'argv');
    });

    it(`--${spec.name}=${text}`, () => {
      const r = config(loadConfig([`--${spec.name}=${text}`], {}, noFile));
      assert.equal(valueOf(r.config, spec.name), value);
    });

    if (spec.kind === 'bool') {
      it(`-${spec.name} (bare) sets true`, () => {
        const r = config(loadConfig([`-${spec.name}`], {}, noFile));
        assert.equal(valueOf(r.config, spec.name), true);
        assert.equal(r.sources[spec.name as OptionName], 'argv');
      });
    } else {
      it(`-${spec.name} ${text}`, () => {
        const r = config(loadConfig([`-${spec.name}`, text], {}, noFile));
        assert.equal(valueOf(r.config, spec.name), value);
        assert.equal(r.sources[spec.name as OptionName], 'argv');
      });
    }

    it(`${env}=${text} in the environment`, () => {
      const r = config(loadConfig([], { [env]: text }, noFile));
      assert.equal(valueOf(r.config, spec.name), value);
      assert.equal(r.sources[spec.name as OptionName], 'env');
    });

    if (spec.name !== 'config') {
      it(`${env}=${text} in the config file`, () => {
        const r = config(load([], {}, `# comment\n${env}=${text}\n`));
        assert.equal(valueOf(r.config, spec.name), value);
        assert.equal(r.sources[spec.name as OptionName], 'file');
      });
    }

    it(`reports -${spec.name} in unsupportedSet exactly when it is unsupported`, () => {
      const r = config(loadConfig([`-${spec.name}=${text}`], {}, noFile));
      assert.deepEqual(r.unsupportedSet, spec.supported ? [] : [spec.name]);
    });
  }
});

describe('precedence', () => {
  it('argv beats env beats file beats default', () => {
    const file = 'PORT=1\nIMAGOR_SECRET=file\nSERVER_ADDRESS=file-addr\n';
    const env = { PORT: '2', IMAGOR_SECRET: 'env' };
    const r = config(load(['-port', '3'], env, file));
    assert.equal(r.config.port, 3);
    assert.equal(r.sources.port, 'argv');
    assert.equal(r.config['imagor-secret'], 'env');
    assert.equal(r.sources['imagor-secret'], 'env');
    assert.equal(r.config['server-address'], 'file-addr');
    assert.equal(r.sources['server-address'], 'file');
    assert.equal(r.config['server-path-prefix'], '');
    assert.equal(r.sources['server-path-prefix'], 'default');
  });

  it('takes the last of repeated flags', () => {
    assert.equal(config(load(['-port', '1', '-port=2'])).config.port, 2);
  });

  it('ignores empty environment variables, as imagor does', () => {
    const r = config(load([], { PORT: '', IMAGOR_SECRET: '' }, 'PORT=5\n'));
    assert.equal(r.config.port, 5);
    assert.equal(r.config['imagor-secret'], '');
    assert.equal(r.sources['imagor-secret'], 'default');
  });

  it('lets an explicit empty flag override env and file', () => {
    const r = config(load(['-imagor-secret='], { IMAGOR_SECRET: 'env' }));
    assert.equal(r.config['imagor-secret'], '');
    assert.equal(r.sources['imagor-secret'], 'argv');
  });
});

describe('config file', () => {
  it('reads .env by default', () => {
    const seen: string[] = [];
    loadConfig([], {}, { readFile: (p) => (seen.push(p), undefined) });
    assert.deepEqual(seen, ['.env']);
  });

  it('is named by -config, --config=, or CONFIG, with argv winning', () => {
    const read = (argv: string[], env: Record<string, string>): string[] => {
      const seen: string[] = [];
      loadConfig(argv, env, { readFile: (p) => (seen.push(p), undefined) });
      return seen;
    };
    assert.deepEqual(read(['-config', 'a.env'], {}), ['a.env']);
    assert.deepEqual(read(['--config=b.env'], {}), ['b.env']);
    assert.deepEqual(read([], { CONFIG: 'c.env' }), ['c.env']);
    assert.deepEqual(read(['-config=a.env'], { CONFIG: 'c.env' }), ['a.env']);
  });

  it('is skipped when missing, even when named explicitly', () => {
    const r = config(loadConfig(['-config', '/no/such/file.env'], {}));
    assert.equal(r.config.config, '/no/such/file.env');
    assert.equal(r.config.port, 8000);
  });

  it('is read from disk by default', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'imagor-config-'));
    try {
      const path = join(dir, 'my.env');
      writeFileSync(path, 'PORT=7070\nVIPS_AVIF_SPEED=3\n');
      const r = config(loadConfig(['-config', path], {}));
      assert.equal(r.config.port, 7070);
      assert.equal(r.config['vips-avif-speed'], 3);
      const dirResult = loadConfig(['-config', dir], {});
      assert.equal(dirResult.kind, 'error');
      assert.match(dirResult.kind === 'error' ? dirResult.message : '', /^cannot read config file /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ignores unknown keys, comments and empty values; understands quotes and export', () => {
    const file = [
      '# settings',
      'NOT_AN_IMAGOR_FLAG=1',
      'IMAGOR_SECRET="s3cr#t value"',
      "IMAGOR_BASE_PARAMS='filters:watermark(logo.png)'",
      'export HTTP_LOADER_ALLOWED_SOURCES=*.example.com',
      'IMAGOR_UNSAFE=1 # inline comment',
      'PORT=',
      '',
    ].join('\n');
    const r = config(load([], {}, file));
    assert.equal(r.config['imagor-secret'], 's3cr#t value');
    assert.equal(r.config['imagor-base-params'], 'filters:watermark(logo.png)');
    assert.equal(r.config['http-loader-allowed-sources'], '*.example.com');
    assert.equal(r.config['imagor-unsafe'], true);
    assert.equal(r.config.port, 8000);
    assert.equal(r.sources.port, 'default');
  });

  it('accepts flag-style keys too', () => {
    assert.equal(config(load([], {}, 'imagor-secret=abc\n')).config['imagor-secret'], 'abc');
  });

  it('cannot set -config or -version', () => {
    const r = load([], {}, 'CONFIG=other.env\nVERSION=true\n');
    assert.equal(config(r).config.config, '.env');
    assert.equal(config(r).config.version, false);
  });

  it('reports a bad value with the key, file and flag', () => {
    assert.deepEqual(load([], {}, 'PORT=eighty\n'), {
      kind: 'error',
      message: 'invalid value "eighty" for PORT in config file .env (-port): parse error',
      usage: renderHelp(),
      exitCode: 2,
    });
  });
});

describe('booleans', () => {
  for (const [text, value] of [
    ['1', true],
    ['0', false],
    ['true', true],
    ['false', false],
    ['t', true],
    ['f', false],
    ['TRUE', true],
    ['FALSE', false],
    ['True', true],
  ] as const) {
    it(`reads ${text} from argv, env and file`, () => {
      assert.equal(config(load([`-imagor-unsafe=${text}`])).config['imagor-unsafe'], value);
      assert.equal(config(load([], { IMAGOR_UNSAFE: text })).config['imagor-unsafe'], value);
      assert.equal(config(load([], {}, `IMAGOR_UNSAFE=${text}`)).config['imagor-unsafe'], value);
    });
  }

  it('turns a default-true flag off with -flag=false', () => {
    const r = config(load(['-http-loader-block-private-networks=false']));
    assert.equal(r.config['http-loader-block-private-networks'], false);
  });

  it('does not take the next argument as a boolean value (Go flag rule)', () => {
    const r = config(load(['-imagor-unsafe', 'false', '-port', '1']));
    assert.equal(r.config['imagor-unsafe'], true);
    assert.equal(r.config.port, 8000, 'parsing stops at the non-flag "false"');
  });

  it('rejects other words', () => {
    const r = load(['-imagor-unsafe=yes']);
    assert.equal(r.kind, 'error');
    assert.equal(
      r.kind === 'error' ? r.message : '',
      'invalid boolean value "yes" for -imagor-unsafe: parse error',
    );
    const e = load([], { DEBUG: 'express:*' });
    assert.equal(
      e.kind === 'error' ? e.message : '',
      'invalid value "express:*" for env DEBUG (-debug): parse error',
    );
  });
});

describe('argv syntax', () => {
  it('stops at -- and at the first non-flag argument', () => {
    assert.equal(config(load(['--', '-port', '1'])).config.port, 8000);
    assert.equal(config(load(['serve', '-port', '1'])).config.port, 8000);
    assert.equal(config(load(['-port', '1', '-', '-port', '2'])).config.port, 1);
    assert.equal(config(load(['-port', '1', 'x', '-port', '2'])).config.port, 1);
  });

  it('accepts a value that looks like a flag for non-boolean flags', () => {
    assert.equal(config(load(['-imagor-secret', '-port'])).config['imagor-secret'], '-port');
    assert.equal(
      config(load(['-imagor-process-concurrency', '-1'])).config['imagor-process-concurrency'],
      -1,
    );
  });

  it('keeps everything after the first = as the value', () => {
    assert.equal(
      config(load(['-imagor-base-params=filters:fill(a=b)'])).config['imagor-base-params'],
      'filters:fill(a=b)',
    );
  });

  it('parses durations and ints in Go forms', () => {
    const r = config(load(['-imagor-request-timeout', '1.5s', '-vips-max-cache-mem=0x100', '-port', '0755']));
    assert.equal(r.config['imagor-request-timeout'], 1500);
    assert.equal(r.config['vips-max-cache-mem'], 256);
    assert.equal(r.config.port, 493);
  });

  const errors: [string[], string][] = [
    [['-no-such-flag'], 'flag provided but not defined: -no-such-flag'],
    [['--no-such-flag=1'], 'flag provided but not defined: -no-such-flag'],
    [['-port'], 'flag needs an argument: -port'],
    [['-port', 'abc'], 'invalid value "abc" for flag -port: parse error'],
    [
      ['-port=99999999999999999999'],
      'invalid value "99999999999999999999" for flag -port: value out of range',
    ],
    [
      ['-imagor-cache-header-ttl', '7d'],
      'invalid value "7d" for flag -imagor-cache-header-ttl: time: unknown unit "d" in duration "7d"',
    ],
    [
      ['-imagor-request-timeout=30'],
      'invalid value "30" for flag -imagor-request-timeout: time: missing unit in duration "30"',
    ],
    [['---port=1'], 'bad flag syntax: ---port=1'],
    [['-=1'], 'bad flag syntax: -=1'],
  ];
  for (const [argv, message] of errors) {
    it(`fails with exit 2 and usage for ${argv.join(' ')}`, () => {
      assert.deepEqual(load(argv), { kind: 'error', message, usage: renderHelp(), exitCode: 2 });
    });
  }

  it('names the env var for bad env values', () => {
    const r = load([], { IMAGOR_CACHE_HEADER_TTL: '1 week' });
    assert.deepEqual(r, {
      kind: 'error',
      message:
        'invalid value "1 week" for env IMAGOR_CACHE_HEADER_TTL (-imagor-cache-header-ttl): time: unknown unit " week" in duration "1 week"',
      usage: renderHelp(),
      exitCode: 2,
    });
  });

  it('ignores a bad env value when argv sets the flag', () => {
    assert.equal(config(load(['-port=1'], { PORT: 'x' })).config.port, 1);
  });
});

describe('help and version', () => {
  for (const flag of ['-h', '-help', '--h', '--help', '-help=1']) {
    it(`returns the help text for ${flag}`, () => {
      assert.deepEqual(load(['-port', '1', flag, '-unknown']), { kind: 'help', text: renderHelp() });
    });
  }

  it('reports an error that precedes -h', () => {
    assert.equal(load(['-unknown', '-h']).kind, 'error');
  });

  for (const argv of [['-version'], ['--version'], ['-version=true'], ['-port', '1', '-version']]) {
    it(`returns version for ${argv.join(' ')}`, () => {
      assert.deepEqual(load(argv, { PORT: 'not-a-number' }), { kind: 'version' });
    });
  }

  it('does not read -version from env or file', () => {
    const r = config(load([], { VERSION: '1.2.3' }, 'VERSION=1\n'));
    assert.equal(r.config.version, false);
  });

  it('treats -version=false as no version request', () => {
    assert.equal(load(['-version=false']).kind, 'config');
  });
});

describe('unsupportedSet', () => {
  // every flag is supported today; the mechanism is checked on a table with one marked unsupported
  const FAKE: readonly OptionSpec[] = [
    { name: 'imagor-secret', kind: 'string', default: '', group: 'imagor', supported: true, help: 'x' },
    {
      name: 's3-storage-class',
      kind: 'string',
      default: 'STANDARD',
      group: 's3',
      supported: false,
      help: 'y',
    },
    {
      name: 'upload-loader-enable',
      kind: 'bool',
      default: false,
      group: 'upload',
      supported: false,
      help: 'z',
    },
  ];

  it('lists unsupported flags set by any source, in table order', () => {
    for (const source of ['argv', 'env', 'file'] as const) {
      assert.deepEqual(
        unsupportedFlags(FAKE, {
          'imagor-secret': source,
          'upload-loader-enable': source,
          's3-storage-class': source,
        }),
        ['s3-storage-class', 'upload-loader-enable'],
      );
    }
  });

  it('leaves out unsupported flags left at their default', () => {
    assert.deepEqual(unsupportedFlags(FAKE, { 's3-storage-class': 'default', 'imagor-secret': 'argv' }), []);
    assert.deepEqual(unsupportedFlags(FAKE, {}), []);
  });

  it('is empty through loadConfig when no flag without effect is set', () => {
    assert.deepEqual(
      TABLE.filter((o) => !o.supported).map((o) => o.name),
      ['vips-vector'],
    );
    const fromArgv = config(load(['-s3-loader-bucket-router-config', 'r.yml', '-imagor-secret', 'x']));
    assert.deepEqual(fromArgv.unsupportedSet, []);
    const fromFile = config(load([], {}, 'S3_LOADER_BUCKET_ROUTER_CONFIG=r.yml\n'));
    assert.equal(fromFile.config['s3-loader-bucket-router-config'], 'r.yml');
    assert.deepEqual(fromFile.unsupportedSet, []);
  });

  it('lists nothing when only supported flags are set', () => {
    assert.deepEqual(
      config(load(['-s3-storage-class=STANDARD', '-upload-loader-enable'])).unsupportedSet,
      [],
    );
  });
});

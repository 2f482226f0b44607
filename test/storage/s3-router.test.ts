import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { ImagorError } from '../../src/errors.js';
import type { LoadContext } from '../../src/types.js';
import { buildClient, type S3StorageOptions } from '../../src/storage/s3.js';
import {
  BucketRouterConfigError,
  createS3RouterLoader,
  parseBucketRouterConfig,
  readBucketRouterConfig,
  type S3RouterOptions,
} from '../../src/storage/s3-router.js';
import { get, startServer } from '../helpers/server.js';
import { S3_CREDENTIALS, startS3, type S3Fixture } from './harness.js';

const ctx = (): LoadContext => ({ signal: new AbortController().signal, headers: {} });

function parseFails(yaml: string, message: string | RegExp): void {
  assert.throws(
    () => parseBucketRouterConfig(yaml, 'router.yml'),
    (err: unknown) => {
      assert.ok(
        err instanceof BucketRouterConfigError,
        `expected BucketRouterConfigError, got ${String(err)}`,
      );
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    },
  );
}

async function rejectsWith(p: Promise<unknown>, status: number): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ImagorError, `expected ImagorError, got ${String(err)}`);
    assert.equal(err.status, status);
    return true;
  });
}

describe('parseBucketRouterConfig', () => {
  it('reads every field; Go (?P<name>) groups and plain names or objects as buckets', () => {
    const cfg = parseBucketRouterConfig(
      [
        'routing_pattern: "^(?P<bucket>[^/]+)/(?P<path>.+)$"',
        'default_bucket: images',
        'fallback_buckets:',
        '  - archive',
        '  - { name: legacy, region: eu-west-1 }',
        'rules:',
        '  - match: "^(cdn|static)$"',
        '    bucket:',
        '      name: assets',
        '      region: us-east-2',
        '      endpoint: https://s3.example.com',
        '      access_key_id: AK',
        '      secret_access_key: SK',
        '      session_token: TOKEN',
        '  - match: "^user-"',
        '    bucket: users',
      ].join('\n'),
    );
    assert.equal(cfg.routingPattern?.source, '^(?<bucket>[^/]+)\\/(?<path>.+)$');
    assert.deepEqual(cfg.defaultBucket, { name: 'images' });
    assert.deepEqual(cfg.fallbackBuckets, [{ name: 'archive' }, { name: 'legacy', region: 'eu-west-1' }]);
    assert.equal(cfg.rules.length, 2);
    assert.equal(cfg.rules[0]?.match.source, '^(cdn|static)$');
    assert.deepEqual(cfg.rules[0]?.bucket, {
      name: 'assets',
      region: 'us-east-2',
      endpoint: 'https://s3.example.com',
      accessKeyId: 'AK',
      secretAccessKey: 'SK',
      sessionToken: 'TOKEN',
    });
    assert.deepEqual(cfg.rules[1]?.bucket, { name: 'users' });
  });

  it('accepts a pattern alone (passthrough) and a default bucket alone', () => {
    const pass = parseBucketRouterConfig('routing_pattern: "^(?<bucket>[^/]+)/"\n');
    assert.equal(pass.defaultBucket, undefined);
    assert.deepEqual(pass.rules, []);
    assert.deepEqual(pass.fallbackBuckets, []);
    const only = parseBucketRouterConfig('default_bucket: { name: images }\n');
    assert.equal(only.routingPattern, undefined);
    assert.deepEqual(only.defaultBucket, { name: 'images' });
  });

  it('rejects files that are not YAML mappings', () => {
    parseFails('', 'router.yml: the file is empty (expected a mapping)');
    parseFails('# only a comment\n', 'router.yml: the file is empty (expected a mapping)');
    parseFails('- a\n- b\n', 'router.yml: the document must be a mapping, got a list');
    parseFails('just text', 'router.yml: the document must be a mapping, got a string');
    parseFails('rules: [unclosed\n', /^router\.yml: invalid YAML: /);
    parseFails(
      'default_bucket: a\ndefault_bucket: b\n',
      /^router\.yml: invalid YAML: .*[Mm]ap keys must be unique/,
    );
  });

  it('names unknown fields', () => {
    parseFails(
      'default_bucket: a\nfallback_bucket: b\n',
      'router.yml: fallback_bucket: unknown field (expected one of: routing_pattern, default_bucket, fallback_buckets, rules)',
    );
    parseFails(
      'routing_pattern: "(?<bucket>.+)"\nrules: [{ match: a, bucket: b, prio: 1 }]\n',
      'router.yml: rules[0].prio: unknown field (expected one of: match, bucket)',
    );
    parseFails(
      'default_bucket: { name: a, secret: x }\n',
      /^router\.yml: default_bucket\.secret: unknown field \(expected one of: name, region, endpoint, /,
    );
  });

  it('checks routing_pattern', () => {
    parseFails(
      'fallback_buckets: [a]\n',
      'router.yml: routing_pattern: is required unless default_bucket is set',
    );
    parseFails(
      'routing_pattern: "^([^/]+)/"\n',
      'router.yml: routing_pattern: needs a named group (?<bucket>…)',
    );
    parseFails(
      'routing_pattern: "^(?<bucket>[^/]+"\n',
      /^router\.yml: routing_pattern: invalid regular expression: /,
    );
    parseFails(
      'routing_pattern: 42\n',
      'router.yml: routing_pattern: must be a regular expression string, got a number',
    );
    parseFails('routing_pattern: ""\ndefault_bucket: a\n', 'router.yml: routing_pattern: must not be empty');
    parseFails(
      'default_bucket: a\nrules: [{ match: x, bucket: y }]\n',
      'router.yml: rules: need a routing_pattern to capture the bucket they match',
    );
  });

  it('checks fallback_buckets', () => {
    parseFails(
      'default_bucket: a\nfallback_buckets: [b, c, d]\n',
      'router.yml: fallback_buckets: at most 2 buckets are allowed, got 3',
    );
    parseFails(
      'default_bucket: a\nfallback_buckets: b\n',
      'router.yml: fallback_buckets: must be a list, got a string',
    );
    parseFails(
      'default_bucket: a\nfallback_buckets: [b, 7]\n',
      'router.yml: fallback_buckets[1]: must be a bucket name or a mapping, got a number',
    );
  });

  it('checks rules', () => {
    const p = 'routing_pattern: "(?<bucket>[^/]+)"\n';
    parseFails(`${p}rules: { match: a }\n`, 'router.yml: rules: must be a list, got a mapping');
    parseFails(
      `${p}rules: [a]\n`,
      'router.yml: rules[0]: must be a mapping with match and bucket, got a string',
    );
    parseFails(`${p}rules: [{ bucket: b }]\n`, 'router.yml: rules[0].match: is required');
    parseFails(
      `${p}rules: [{ match: a, bucket: b }, { match: c }]\n`,
      'router.yml: rules[1].bucket: is required',
    );
    parseFails(
      `${p}rules: [{ match: "(", bucket: b }]\n`,
      /^router\.yml: rules\[0\]\.match: invalid regular expression: /,
    );
    parseFails(
      `${p}rules: [{ match: [a], bucket: b }]\n`,
      'router.yml: rules[0].match: must be a regular expression string, got a list',
    );
  });

  it('checks buckets', () => {
    parseFails('default_bucket: ""\n', 'router.yml: default_bucket: must not be empty');
    parseFails(
      'default_bucket: "a/b"\n',
      `router.yml: default_bucket: invalid bucket name "a/b" (no '/', '*' or spaces)`,
    );
    parseFails(
      'default_bucket: "*"\n',
      `router.yml: default_bucket: invalid bucket name "*" (no '/', '*' or spaces)`,
    );
    parseFails('default_bucket: { region: x }\n', 'router.yml: default_bucket.name: is required');
    parseFails(
      'default_bucket: { name: 5 }\n',
      'router.yml: default_bucket.name: must be a string, got a number',
    );
    parseFails(
      'default_bucket: { name: a, region: [x] }\n',
      'router.yml: default_bucket.region: must be a string, got a list',
    );
    parseFails(
      'default_bucket: { name: a, endpoint: "s3.example.com" }\n',
      'router.yml: default_bucket.endpoint: must be an http:// or https:// URL, got "s3.example.com"',
    );
    parseFails(
      'default_bucket: { name: a, access_key_id: AK }\n',
      'router.yml: default_bucket.secret_access_key: is required when the other credential field is set',
    );
    parseFails(
      'default_bucket: { name: a, secret_access_key: SK }\n',
      'router.yml: default_bucket.access_key_id: is required when the other credential field is set',
    );
    parseFails(
      'default_bucket: { name: a, session_token: T }\n',
      'router.yml: default_bucket.session_token: needs access_key_id and secret_access_key',
    );
  });

  it('readBucketRouterConfig names the file it cannot read or parse', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'imagor-router-'));
    try {
      const missing = path.join(dir, 'missing.yml');
      assert.throws(
        () => readBucketRouterConfig(missing),
        (err: unknown) =>
          err instanceof BucketRouterConfigError &&
          err.message.startsWith(`cannot read bucket router config ${missing}: `),
      );
      const bad = path.join(dir, 'bad.yml');
      await writeFile(bad, 'fallback_buckets: [a]\n');
      assert.throws(
        () => readBucketRouterConfig(bad),
        (err: unknown) =>
          err instanceof BucketRouterConfigError &&
          err.message === `${bad}: routing_pattern: is required unless default_bucket is set`,
      );
      const good = path.join(dir, 'good.yml');
      await writeFile(good, 'default_bucket: images\n');
      assert.deepEqual(readBucketRouterConfig(good).defaultBucket, { name: 'images' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('route (no requests)', () => {
  const router = (
    yaml: string,
    extra: Omit<S3RouterOptions, 'router'> = {},
  ): ReturnType<typeof createS3RouterLoader> =>
    createS3RouterLoader({
      ...extra,
      router: parseBucketRouterConfig(yaml),
      createClient: () => assert.fail('no client is needed to route'),
    });

  it('rewrites the key with the path group, keeps it whole without one', () => {
    const withPath = router('routing_pattern: "^(?<bucket>[^/]+)/(?<path>.+)$"\n');
    assert.deepEqual(withPath.route('alpha/a/b.jpg'), { buckets: ['alpha'], key: 'a/b.jpg' });
    assert.deepEqual(withPath.route('/alpha//a/./b.jpg'), { buckets: ['alpha'], key: 'a/b.jpg' });
    const whole = router('routing_pattern: "^(?<bucket>[^/]+)/"\n');
    assert.deepEqual(whole.route('alpha/a/b.jpg'), { buckets: ['alpha'], key: 'alpha/a/b.jpg' });
  });

  it('an optional path group that did not take part leaves the key whole', () => {
    const r = router('routing_pattern: "^(?<bucket>[a-z-]+)(?:~(?<path>.+))?"\n');
    assert.deepEqual(r.route('alpha~x.jpg'), { buckets: ['alpha'], key: 'x.jpg' });
    assert.deepEqual(r.route('alpha/x.jpg'), { buckets: ['alpha'], key: 'alpha/x.jpg' });
  });

  it('first matching rule wins, then the default; rules without a default 404 the rest', () => {
    const rules = [
      'routing_pattern: "^(?<bucket>[^/]+)/(?<path>.+)$"',
      'rules:',
      '  - { match: "^cdn", bucket: assets }',
      '  - { match: "^cdn-eu$", bucket: never-chosen }',
      '  - { match: "^u[0-9]+$", bucket: users }',
    ].join('\n');
    const r = router(rules);
    assert.deepEqual(r.route('cdn-eu/x.png'), { buckets: ['assets'], key: 'x.png' });
    assert.deepEqual(r.route('u42/me.png'), { buckets: ['users'], key: 'me.png' });
    assert.throws(
      () => r.route('other/x.png'),
      (e: unknown) => e instanceof ImagorError && e.status === 404,
    );
    const withDefault = router(`${rules}\ndefault_bucket: images\n`);
    assert.deepEqual(withDefault.route('other/x.png'), { buckets: ['images'], key: 'x.png' });
  });

  it('keys the pattern does not match go to the default bucket whole, or 404', () => {
    const p = 'routing_pattern: "^b-(?<bucket>[a-z]+)/(?<path>.+)$"\n';
    assert.deepEqual(router(`${p}default_bucket: images\n`).route('plain/x.png'), {
      buckets: ['images'],
      key: 'plain/x.png',
    });
    assert.throws(
      () => router(p).route('plain/x.png'),
      (e: unknown) => e instanceof ImagorError && e.status === 404,
    );
    assert.deepEqual(router('default_bucket: images\n').route('any/x.png'), {
      buckets: ['images'],
      key: 'any/x.png',
    });
  });

  it('passthrough refuses captured names that are not bucket names', () => {
    const r = router('routing_pattern: "^(?<bucket>[^/]+)/(?<path>.+)$"\n');
    for (const key of ['Upper/x.png', 'a/x.png', 'under_score/x.png']) {
      assert.throws(
        () => r.route(key),
        (e: unknown) => e instanceof ImagorError && e.status === 400,
        key,
      );
    }
  });

  it('lists the fallbacks after the routed bucket, once each', () => {
    const r = router('routing_pattern: "^(?<bucket>[^/]+)/(?<path>.+)$"\nfallback_buckets: [one, two]\n');
    assert.deepEqual(r.route('alpha/x.png'), { buckets: ['alpha', 'one', 'two'], key: 'x.png' });
    const d = router('default_bucket: &d one\nfallback_buckets: [*d, two]\n');
    assert.deepEqual(d.route('x.png').buckets, ['one', 'two']);
  });

  it('checks and strips the loader path prefix before routing', () => {
    const r = router('routing_pattern: "^(?<bucket>[^/]+)/(?<path>.+)$"\n', { pathPrefix: 'img/s3' });
    assert.deepEqual(r.route('img/s3/alpha/x.png'), { buckets: ['alpha'], key: 'x.png' });
    for (const key of ['img/alpha/x.png', 'img/s3x/alpha/x.png', 'alpha/x.png']) {
      assert.throws(
        () => r.route(key),
        (e: unknown) => e instanceof ImagorError && e.status === 400,
        key,
      );
    }
  });
});

describe('S3 router loader against s3rver', () => {
  let s3: S3Fixture;
  const BUCKETS = ['alpha', 'beta', 'assets', 'images', 'fallback-one', 'fallback-two'];
  const good = (endpoint: string): NonNullable<S3StorageOptions['clientConfig']> => ({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials: S3_CREDENTIALS,
  });
  let made: Array<NonNullable<S3StorageOptions['clientConfig']>>;

  function loader(
    yaml: string,
    extra: Omit<S3RouterOptions, 'router'> = {},
  ): ReturnType<typeof createS3RouterLoader> {
    return createS3RouterLoader({
      clientConfig: good(s3.endpoint),
      ...extra,
      router: parseBucketRouterConfig(yaml),
      createClient: (cfg) => {
        made.push(cfg ?? {});
        return buildClient(cfg);
      },
    });
  }
  const text = async (p: Promise<{ data: Buffer }>): Promise<string> => (await p).data.toString('utf8');

  before(async () => {
    s3 = await startS3(BUCKETS);
    for (const b of BUCKETS) await s3.write(b, 'who.txt', Buffer.from(b), 'text/plain');
    await s3.write('alpha', 'deep/a.txt', Buffer.from('alpha deep'), 'text/plain');
    await s3.write('alpha', 'alpha/whole.txt', Buffer.from('alpha whole'), 'text/plain');
    await s3.write('images', 'plain-1/x.txt', Buffer.from('images plain'), 'text/plain');
    await s3.write('fallback-two', 'only-in-two.txt', Buffer.from('second fallback'), 'text/plain');
    await s3.write('fallback-one', 'in-both.txt', Buffer.from('first fallback'), 'text/plain');
    await s3.write('fallback-two', 'in-both.txt', Buffer.from('second fallback'), 'text/plain');
    await s3.write('beta', 'base/dir/b.txt', Buffer.from('beta in base dir'), 'text/plain');
  });
  after(async () => {
    await s3.close();
  });

  it('passthrough: the captured bucket, the path group as key, one shared client made lazily', async () => {
    made = [];
    const r = loader('routing_pattern: "^(?<bucket>[^/]+)/(?<path>.+)$"\n');
    assert.equal(made.length, 0);
    assert.equal(await text(r.get('alpha/who.txt', ctx())), 'alpha');
    assert.equal(await text(r.get('alpha/deep/a.txt', ctx())), 'alpha deep');
    assert.equal(await text(r.get('beta/who.txt', ctx())), 'beta');
    const blob = await r.get('assets/who.txt', ctx());
    assert.equal(blob.contentType, 'text/plain');
    assert.equal(made.length, 1);
    await rejectsWith(r.get('alpha/missing.txt', ctx()), 404);
    await rejectsWith(r.get('no-such-bucket/who.txt', ctx()), 404);
  });

  it('without a path group the whole key is the object key', async () => {
    made = [];
    const r = loader('routing_pattern: "^(?<bucket>[^/]+)/"\n');
    assert.equal(await text(r.get('alpha/whole.txt', ctx())), 'alpha whole');
  });

  it('rules map captured names to buckets; the default catches the rest and unmatched keys', async () => {
    made = [];
    const r = loader(
      [
        'routing_pattern: "^(?<bucket>[a-z]+)/(?<path>.+)$"',
        'default_bucket: images',
        'rules:',
        '  - { match: "^(cdn|static)$", bucket: assets }',
        '  - { match: "^a", bucket: alpha }',
      ].join('\n'),
    );
    assert.equal(await text(r.get('cdn/who.txt', ctx())), 'assets');
    assert.equal(await text(r.get('static/who.txt', ctx())), 'assets');
    assert.equal(await text(r.get('abc/who.txt', ctx())), 'alpha');
    assert.equal(await text(r.get('zzz/who.txt', ctx())), 'images');
    // the pattern needs [a-z]+ before the slash: "plain-1/…" does not match → default, whole key
    assert.equal(await text(r.get('plain-1/x.txt', ctx())), 'images plain');
    // "plain/x.txt" matches, no rule → default with the path group as key
    await rejectsWith(r.get('plain/x.txt', ctx()), 404);
    assert.equal(made.length, 1, 'name-only buckets share one client');
  });

  it('falls back in order on not-found only', async () => {
    made = [];
    const r = loader(
      'routing_pattern: "^(?<bucket>[^/]+)/(?<path>.+)$"\nfallback_buckets: [fallback-one, fallback-two]\n',
    );
    assert.equal(await text(r.get('alpha/who.txt', ctx())), 'alpha');
    assert.equal(await text(r.get('alpha/in-both.txt', ctx())), 'first fallback');
    assert.equal(await text(r.get('alpha/only-in-two.txt', ctx())), 'second fallback');
    assert.equal(await text(r.get('no-such-bucket/in-both.txt', ctx())), 'first fallback');
    await rejectsWith(r.get('alpha/nowhere.txt', ctx()), 404);
    const st = await r.stat('alpha/only-in-two.txt', ctx());
    assert.equal(st.size, 'second fallback'.length);
    await rejectsWith(r.stat('alpha/nowhere.txt', ctx()), 404);
    // a refused key is not retried elsewhere
    await rejectsWith(r.get('Not_A_Bucket/in-both.txt', ctx()), 400);
    // keys are cleaned before routing: alpha/../fallback-two/x → fallback-two
    assert.equal(await text(r.get('alpha/../fallback-two/who.txt', ctx())), 'fallback-two');
  });

  it('a bucket object gets its own client; its settings beat the loader client', async () => {
    made = [];
    // the loader's own client points nowhere: only the bucket's endpoint can answer
    const r = loader(
      [
        'routing_pattern: "^(?<bucket>[^/]+)/(?<path>.+)$"',
        'rules:',
        '  - match: "^ok$"',
        '    bucket:',
        '      name: assets',
        `      endpoint: ${s3.endpoint}`,
        '      region: us-east-1',
        `      access_key_id: ${S3_CREDENTIALS.accessKeyId}`,
        `      secret_access_key: ${S3_CREDENTIALS.secretAccessKey}`,
        '  - match: "^badkey$"',
        `    bucket: { name: assets, endpoint: "${s3.endpoint}", access_key_id: NOPE, secret_access_key: NOPE }`,
        'fallback_buckets:',
        `  - { name: fallback-two, endpoint: "${s3.endpoint}", access_key_id: S3RVER, secret_access_key: S3RVER }`,
      ].join('\n'),
      {
        clientConfig: {
          region: 'us-east-1',
          endpoint: 'http://127.0.0.1:9',
          forcePathStyle: true,
          credentials: { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' },
        },
      },
    );
    assert.equal(await text(r.get('ok/who.txt', ctx())), 'assets');
    assert.equal(made.length, 1);
    assert.equal(made[0]?.endpoint, s3.endpoint);
    assert.equal(made[0]?.forcePathStyle, true, 'unset settings come from the loader');
    assert.equal(made[0]?.credentials?.accessKeyId, S3_CREDENTIALS.accessKeyId);
    assert.equal(made[0]?.credentials?.secretAccessKey, S3_CREDENTIALS.secretAccessKey);
    // wrong keys are the bucket's own: refused by the server (not a not-found), so the fallback
    // (which has the object and a working client) is not asked and its client never made
    await assert.rejects(r.get('badkey/who.txt', ctx()), (err: unknown) => !(err instanceof ImagorError));
    assert.equal(made.length, 2);
    assert.equal(await text(r.get('ok/only-in-two.txt', ctx())), 'second fallback');
    assert.equal(made.length, 3);
    assert.equal(made[1]?.credentials?.accessKeyId, 'NOPE');
    // cached per bucket
    await r.get('ok/who.txt', ctx());
    await r.get('ok/only-in-two.txt', ctx());
    assert.equal(made.length, 3);
  });

  it('joins the loader base dir to the routed key', async () => {
    made = [];
    const r = loader('routing_pattern: "^(?<bucket>[^/]+)/(?<path>.+)$"\n', { baseDir: 'base/dir' });
    assert.equal(await text(r.get('beta/b.txt', ctx())), 'beta in base dir');
  });
});

describe('S3 router through the real server', () => {
  let s3: S3Fixture;
  let dir: string;
  before(async () => {
    s3 = await startS3(['red-bucket', 'blue-bucket', 'spare']);
    dir = await mkdtemp(path.join(os.tmpdir(), 'imagor-router-e2e-'));
    const png = (r: number, g: number, b: number): Promise<Buffer> =>
      sharp({ create: { width: 20, height: 10, channels: 3, background: { r, g, b } } })
        .png()
        .toBuffer();
    await s3.write('red-bucket', 'pic.png', await png(255, 0, 0), 'image/png');
    await s3.write('blue-bucket', 'pic.png', await png(0, 0, 255), 'image/png');
    await s3.write('spare', 'only-spare.png', await png(0, 255, 0), 'image/png');
  });
  after(async () => {
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function colour(body: Buffer): Promise<number[]> {
    const { data } = await sharp(body).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    return [data[0] ?? -1, data[1] ?? -1, data[2] ?? -1];
  }

  it('routes URLs to buckets with rules, passthrough names and fallbacks', async () => {
    const file = path.join(dir, 'router.yml');
    await writeFile(
      file,
      [
        'routing_pattern: "^(?P<bucket>[a-z-]+)/(?P<path>.+)$"',
        'fallback_buckets: [spare]',
        'rules:',
        '  - { match: "^red$", bucket: red-bucket }',
        '  - { match: "^blue", bucket: blue-bucket }',
      ].join('\n'),
    );
    const server = await startServer([
      '-imagor-unsafe',
      '-http-loader-disable',
      '-s3-loader-bucket-router-config',
      file,
      ...s3.flags,
    ]);
    try {
      const red = await get(`${server.url}/unsafe/filters:format(png)/red/pic.png`);
      assert.equal(red.status, 200);
      assert.equal(red.headers.get('content-type'), 'image/png');
      assert.deepEqual(await colour(red.body), [255, 0, 0]);
      const blue = await get(`${server.url}/unsafe/10x5/filters:format(png)/blue-ish/pic.png`);
      assert.equal(blue.status, 200);
      assert.deepEqual((await sharp(blue.body).metadata()).width, 10);
      assert.deepEqual(await colour(blue.body), [0, 0, 255]);
      const spare = await get(`${server.url}/unsafe/filters:format(png)/red/only-spare.png`);
      assert.equal(spare.status, 200);
      assert.deepEqual(await colour(spare.body), [0, 255, 0]);
      assert.equal((await get(`${server.url}/unsafe/green/pic.png`)).status, 404);
      assert.equal((await get(`${server.url}/unsafe/red/nowhere.png`)).status, 404);
    } finally {
      await server.close();
    }
  });

  it('refuses to build with a bad router file', async () => {
    const file = path.join(dir, 'bad.yml');
    await writeFile(file, 'routing_pattern: "^(?<b>.+)$"\n');
    await assert.rejects(
      startServer(['-imagor-unsafe', '-s3-loader-bucket-router-config', file, ...s3.flags]),
      (err: unknown) =>
        err instanceof BucketRouterConfigError &&
        err.message === `${file}: routing_pattern: needs a named group (?<bucket>…)`,
    );
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import ipaddr from 'ipaddr.js';
import { ImagorError } from '../../src/errors.js';
import { createNetworkGuard, embeddedIPv4, type NetworkGuardOptions } from '../../src/loader/netguard.js';

const ALL: NetworkGuardOptions = {
  blockLoopbackNetworks: true,
  blockPrivateNetworks: true,
  blockLinkLocalNetworks: true,
  blockNetworks: [],
};

function refusal(opts: NetworkGuardOptions, address: string): string | undefined {
  try {
    createNetworkGuard(opts).check(address);
    return undefined;
  } catch (err) {
    assert.ok(err instanceof ImagorError);
    assert.equal(err.status, 403);
    return err.message;
  }
}

const kind = (address: string): string | undefined =>
  /is (?:a|an) ([a-z-]+) address|is in blocked network/.exec(refusal(ALL, address) ?? '')?.[1];

test('categories of refused addresses', () => {
  const cases: Array<[string, string | undefined]> = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', undefined],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['100.128.0.1', undefined],
    ['fd00::1', 'private'],
    ['fc00::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['8.8.8.8', undefined],
    ['2606:4700::1111', undefined],
    // embedded IPv4
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::10.0.0.1', 'private'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::808:808', undefined],
    ['64:ff9b:1::1', 'private'],
    ['2002:c0a8:101::1', 'private'],
    ['2002:808:808::1', undefined],
    // Teredo: server 65.54.227.120, client 127.0.0.1 obfuscated (xor 0xff) = 80ff:fffe
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback'],
  ];
  for (const [address, expected] of cases) assert.equal(kind(address), expected, address);
});

test('messages name the flag to change', () => {
  assert.equal(
    refusal(ALL, '10.0.0.1'),
    'http source address 10.0.0.1 is a private address, refused (set -http-loader-block-private-networks=false to allow)',
  );
  assert.equal(
    refusal(ALL, 'fe80::1'),
    'http source address fe80::1 is a link-local address, refused (set -http-loader-block-link-local-networks=false to allow)',
  );
});

test('each flag can be turned off on its own', () => {
  const none = {
    ...ALL,
    blockLoopbackNetworks: false,
    blockPrivateNetworks: false,
    blockLinkLocalNetworks: false,
  };
  assert.equal(refusal({ ...ALL, blockLoopbackNetworks: false }, '127.0.0.1'), undefined);
  assert.equal(kind('127.0.0.1'), 'loopback');
  assert.equal(refusal({ ...ALL, blockPrivateNetworks: false }, '192.168.0.1'), undefined);
  assert.equal(refusal({ ...ALL, blockLinkLocalNetworks: false }, '169.254.1.1'), undefined);
  assert.equal(createNetworkGuard(none).disabled, true);
  assert.equal(refusal(none, '127.0.0.1'), undefined);
});

test('blockNetworks CIDRs (and single addresses), also against embedded IPv4', () => {
  // blockNetworks refuses whatever the categories leave: here with the categories off
  const opts = {
    ...ALL,
    blockLoopbackNetworks: false,
    blockPrivateNetworks: false,
    blockLinkLocalNetworks: false,
    blockNetworks: ['198.51.100.0/24', '2001:db8::/32', '203.0.113.9'],
  };
  assert.equal(
    refusal(opts, '198.51.100.20'),
    'http source address 198.51.100.20 is in blocked network 198.51.100.0/24, refused (see -http-loader-block-networks)',
  );
  assert.match(refusal(opts, '::ffff:198.51.100.20') ?? '', /blocked network 198\.51\.100\.0\/24/);
  assert.match(refusal(opts, '2001:db8::5') ?? '', /blocked network 2001:db8::\/32/);
  assert.match(refusal(opts, '203.0.113.9') ?? '', /blocked network 203\.0\.113\.9/);
  assert.equal(refusal(opts, '203.0.113.10'), undefined);
  assert.throws(() => createNetworkGuard({ ...ALL, blockNetworks: ['not-a-cidr'] }), {
    message: 'invalid -http-loader-block-networks CIDR: not-a-cidr',
  });
});

test('embeddedIPv4 extracts the carried addresses', () => {
  const v6 = (s: string): ipaddr.IPv6 => ipaddr.IPv6.parse(s);
  assert.deepEqual(embeddedIPv4(v6('::ffff:1.2.3.4')).map(String), ['1.2.3.4']);
  assert.deepEqual(embeddedIPv4(v6('64:ff9b::102:304')).map(String), ['1.2.3.4']);
  assert.deepEqual(embeddedIPv4(v6('2002:102:304::')).map(String), ['1.2.3.4']);
  assert.deepEqual(embeddedIPv4(v6('2001:0:4136:e378:8000:63bf:3fff:fdd2')).map(String), [
    '65.54.227.120',
    '192.0.2.45',
  ]);
  assert.deepEqual(embeddedIPv4(v6('2606:4700::1111')), []);
});

test('every address that is not global unicast is refused unless allowed', () => {
  const cases: Array<[string, string | undefined]> = [
    // IPv4-translated (RFC 6145) carries 127.0.0.1
    ['::ffff:0:7f00:1', 'loopback'],
    ['::ffff:0:a00:1', 'private'],
    ['fec0::1', 'reserved'],
    ['192.0.0.1', 'reserved'],
    ['192.0.0.170', 'reserved'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.254', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['239.255.255.250', 'reserved'],
    ['ff02::1', 'reserved'],
    ['ff0e::1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.254', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.1', 'reserved'],
    ['198.51.100.1', 'reserved'],
    ['203.0.113.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    ['2001:10::1', 'reserved'],
    ['2001:20::1', 'reserved'],
    ['2002:c612:1::1', 'reserved'],
    ['64:ff9b::c000:201', 'reserved'],
    // global unicast, also behind a translation
    ['1.1.1.1', undefined],
    ['192.0.1.1', undefined],
    ['198.20.0.1', undefined],
    ['223.255.255.1', undefined],
    ['2a00:1450:4001::1', undefined],
    ['::ffff:8.8.8.8', undefined],
    ['::ffff:0:808:808', undefined],
  ];
  for (const [address, expected] of cases) assert.equal(kind(address), expected, address);
  assert.equal(
    refusal(ALL, '224.0.0.1'),
    'http source address 224.0.0.1 is a reserved address, refused (set -http-loader-block-private-networks=false to allow)',
  );
  assert.equal(refusal({ ...ALL, blockPrivateNetworks: false }, '198.18.0.1'), undefined);
  assert.equal(refusal({ ...ALL, blockPrivateNetworks: false }, 'ff02::1'), undefined);
});

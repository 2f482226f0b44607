import ipaddr from 'ipaddr.js';
import { ImagorError } from '../errors.js';

type IP = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [IP, number];

export interface NetworkGuardOptions {
  blockLoopbackNetworks: boolean;
  blockPrivateNetworks: boolean;
  blockLinkLocalNetworks: boolean;
  /** extra CIDRs to refuse, e.g. `203.0.113.0/24` */
  blockNetworks: string[];
}

type Category = 'loopback' | 'unspecified' | 'private' | 'link-local' | 'reserved';

const cidr = (s: string): Cidr => ipaddr.parseCIDR(s);

const RANGES: ReadonlyArray<{ category: Category; cidr: Cidr }> = [
  { category: 'loopback', cidr: cidr('127.0.0.0/8') },
  { category: 'loopback', cidr: cidr('::1/128') },
  { category: 'unspecified', cidr: cidr('0.0.0.0/8') },
  { category: 'unspecified', cidr: cidr('::/128') },
  { category: 'private', cidr: cidr('10.0.0.0/8') },
  { category: 'private', cidr: cidr('172.16.0.0/12') },
  { category: 'private', cidr: cidr('192.168.0.0/16') },
  { category: 'private', cidr: cidr('100.64.0.0/10') },
  { category: 'private', cidr: cidr('fc00::/7') },
  // RFC 8215 local-use NAT64 prefix: translated addresses are operator-private
  { category: 'private', cidr: cidr('64:ff9b:1::/48') },
  { category: 'link-local', cidr: cidr('169.254.0.0/16') },
  { category: 'link-local', cidr: cidr('fe80::/10') },
];

const FLAG: Record<Category, string> = {
  loopback: 'block-loopback-networks',
  unspecified: 'block-loopback-networks',
  private: 'block-private-networks',
  'link-local': 'block-link-local-networks',
  reserved: 'block-private-networks',
};

const ARTICLE: Record<Category, string> = {
  loopback: 'a loopback',
  unspecified: 'an unspecified',
  private: 'a private',
  'link-local': 'a link-local',
  reserved: 'a reserved',
};

/**
 * ipaddr.js ranges of IPv6 addresses that carry an IPv4 address a relay or translator delivers to:
 * judged by the IPv4 address inside them (see embeddedIPv4), not refused as such.
 */
/** ipaddr.js ranges that RANGES files under a category of their own (with its own flag). */
const OWN_FLAG = new Set([
  'loopback',
  'unspecified',
  'private',
  'linkLocal',
  'uniqueLocal',
  'carrierGradeNat',
]);

const TRANSLATED = new Set(['ipv4Mapped', 'rfc6145', 'rfc6052', '6to4', 'teredo']);

/**
 * Anything ipaddr.js does not call global unicast: multicast, broadcast, 240.0.0.0/4, benchmarking
 * (198.18.0.0/15), IETF protocol assignments (192.0.0.0/24), documentation, discard, ORCHID,
 * deprecated site-local (fec0::/10), AS112, AMT and the rest of IANA's special-purpose registries.
 */
function isReserved(ip: IP): boolean {
  const range = ip.range();
  if (range === 'unicast' || OWN_FLAG.has(range)) return false;
  return !(ip.kind() === 'ipv6' && TRANSLATED.has(range));
}

/**
 * The IPv4 addresses an IPv6 address carries inside it and that a relay may deliver to:
 * IPv4-mapped (::ffff:a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d, RFC 6145), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96),
 * 6to4 (2002:AABB:CCDD::/16) and Teredo (2001:0::/32, server and obfuscated client).
 */
export function embeddedIPv4(ip: ipaddr.IPv6): ipaddr.IPv4[] {
  const b = ip.toByteArray();
  const v4 = (off: number, xor = 0): ipaddr.IPv4 =>
    new ipaddr.IPv4([0, 1, 2, 3].map((k) => (b[off + k] ?? 0) ^ xor));
  const p = ip.parts;
  const zeros = (from: number, to: number): boolean => p.slice(from, to).every((x) => x === 0);
  const out: ipaddr.IPv4[] = [];
  if (zeros(0, 5) && p[5] === 0xffff) out.push(v4(12));
  else if (zeros(0, 4) && p[4] === 0xffff && p[5] === 0) out.push(v4(12));
  else if (zeros(0, 6) && !(p[6] === 0 && (p[7] === 0 || p[7] === 1))) out.push(v4(12));
  if (p[0] === 0x64 && p[1] === 0xff9b && zeros(2, 6)) out.push(v4(12));
  if (p[0] === 0x2002) out.push(v4(2));
  if (p[0] === 0x2001 && p[1] === 0) out.push(v4(4), v4(12, 0xff));
  return out;
}

export interface NetworkGuard {
  /** Throws ImagorError 403 when connecting to `address` (an IP literal) is refused. */
  check(address: string): void;
  /** True when no rule is active (nothing to check). */
  readonly disabled: boolean;
}

export function createNetworkGuard(opts: NetworkGuardOptions): NetworkGuard {
  const blocked = opts.blockNetworks
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      if (!ipaddr.isValidCIDR(s)) {
        // accept a bare address as a single-host network
        if (!ipaddr.isValid(s)) throw new Error(`invalid -http-loader-block-networks CIDR: ${s}`);
        const ip = ipaddr.parse(s);
        return { text: s, cidr: [ip, ip.kind() === 'ipv4' ? 32 : 128] as Cidr };
      }
      return { text: s, cidr: ipaddr.parseCIDR(s) };
    });
  const enabled: Record<Category, boolean> = {
    loopback: opts.blockLoopbackNetworks,
    unspecified: opts.blockLoopbackNetworks,
    private: opts.blockPrivateNetworks,
    'link-local': opts.blockLinkLocalNetworks,
    reserved: opts.blockPrivateNetworks,
  };
  const disabled =
    !opts.blockLoopbackNetworks &&
    !opts.blockPrivateNetworks &&
    !opts.blockLinkLocalNetworks &&
    !blocked.length;

  const refuse = (address: string, what: string, hint: string): ImagorError =>
    new ImagorError(403, `http source address ${address} ${what}, refused (${hint})`);

  function check(address: string): void {
    if (disabled) return;
    const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
    let ip: IP;
    try {
      ip = ipaddr.parse(bare.replace(/%.*$/, ''));
    } catch {
      throw refuse(address, 'is not a valid IP address', 'cannot be checked');
    }
    const candidates: IP[] = [ip];
    if (ip.kind() === 'ipv6') candidates.push(...embeddedIPv4(ip as ipaddr.IPv6));
    for (const c of candidates) {
      for (const r of RANGES) {
        if (enabled[r.category] && c.kind() === r.cidr[0].kind() && c.match(r.cidr)) {
          throw refuse(
            address,
            `is ${ARTICLE[r.category]} address`,
            `set -http-loader-${FLAG[r.category]}=false to allow`,
          );
        }
      }
      for (const b of blocked) {
        if (c.kind() === b.cidr[0].kind() && c.match(b.cidr)) {
          throw refuse(address, `is in blocked network ${b.text}`, 'see -http-loader-block-networks');
        }
      }
    }
    // after the operator's own networks, whose message is the more telling one
    if (enabled.reserved) {
      for (const c of candidates) {
        if (isReserved(c)) {
          throw refuse(
            address,
            `is ${ARTICLE.reserved} address`,
            `set -http-loader-${FLAG.reserved}=false to allow`,
          );
        }
      }
    }
  }
  return { check, disabled };
}

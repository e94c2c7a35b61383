/**
 * SSRF guard: classify the one address we are about to dial. Non-public ranges are refused unless an explicit
 * CIDR in `allowPrivateAddresses` covers them. IPv4-mapped IPv6 (::ffff:a.b.c.d) is checked as its IPv4.
 */
import { BlockList, isIP } from 'node:net';

/** Ranges that are never a legitimate Azure endpoint: [network, prefix, family, label]. */
const DENIED: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'CGNAT'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local / cloud metadata'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved / broadcast'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['64:ff9b::', 96, 'ipv6', 'NAT64 (embedded IPv4)'],
  ['2002::', 16, 'ipv6', '6to4 (embedded IPv4)'],
  ['2001::', 32, 'ipv6', 'Teredo (embedded IPv4)'],
  ['fc00::', 7, 'ipv6', 'unique local (private)'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
  ['fd00:ec2::254', 128, 'ipv6', 'cloud metadata'],
];

const denied = DENIED.map(([net, prefix, family, label]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, family);
  return { list, family, label, cidr: `${net}/${prefix}` };
});

/** `::ffff:1.2.3.4` or `::ffff:102:304` → `1.2.3.4`; anything else unchanged. */
export function unmapIPv4(address: string): string {
  const a = address.toLowerCase();
  const dotted = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (dotted?.[1]) return dotted[1];
  const hex = /^(?:0{0,4}:){0,5}:?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(a);
  if (hex?.[1] && hex[2]) {
    const hi = Number.parseInt(hex[1], 16);
    const lo = Number.parseInt(hex[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return address;
}

export interface AddressVerdict {
  allowed: boolean;
  /** Why it is refused, e.g. `loopback (127.0.0.0/8)`. */
  label: string;
}

export interface AddressGuard {
  check(address: string): AddressVerdict;
}

export function createAddressGuard(allowCidrs: readonly string[]): AddressGuard {
  const allow = new BlockList();
  for (const cidr of allowCidrs) {
    const [net = '', prefix = ''] = cidr.split('/');
    const family = isIP(net) === 6 ? 'ipv6' : 'ipv4';
    allow.addSubnet(net, Number(prefix), family);
  }
  return {
    check(address) {
      const ip = unmapIPv4(address);
      const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
      if (isIP(ip) === 0) return { allowed: false, label: 'not an IP address' };
      if (allow.check(ip, family)) return { allowed: true, label: '' };
      for (const d of denied) {
        if (d.family === family && d.list.check(ip, family))
          return { allowed: false, label: `${d.label} (${d.cidr})` };
      }
      return { allowed: true, label: '' };
    },
  };
}

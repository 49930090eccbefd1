import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { PrivateAddressError } from './private-address-error.js';

/**
 * The range of `address` when it is not public unicast, else undefined: every special range ipaddr.js
 * knows (loopback, private, link-local, carrier-grade NAT, multicast, reserved, NAT64, 6to4, Teredo,
 * ...), plus the IPv4-compatible IPv6 block `::/96` (deprecated by RFC 4291, and `::a.b.c.d` reaches
 * the IPv4 host a.b.c.d on some stacks), which ipaddr.js calls unicast.
 */
export function nonPublicRange(address: string): string | undefined {
  // Written the way Node connects to it: ipaddr.js reads `::a.b.c.d` as IPv4-mapped (`::ffff:a.b.c.d`),
  // the network stack as IPv4-compatible (`::a.b.c.d`); WHATWG URL serialisation is hex, unambiguous.
  const text = isIP(address) === 6 ? new URL(`http://[${address}]`).hostname.slice(1, -1) : address;
  const parsed = ipaddr.parse(text);
  if (parsed.kind() === 'ipv6' && parsed.range() === 'unicast' && parsed.match(IPV4_COMPATIBLE)) return 'ipv4Compatible';
  const range = ipaddr.process(text).range(); // process(): IPv4-mapped IPv6 → the IPv4 address it maps
  return range === 'unicast' ? undefined : range;
}

const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/** Refuses an IP-literal host up front (DNS lookup is skipped for those). */
export function assertPublicLiteral(hostname: string): void {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) === 0) return;
  const range = nonPublicRange(host);
  if (range) throw new PrivateAddressError(hostname, host, range);
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `dns.lookup` replacement for the HTTP client that refuses private addresses at connect time,
 * so a name that resolves differently between a check and the request (DNS rebinding) is still caught.
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, []);
    for (const { address } of addresses) {
      const range = nonPublicRange(address);
      if (range) return callback(Object.assign(new PrivateAddressError(hostname, address, range), { errno: 0 }), []);
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), []);
    return callback(null, first.address, first.family);
  });
}

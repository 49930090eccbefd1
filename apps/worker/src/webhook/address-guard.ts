import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { PrivateAddressError } from './private-address-error.js';

/** The ipaddr.js range of `address` when it is not public unicast, else undefined. */
export function nonPublicRange(address: string): string | undefined {
  const range = ipaddr.process(address).range(); // process(): IPv4-mapped IPv6 → IPv4
  return range === 'unicast' ? undefined : range;
}

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

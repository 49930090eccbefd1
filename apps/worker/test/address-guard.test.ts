import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { assertPublicLiteral, guardedLookup, nonPublicRange, PrivateAddressError } from '../src/index.js';

type Block = [ipaddr.IPv4 | ipaddr.IPv6, number];
type RangeTable = Record<string, Block | Block[]>;

/**
 * Every special-purpose block ipaddr.js knows, read from its own tables, so a range the library adds
 * later is covered too; from each block its first address, one inside it and its last.
 */
function addressesOfEveryRange(): { range: string; address: string }[] {
  const tables = [ipaddr.IPv4.prototype, ipaddr.IPv6.prototype].map((p) => (p as unknown as { SpecialRanges: RangeTable }).SpecialRanges);
  return tables.flatMap((table) =>
    Object.entries(table).flatMap(([range, blocks]) => {
      const list: Block[] = Array.isArray(blocks[0]) ? (blocks as Block[]) : [blocks as Block];
      return list.flatMap(([network, bits]) => {
        const first = network.toNormalizedString();
        const cidr = `${first}/${bits}`;
        const last =
          network.kind() === 'ipv4' ? ipaddr.IPv4.broadcastAddressFromCIDR(cidr).toString() : lastIPv6(network as ipaddr.IPv6, bits);
        const bytes = network.toByteArray();
        bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) | 1;
        const inside = ipaddr.fromByteArray(bytes).toNormalizedString();
        return [first, inside, last].map((address) => ({ range, address }));
      });
    }),
  );
}

function lastIPv6(network: ipaddr.IPv6, bits: number): string {
  const parts = [...network.parts];
  for (let i = 0; i < 8; i += 1) {
    const hostBits = Math.min(16, Math.max(0, (i + 1) * 16 - bits));
    parts[i] = (parts[i] ?? 0) | ((1 << hostBits) - 1);
  }
  return new ipaddr.IPv6(parts).toNormalizedString();
}

describe('the webhook address guard', () => {
  const special = addressesOfEveryRange();

  it('covers every range ipaddr.js knows', () => {
    const ranges = new Set(special.map((s) => s.range));
    // The ones the old tests named, and the ones they missed.
    for (const range of [
      'loopback',
      'private',
      'linkLocal',
      'uniqueLocal',
      'carrierGradeNat',
      'multicast',
      'reserved',
      'rfc6052',
      '6to4',
      'teredo',
    ])
      expect(ranges).toContain(range);
    expect(special.length).toBeGreaterThan(60);
  });

  it.each(addressesOfEveryRange())('refuses $address ($range)', ({ address }) => {
    expect(nonPublicRange(address)).toBeDefined();
    const literal = address.includes(':') ? `[${address}]` : address;
    expect(() => assertPublicLiteral(literal)).toThrow(PrivateAddressError);
  });

  it.each([
    ['::127.0.0.1', 'ipv4Compatible'],
    ['::10.1.2.3', 'ipv4Compatible'],
    ['::8.8.8.8', 'ipv4Compatible'],
    ['::ffff:ffff', 'ipv4Compatible'],
    ['0:0:0:0:0:0:a01:203', 'ipv4Compatible'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['64:ff9b::10.0.0.1', 'rfc6052'],
    ['2002:a00:1::', '6to4'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['198.18.0.1', 'reserved'],
  ])('refuses %s (%s)', (address, range) => {
    expect(nonPublicRange(address)).toBe(range);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::1:0:0:1'])(
    'lets public %s through',
    (address) => {
      expect(nonPublicRange(address)).toBeUndefined();
      expect(() => assertPublicLiteral(address.includes(':') ? `[${address}]` : address)).not.toThrow();
    },
  );

  it('checks the addresses a name resolves to, at connect time', async () => {
    const error = await new Promise<unknown>((resolve) => guardedLookup('localhost', {}, (e) => resolve(e)));
    expect(error).toBeInstanceOf(PrivateAddressError);
  });

  // guardedLookup replaces dns.lookup in the webhook client's connector, so it must answer the way dns.lookup does. IP
  // literals resolve to themselves without a DNS server, which keeps these tests off the network.
  type Answer = { error: NodeJS.ErrnoException | null; address: unknown; family: number | undefined };
  const lookUp = (hostname: string, options: { all?: boolean }) =>
    new Promise<Answer>((resolve) => guardedLookup(hostname, options, (error, address, family) => resolve({ error, address, family })));

  it('answers a public address the way dns.lookup does: one address and its family, or the list when all are asked for', async () => {
    expect(await lookUp('8.8.8.8', {})).toEqual({ error: null, address: '8.8.8.8', family: 4 });
    expect(await lookUp('2606:4700:4700::1111', {})).toEqual({ error: null, address: '2606:4700:4700::1111', family: 6 });
    expect(await lookUp('8.8.8.8', { all: true })).toMatchObject({ error: null, address: [{ address: '8.8.8.8', family: 4 }] });
  });

  it('passes a failed lookup on as it is (not as a private address)', async () => {
    const { error } = await lookUp('no-such-host.invalid', {}); // .invalid never resolves (RFC 2606)
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PrivateAddressError);
    expect(error?.code).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
  });

  it('a lookup that finds no address at all is an ENOTFOUND error naming the host, like a name that does not resolve', async () => {
    // dns.lookup answers an empty host name with an empty list and no error (a compatibility case it warns about).
    const { error } = await lookUp('', {});
    expect(error).toBeInstanceOf(Error);
    expect(error?.code).toBe('ENOTFOUND');
    expect(error?.message).toMatch(/^no address for/);
  });
});

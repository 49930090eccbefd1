import type { RedisClient } from '../redis-connection.js';
import { endpointIndexKeys, endpointKeys, endpointStatePrefixes } from './endpoint-keys.js';

/** A circuit breaker's state as operators see it (and the metric's value: 0, 1, 2). */
export const BREAKER_STATES = ['closed', 'half-open', 'open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

/** One endpoint's health, read from Redis (times are epoch ms, null when never). */
export type EndpointHealth = {
  endpoint: string;
  /** `half-open` while a probe is out; `open` while deliveries are held and no probe is out. */
  state: BreakerState;
  /** Distinct deliveries that failed in a row (timeouts, refused connections, 5xx). */
  consecutiveFailures: number;
  /** Deliveries waiting in the endpoint's line (breaker open, paused, or over WEBHOOK_ENDPOINT_MAX_RPS). */
  held: number;
  /** Deliveries not yet delivered, dead-lettered or stopped, held or not. */
  undelivered: number;
  oldestUndeliveredAt: number | null;
  openedAt: number | null;
  nextProbeAt: number | null;
  pausedUntil: number | null;
  lastError: string | null;
  lastErrorAt: number | null;
  lastSuccessAt: number | null;
  lastSeenAt: number | null;
  /**
   * With POLL_SHARDS > 1: each poll shard's own state of the endpoint (in shard order), which the fields above
   * sum up: the worst state, held and undelivered summed, the oldest undelivered, the most consecutive
   * failures, the latest error and success. Absent without shards.
   */
  shards?: EndpointHealth[];
};

/** Reads past this many endpoints are cut (a scrape or a page must stay cheap). */
export const MAX_ENDPOINTS_READ = 1_000;

const number = (value: string | undefined) => (value === undefined || value === '' ? null : Number(value));

/** The health of `endpoint`, or undefined when regionwatch never delivered to it. `shards`: POLL_SHARDS. */
export async function readEndpointHealth(
  redis: RedisClient,
  prefix: string,
  endpoint: string,
  now = Date.now(),
  shards = 1,
): Promise<EndpointHealth | undefined> {
  const perShard = await Promise.all(endpointStatePrefixes(prefix, shards).map((p) => readMany(redis, p, [endpoint], now)));
  const health = combine(
    endpoint,
    perShard.map((rows) => rows[0] as EndpointHealth),
  );
  return health.lastSeenAt === null ? undefined : health;
}

/**
 * Every endpoint regionwatch delivered to (in the order first seen), at most `limit`; `total` is how
 * many there are. One pipelined round trip per shard after the index reads. With `shards` (POLL_SHARDS)
 * > 1, each shard's states are read (one pipeline per shard: its own Cluster slot) and combined, one row
 * per endpoint.
 */
export async function listEndpointHealth(
  redis: RedisClient,
  prefix: string,
  options: { limit?: number; now?: number; shards?: number } = {},
): Promise<{ endpoints: EndpointHealth[]; total: number }> {
  const limit = Math.min(options.limit ?? MAX_ENDPOINTS_READ, MAX_ENDPOINTS_READ);
  const now = options.now ?? Date.now();
  const prefixes = endpointStatePrefixes(prefix, options.shards ?? 1);
  if (prefixes.length === 1) {
    const { index } = endpointIndexKeys(prefix);
    const [names, total] = await Promise.all([redis.zrange(index, 0, String(limit - 1)), redis.zcard(index)]);
    return { endpoints: await readMany(redis, prefix, names, now), total };
  }
  // Each shard's index, first seen first; an endpoint's place is its earliest sighting in any shard. The
  // total is exact up to MAX_ENDPOINTS_READ per shard (beyond it, the distinct count of what was read).
  const indexes = await Promise.all(
    prefixes.map(async (p) => {
      const { index } = endpointIndexKeys(p);
      const [entries, size] = await Promise.all([redis.zrange(index, 0, String(MAX_ENDPOINTS_READ - 1), 'WITHSCORES'), redis.zcard(index)]);
      return { entries, size };
    }),
  );
  const firstSeen = new Map<string, number>();
  for (const { entries } of indexes) {
    for (let i = 0; i + 1 < entries.length; i += 2) {
      const name = entries[i] as string;
      const at = Number(entries[i + 1]);
      if (!(at >= (firstSeen.get(name) ?? Number.POSITIVE_INFINITY))) firstSeen.set(name, at);
    }
  }
  const names = [...firstSeen.entries()]
    .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([name]) => name);
  const total = Math.max(firstSeen.size, ...indexes.map((i) => i.size));
  const perShard = await Promise.all(prefixes.map((p) => readMany(redis, p, names, now)));
  return {
    endpoints: names.map((name, i) =>
      combine(
        name,
        perShard.map((rows) => rows[i] as EndpointHealth),
      ),
    ),
    total,
  };
}

const STATE_RANK: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };
const least = (values: (number | null)[]) =>
  values.reduce<number | null>((a, b) => (b === null ? a : a === null ? b : Math.min(a, b)), null);
const most = (values: (number | null)[]) =>
  values.reduce<number | null>((a, b) => (b === null ? a : a === null ? b : Math.max(a, b)), null);

/** One row from each shard's state of an endpoint (one shard: that row itself). */
function combine(endpoint: string, rows: EndpointHealth[]): EndpointHealth {
  if (rows.length === 1) return rows[0] as EndpointHealth;
  const worst = rows.reduce((a, b) => (STATE_RANK[b.state] > STATE_RANK[a.state] ? b : a));
  const lastFailing = rows.reduce((a, b) => ((b.lastErrorAt ?? -1) > (a.lastErrorAt ?? -1) ? b : a));
  return {
    endpoint,
    state: worst.state,
    consecutiveFailures: Math.max(...rows.map((r) => r.consecutiveFailures)),
    held: rows.reduce((sum, r) => sum + r.held, 0),
    undelivered: rows.reduce((sum, r) => sum + r.undelivered, 0),
    oldestUndeliveredAt: least(rows.map((r) => r.oldestUndeliveredAt)),
    openedAt: least(rows.map((r) => r.openedAt)),
    nextProbeAt: least(rows.map((r) => r.nextProbeAt)),
    pausedUntil: most(rows.map((r) => r.pausedUntil)),
    lastError: lastFailing.lastError,
    lastErrorAt: lastFailing.lastErrorAt,
    lastSuccessAt: most(rows.map((r) => r.lastSuccessAt)),
    lastSeenAt: most(rows.map((r) => r.lastSeenAt)),
    shards: rows,
  };
}

async function readMany(redis: RedisClient, prefix: string, names: readonly string[], now: number): Promise<EndpointHealth[]> {
  if (names.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const name of names) {
    const keys = endpointKeys(prefix, name);
    pipeline.hgetall(keys.state).zcard(keys.held).zcard(keys.pending).zrange(keys.pending, 0, '0', 'WITHSCORES').scard(keys.failing);
  }
  const replies = (await pipeline.exec()) ?? [];
  return names.map((endpoint, i) => {
    const at = (k: number) => {
      const [error, value] = replies[i * 5 + k] ?? [null, null];
      if (error) throw error;
      return value;
    };
    const state = (at(0) ?? {}) as Record<string, string>;
    const oldest = at(3) as string[];
    const probing = state.probe !== undefined && Number(state.probeUntil ?? 0) > now;
    return {
      endpoint,
      state: state.state !== 'open' ? 'closed' : probing ? 'half-open' : 'open',
      consecutiveFailures: at(4) as number,
      held: at(1) as number,
      undelivered: at(2) as number,
      oldestUndeliveredAt: oldest.length === 2 ? Number(oldest[1]) : null,
      openedAt: state.state === 'open' ? number(state.openedAt) : null,
      nextProbeAt: state.state === 'open' && !probing ? number(state.probeAt) : null,
      pausedUntil: Number(state.pausedUntil ?? 0) > now ? number(state.pausedUntil) : null,
      lastError: state.lastError ?? null,
      lastErrorAt: number(state.lastErrorAt),
      lastSuccessAt: number(state.lastSuccessAt),
      lastSeenAt: number(state.seenAt),
    };
  });
}

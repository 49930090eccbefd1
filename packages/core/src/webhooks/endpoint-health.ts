import type { RedisClient } from '../redis-connection.js';
import { endpointIndexKeys, endpointKeys } from './endpoint-keys.js';

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
};

/** Reads past this many endpoints are cut (a scrape or a page must stay cheap). */
export const MAX_ENDPOINTS_READ = 1_000;

const number = (value: string | undefined) => (value === undefined || value === '' ? null : Number(value));

/** The health of `endpoint`, or undefined when regionwatch never delivered to it. */
export async function readEndpointHealth(
  redis: RedisClient,
  prefix: string,
  endpoint: string,
  now = Date.now(),
): Promise<EndpointHealth | undefined> {
  const [health] = await readMany(redis, prefix, [endpoint], now);
  return health?.lastSeenAt === null ? undefined : health;
}

/**
 * Every endpoint regionwatch delivered to (in the order first seen), at most `limit`; `total` is how
 * many there are. One pipelined round trip per call after the index read.
 */
export async function listEndpointHealth(
  redis: RedisClient,
  prefix: string,
  options: { limit?: number; now?: number } = {},
): Promise<{ endpoints: EndpointHealth[]; total: number }> {
  const limit = Math.min(options.limit ?? MAX_ENDPOINTS_READ, MAX_ENDPOINTS_READ);
  const { index } = endpointIndexKeys(prefix);
  const [names, total] = await Promise.all([redis.zrange(index, 0, String(limit - 1)), redis.zcard(index)]);
  return { endpoints: await readMany(redis, prefix, names, options.now ?? Date.now()), total };
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

import { listEndpointHealth, redactUrl, redactUrlsIn, type BreakerState } from '@regionwatch/core';
import type { RedisClient } from '@regionwatch/core';

/** One webhook endpoint as the dashboard shows it: redacted, times as ISO 8601 strings. */
export type EndpointView = {
  /** The URL's origin, redacted by core's redactUrl. */
  endpoint: string;
  state: BreakerState;
  paused: boolean;
  consecutiveFailures: number;
  held: number;
  undelivered: number;
  oldestUndeliveredAt: string | null;
  oldestUndeliveredSeconds: number | null;
  openedAt: string | null;
  nextProbeAt: string | null;
  pausedUntil: string | null;
  /** A few words (`HTTP 503`, `timeout`, `ECONNREFUSED`), URLs in it redacted. */
  lastError: string | null;
  lastErrorAt: string | null;
  lastSuccessAt: string | null;
  /** With POLL_SHARDS > 1: each poll shard's own state of the endpoint (the row above combines them). */
  shards?: EndpointShardView[];
};

/** One poll shard's state of an endpoint (`shard`: its index, as in `p<index>.regions-webhooks`). */
export type EndpointShardView = { shard: number; state: BreakerState; paused: boolean; held: number; undelivered: number };

export type EndpointsView = { endpoints: EndpointView[]; total: number; shown: number; checkedAt: string };

/** Endpoints a page lists (in the order first seen); the count says how many more there are. */
export const MAX_ENDPOINTS_SHOWN = 200;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Every webhook endpoint's circuit breaker and line, from Redis (the worker's keys; docs/operations.md); with
 * `shards` (POLL_SHARDS) > 1, one row per endpoint combining its poll shards' states, each shard's beside it.
 */
export async function readEndpoints(connection: RedisClient, prefix: string, now = Date.now(), shards = 1): Promise<EndpointsView> {
  const { endpoints, total } = await listEndpointHealth(connection, prefix, { limit: MAX_ENDPOINTS_SHOWN, now, shards });
  // Unhealthy first, then the most held; the order first seen otherwise.
  const rank = { open: 0, 'half-open': 1, closed: 2 } as const;
  const sorted = [...endpoints].sort(
    (a, b) => rank[a.state] - rank[b.state] || Number(b.pausedUntil !== null) - Number(a.pausedUntil !== null) || b.held - a.held,
  );
  return {
    endpoints: sorted.map((h) => ({
      endpoint: redactUrl(h.endpoint),
      state: h.state,
      paused: h.pausedUntil !== null,
      consecutiveFailures: h.consecutiveFailures,
      held: h.held,
      undelivered: h.undelivered,
      oldestUndeliveredAt: iso(h.oldestUndeliveredAt),
      oldestUndeliveredSeconds: h.oldestUndeliveredAt === null ? null : Math.max(0, Math.round((now - h.oldestUndeliveredAt) / 1000)),
      openedAt: iso(h.openedAt),
      nextProbeAt: iso(h.nextProbeAt),
      pausedUntil: iso(h.pausedUntil),
      lastError: h.lastError === null ? null : redactUrlsIn(h.lastError),
      lastErrorAt: iso(h.lastErrorAt),
      lastSuccessAt: iso(h.lastSuccessAt),
      ...(h.shards === undefined
        ? {}
        : {
            shards: h.shards.map((s, shard) => ({
              shard,
              state: s.state,
              paused: s.pausedUntil !== null,
              held: s.held,
              undelivered: s.undelivered,
            })),
          }),
    })),
    total,
    shown: endpoints.length,
    checkedAt: new Date(now).toISOString(),
  };
}

import { pollShardPrefix } from '../contract/poll-shards.js';
import { WEBHOOK_QUEUE } from '../contract/queues.js';

/**
 * The endpoint a webhook URL belongs to: its origin (`https://hooks.example.com:8443`). The circuit
 * breaker, the rate limit and the line of held deliveries are per endpoint, so every destination URL
 * on one server shares them. An origin carries no user info, path or query: nothing secret.
 */
export function endpointOf(url: string): string {
  return new URL(url).origin;
}

/** The Redis keys of one endpoint (layout and meaning: docs/operations.md, "Webhook endpoints in Redis"). */
export type EndpointKeys = {
  /** Hash: breaker state, probe lease, pause, last error, last success. */
  state: string;
  /** Sorted set: held deliveries (job ids) by the time their job was created: the line, oldest first. */
  held: string;
  /** Hash: held deliveries released to go now (job id → when), not yet started. */
  granted: string;
  /** Sorted set: requests in flight (job id → lease expiry), for the per-endpoint concurrency cap. */
  inflight: string;
  /** Sorted set: every delivery still undelivered (job id → job creation time): the oldest one's age. */
  pending: string;
  /** Set: distinct deliveries that failed in a row (timeouts, refused connections, 5xx) while closed. */
  failing: string;
  /** Set: deliveries already used as a probe since the breaker opened (probes rotate). */
  probed: string;
  /** Sorted set: core's RequestRateLimiter sliding window (WEBHOOK_ENDPOINT_MAX_RPS). */
  rate: string;
};

/**
 * `<prefix>:regions-webhooks:endpoint:<origin>[:suffix]`. BullMQ job ids cannot contain `:`, and
 * an origin starts with `http`, so none of these can meet a key of a job in the same queue; with a
 * `{hash tag}` prefix they share the queue's Cluster slot.
 */
export function endpointKeys(prefix: string, endpoint: string): EndpointKeys {
  const base = `${prefix}:${WEBHOOK_QUEUE}:endpoint:${endpoint}`;
  return {
    state: base,
    held: `${base}:held`,
    granted: `${base}:granted`,
    inflight: `${base}:inflight`,
    pending: `${base}:pending`,
    failing: `${base}:failing`,
    probed: `${base}:probed`,
    rate: `${base}:rate`,
  };
}

/** Keys shared by every endpoint. */
export function endpointIndexKeys(prefix: string): { index: string; timers: string } {
  const base = `${prefix}:${WEBHOOK_QUEUE}:endpoints`;
  return {
    /** Sorted set: every endpoint seen (origin → first seen); its order names the metrics' endpoints. */
    index: `${base}:index`,
    /** Sorted set: endpoints with something to do (origin → when): probes, the end of a pause, releases. */
    timers: `${base}:timers`,
  };
}

/**
 * The prefixes an endpoint's state lives under: REGIONWATCH_PREFIX alone with POLL_SHARDS=1 (the layout
 * without shards), else every poll shard's prefix, in shard order. With shards, each shard keeps its own
 * state per endpoint (`endpointKeys(<shard prefix>, origin)`, index and timers too), used by the deliveries
 * of its webhook queue, so an endpoint's load is spread over the shards' Cluster slots like the deliveries'.
 */
export function endpointStatePrefixes(prefix: string, shards: number): string[] {
  return Array.from({ length: shards }, (_, shard) => pollShardPrefix(prefix, shard, shards));
}

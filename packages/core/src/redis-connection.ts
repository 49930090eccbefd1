import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from './errors/config-error.js';
import { hashTagOf } from './redis/hash-tag.js';
import type { RedisTarget, TlsSettings } from './redis/redis-target.js';

/**
 * What a connection is for:
 * - `blocking`: BullMQ Workers, which block on Redis and must wait out a restart or a failover
 *   (`maxRetriesPerRequest: null`, as BullMQ requires; commands wait in the offline queue meanwhile).
 * - `fail-fast`: callers that want a quick, clear failure while Redis is away instead of an offline
 *   queue that hangs (the producer, the dashboard, the replay CLI).
 */
export type ConnectionRole = 'blocking' | 'fail-fast';

/** What `createRedisConnection` returns: a standalone/Sentinel client or a Cluster client (BullMQ takes both). */
export type RedisClient = Redis | Cluster;

/** Per-node options of each role (for a Cluster, its `redisOptions`). */
function nodeOptions(role: ConnectionRole): RedisOptions {
  return role === 'blocking' ? { maxRetriesPerRequest: null, enableReadyCheck: true } : { maxRetriesPerRequest: 3, connectTimeout: 5_000 };
}

const tlsOptions = (tls: TlsSettings): ConnectionOptions => (tls.ca === undefined ? {} : { ca: tls.ca });

/**
 * A node that was the primary and is now a replica (a failover, then the old primary came back)
 * answers writes with READONLY: reconnect, which asks the sentinels for the current primary, and
 * send the command again.
 */
const reconnectOnReadonly = (error: Error): 2 | false => (error.message.startsWith('READONLY') ? 2 : false);

/**
 * The one place regionwatch builds a Redis connection, for every process and mode. `target` is a
 * `RedisTarget` (`redisTargetFrom(config)`) or, for tests and tools, a `redis://` URL. `extra`
 * overrides per-node options (for a Cluster, its nodes' `redisOptions`).
 */
export function createRedisConnection(target: RedisTarget | string, role: ConnectionRole, extra: RedisOptions = {}): RedisClient {
  const resolved: RedisTarget = typeof target === 'string' ? { mode: 'standalone', url: target } : target;
  const auth = {
    ...(resolved.username === undefined ? {} : { username: resolved.username }),
    ...(resolved.password === undefined ? {} : { password: resolved.password }),
  };
  const perNode = { ...nodeOptions(role), ...auth };
  switch (resolved.mode) {
    case 'standalone': {
      const options: RedisOptions = { ...perNode, ...(role === 'fail-fast' ? { enableOfflineQueue: false } : {}) };
      if (resolved.tls) options.tls = tlsOptions(resolved.tls);
      return new Redis(resolved.url, { ...options, ...extra });
    }
    case 'sentinel': {
      const options: RedisOptions = {
        ...perNode,
        ...(role === 'fail-fast' ? { enableOfflineQueue: false } : {}),
        sentinels: resolved.sentinels,
        name: resolved.name,
        role: 'master',
        // No `failoverDetector` (ioredis 6.0): its +switch-master handler disconnects the connector, and when
        // that lands while the client is already reconnecting (the dead primary refuses connections, as it
        // does after a SIGKILL) the reconnect fails with "Connection is closed" and the client ends for good —
        // the failover chaos scenario saw clients stuck that way. A dead primary closes the connection anyway,
        // which makes the client ask the sentinels again; a demoted one answers READONLY (below).
        reconnectOnError: reconnectOnReadonly,
        ...(resolved.sentinelUsername === undefined ? {} : { sentinelUsername: resolved.sentinelUsername }),
        ...(resolved.sentinelPassword === undefined ? {} : { sentinelPassword: resolved.sentinelPassword }),
        // ioredis: `tls` + `enableTLSForSentinelMode` is TLS to the data nodes, `sentinelTLS` to the sentinels.
        ...(resolved.tls ? { tls: tlsOptions(resolved.tls), enableTLSForSentinelMode: true } : {}),
        ...(resolved.sentinelTls ? { sentinelTLS: tlsOptions(resolved.sentinelTls) } : {}),
      };
      return new Redis({ ...options, ...extra });
    }
    case 'cluster': {
      const options: ClusterOptions = {
        redisOptions: { ...perNode, ...(resolved.tls ? { tls: tlsOptions(resolved.tls) } : {}), ...extra },
        // Fail-fast callers get an error at once while no node answers; Workers queue and wait.
        enableOfflineQueue: role === 'blocking',
        enableReadyCheck: true,
        // With TLS, keep the node names as given so certificates are checked against them (ioredis's advice).
        ...(resolved.tls
          ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) }
          : {}),
      };
      return new Cluster(resolved.nodes, options);
    }
  }
}

/** Whether `client` talks to a Redis Cluster. */
export function isClusterClient(client: RedisClient): client is Cluster {
  return client.isCluster;
}

/**
 * Refuses a key prefix without a hash tag on a Cluster client, where BullMQ's multi-key scripts would
 * fail with CROSSSLOT at the first command. For library users who pass their own client; processes
 * configured from the environment are checked at start-up already.
 */
export function assertPrefixFitsConnection(client: RedisClient, prefix: string): void {
  if (isClusterClient(client) && hashTagOf(prefix) === undefined) {
    const base = prefix.replace(/[{}]/g, '') || 'regionwatch';
    throw new ConfigError([
      {
        variable: 'REGIONWATCH_PREFIX',
        message:
          `must contain a hash tag on a Redis Cluster, e.g. {${base}} instead of ${JSON.stringify(prefix)}: ` +
          'every key of a queue must be in one slot',
      },
    ]);
  }
}

/** How library callers name a connection: a `redis://` URL, a `RedisTarget`, or a client they own. */
export type RedisConnectionInput = string | RedisTarget | RedisClient;

/** Whether `value` is a client already (the caller's, left open by whoever receives it). */
export function isRedisClient(value: RedisConnectionInput): value is RedisClient {
  return typeof value === 'object' && typeof (value as Partial<RedisClient>).disconnect === 'function';
}

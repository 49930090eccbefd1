import { isIP } from 'node:net';
import { z } from 'zod';
import { flag } from './env-values.js';

/**
 * How every process reaches Redis, as a self-contained piece of the config variables (spread into
 * `variables.ts`). Exactly one of three modes: standalone (`REDIS_URL`, the default), Sentinel
 * (`REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`) or Cluster (`REDIS_CLUSTER_NODES`). The rules between
 * them are `redisSettingsIssues` (redis/redis-target.ts); the connection is built from them in one
 * place, `createRedisConnection`.
 */

/** The standalone default when no mode is chosen. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** One `host:port` of a Sentinel or Cluster node list. */
export type HostPort = { host: string; port: number };

/** A DNS name or IPv4 address, or a bracketed IPv6 address, then `:port`. */
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

/** `host:port` or undefined; IPv6 in brackets (`[::1]:26379`), returned without them (what ioredis wants). */
export function parseHostPort(text: string): HostPort | undefined {
  const match = HOST_PORT.exec(text.trim());
  if (!match?.[1] || !match[2]) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  const bracketed = match[1].startsWith('[');
  const host = bracketed ? match[1].slice(1, -1) : match[1];
  if (bracketed && isIP(host) !== 6) return undefined;
  return { host, port };
}

/** `host:port,host:port,…` (at least one; blanks around commas ignored). */
const hostPortList = (what: string) =>
  z.string().transform((list, ctx) => {
    const entries = list
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== '');
    const nodes: HostPort[] = [];
    for (const entry of entries) {
      const node = parseHostPort(entry);
      if (!node) {
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(entry)} is not host:port (IPv6 as [address]:port)` });
        return z.NEVER;
      }
      nodes.push(node);
    }
    if (nodes.length === 0) {
      ctx.addIssue({ code: 'custom', message: `must list at least one ${what} as host:port` });
      return z.NEVER;
    }
    return nodes;
  });

/** A user or password: no format of its own, but never blank (a blank value is "unset"). */
const credential = z.string();

export const redisEnvShape = {
  /**
   * Standalone Redis or Valkey 6.2+: `redis://[user:password@]host:port[/db]`, `rediss://` for TLS.
   * Default `redis://127.0.0.1:6379` when neither REDIS_SENTINELS nor REDIS_CLUSTER_NODES is set.
   */
  REDIS_URL: z.url({ protocol: /^rediss?$/, message: 'must be a redis:// or rediss:// URL' }).optional(),
  /** ACL user of the data nodes (Sentinel or Cluster mode; or standalone, instead of REDIS_URL's user info). */
  REDIS_USERNAME: credential.optional(),
  /** Password of the data nodes (`requirepass`, or the ACL user's); never logged. */
  REDIS_PASSWORD: credential.optional(),
  /** TLS to the data nodes in Sentinel and Cluster modes (standalone: a `rediss://` REDIS_URL). */
  REDIS_TLS: flag.default(false),
  /** PEM file of the CA that signed the Redis servers' (and sentinels') certificates; default: the system's CAs. */
  REDIS_TLS_CA_FILE: z.string().optional(),
  /** Sentinel mode: the sentinels, `host:port,…` (three or more in production). */
  REDIS_SENTINELS: hostPortList('sentinel').optional(),
  /** Sentinel mode: the name the sentinels monitor the primary under (`sentinel monitor <name> …`). */
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'must be a Sentinel master name (letters, digits, ".", "_", "-")')
    .optional(),
  /** ACL user of the sentinels, when they need one. */
  REDIS_SENTINEL_USERNAME: credential.optional(),
  /** Password of the sentinels (their `requirepass`), when they need one; never logged. */
  REDIS_SENTINEL_PASSWORD: credential.optional(),
  /** TLS to the sentinels. */
  REDIS_SENTINEL_TLS: flag.default(false),
  /** Cluster mode: some of the Cluster's nodes, `host:port,…` (the rest are discovered). */
  REDIS_CLUSTER_NODES: hostPortList('Cluster node').optional(),
};

/** The variables of `redisEnvShape`, for the process schemas (every process that talks to Redis reads all of them). */
export const REDIS_VARIABLE_NAMES = Object.keys(redisEnvShape) as (keyof typeof redisEnvShape)[];

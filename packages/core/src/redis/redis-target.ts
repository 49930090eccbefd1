import { readFileSync } from 'node:fs';
import { DEFAULT_REDIS_URL, type HostPort } from '../config/redis-env.js';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { redactUrl } from '../redact-url.js';
import { hashTagOf } from './hash-tag.js';

/** TLS settings of one kind of connection; present means TLS is on. `ca`: PEM text (default: the system's CAs). */
export type TlsSettings = { ca?: string };

type DataNodeAuth = { username?: string; password?: string };

/**
 * Where Redis is, as every regionwatch process reaches it: one of three modes. Build it from the
 * environment with `redisTargetFrom(config)`; `createRedisConnection(target, role)` turns it into
 * an ioredis client.
 */
export type RedisTarget =
  | ({ mode: 'standalone'; url: string; tls?: TlsSettings } & DataNodeAuth)
  | ({
      mode: 'sentinel';
      sentinels: HostPort[];
      /** The primary's name at the sentinels (`sentinel monitor <name> …`). */
      name: string;
      tls?: TlsSettings;
      sentinelUsername?: string;
      sentinelPassword?: string;
      sentinelTls?: TlsSettings;
    } & DataNodeAuth)
  | ({ mode: 'cluster'; nodes: HostPort[]; tls?: TlsSettings } & DataNodeAuth);

/** The config variables a target is built from (every process schema that talks to Redis has them). */
export type RedisSettings = {
  REDIS_URL?: string | undefined;
  REDIS_USERNAME?: string | undefined;
  REDIS_PASSWORD?: string | undefined;
  REDIS_TLS?: boolean | undefined;
  REDIS_TLS_CA_FILE?: string | undefined;
  REDIS_SENTINELS?: HostPort[] | undefined;
  REDIS_SENTINEL_NAME?: string | undefined;
  REDIS_SENTINEL_USERNAME?: string | undefined;
  REDIS_SENTINEL_PASSWORD?: string | undefined;
  REDIS_SENTINEL_TLS?: boolean | undefined;
  REDIS_CLUSTER_NODES?: HostPort[] | undefined;
  /** Checked too: on a Cluster it must hold a hash tag. */
  REGIONWATCH_PREFIX?: string | undefined;
};

const MODES = 'REDIS_URL (standalone), REDIS_SENTINELS (Sentinel) or REDIS_CLUSTER_NODES (Cluster)';

/** An example of a prefix with a hash tag built from `prefix`, for error messages. */
function taggedExample(prefix: string | undefined): string {
  const base = (prefix ?? 'regionwatch').replace(/[{}]/g, '') || 'regionwatch';
  return `{${base}}`;
}

/**
 * Every problem with how the Redis variables fit together, each under the variable to fix: exactly
 * one mode; the Sentinel pair complete; credentials and TLS settings only where they mean something;
 * a hash tag in REGIONWATCH_PREFIX on a Cluster. Empty when the settings are usable.
 */
export function redisSettingsIssues(c: RedisSettings): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (variable: string, message: string) => issues.push({ variable, message });
  const sentinel = c.REDIS_SENTINELS !== undefined;
  const cluster = c.REDIS_CLUSTER_NODES !== undefined;

  if (sentinel && cluster) add('REDIS_CLUSTER_NODES', `must not be set together with REDIS_SENTINELS: set one of ${MODES}`);
  if (c.REDIS_URL !== undefined && (sentinel || cluster)) {
    const other = sentinel ? 'REDIS_SENTINELS' : 'REDIS_CLUSTER_NODES';
    add(
      'REDIS_URL',
      `must not be set together with ${other}: set one of ${MODES}; ` +
        "the data nodes' user and password go in REDIS_USERNAME and REDIS_PASSWORD",
    );
  }
  if (sentinel && c.REDIS_SENTINEL_NAME === undefined) {
    add('REDIS_SENTINEL_NAME', 'is required with REDIS_SENTINELS: the name the sentinels monitor the primary under');
  }
  if (!sentinel) {
    for (const variable of ['REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_USERNAME', 'REDIS_SENTINEL_PASSWORD'] as const) {
      if (c[variable] !== undefined) add(variable, 'is only used with REDIS_SENTINELS (Sentinel mode), which is not set');
    }
    if (c.REDIS_SENTINEL_TLS) add('REDIS_SENTINEL_TLS', 'is only used with REDIS_SENTINELS (Sentinel mode), which is not set');
  }
  if (!sentinel && !cluster) {
    if (c.REDIS_TLS) add('REDIS_TLS', 'is for Sentinel and Cluster modes; for a standalone Redis over TLS use a rediss:// REDIS_URL');
    if (c.REDIS_URL !== undefined && (c.REDIS_USERNAME !== undefined || c.REDIS_PASSWORD !== undefined)) {
      const url = URL.parse(c.REDIS_URL);
      if (url && (url.username !== '' || url.password !== '')) {
        add('REDIS_PASSWORD', 'must not be set when REDIS_URL carries a user or password: give the credentials one way');
      }
    }
  }
  if (c.REDIS_USERNAME !== undefined && c.REDIS_PASSWORD === undefined) {
    add('REDIS_PASSWORD', 'is required with REDIS_USERNAME (an ACL user logs in with a password)');
  }
  if (c.REDIS_SENTINEL_USERNAME !== undefined && c.REDIS_SENTINEL_PASSWORD === undefined) {
    add('REDIS_SENTINEL_PASSWORD', 'is required with REDIS_SENTINEL_USERNAME (an ACL user logs in with a password)');
  }
  if (c.REDIS_TLS_CA_FILE !== undefined && !usesTls(c)) {
    add('REDIS_TLS_CA_FILE', 'is only used with TLS: a rediss:// REDIS_URL, REDIS_TLS=true or REDIS_SENTINEL_TLS=true');
  }
  if (cluster && hashTagOf(c.REGIONWATCH_PREFIX ?? 'regionwatch') === undefined) {
    add(
      'REGIONWATCH_PREFIX',
      'must contain a hash tag on a Redis Cluster (REDIS_CLUSTER_NODES is set), ' +
        `e.g. REGIONWATCH_PREFIX=${taggedExample(c.REGIONWATCH_PREFIX)}: ` +
        "BullMQ's scripts touch several keys of a queue at once, and Redis Cluster runs them only when every key is in one slot",
    );
  }
  return issues;
}

function usesTls(c: RedisSettings): boolean {
  return Boolean(c.REDIS_TLS || c.REDIS_SENTINEL_TLS || c.REDIS_URL?.startsWith('rediss:'));
}

/**
 * The Redis target the settings describe (standalone `redis://127.0.0.1:6379` when no mode is set).
 * Throws one `ConfigError` naming every offending variable — including a CA file that cannot be read,
 * so a bad path stops the process at start-up rather than at its first TLS handshake.
 */
export function redisTargetFrom(c: RedisSettings, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): RedisTarget {
  const issues = redisSettingsIssues(c);
  let ca: string | undefined;
  if (c.REDIS_TLS_CA_FILE !== undefined && issues.length === 0) {
    try {
      ca = readFile(c.REDIS_TLS_CA_FILE);
    } catch (error) {
      issues.push({ variable: 'REDIS_TLS_CA_FILE', message: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const tls = (on: boolean | undefined): TlsSettings | undefined => (on ? (ca === undefined ? {} : { ca }) : undefined);
  const auth: DataNodeAuth = {
    ...(c.REDIS_USERNAME === undefined ? {} : { username: c.REDIS_USERNAME }),
    ...(c.REDIS_PASSWORD === undefined ? {} : { password: c.REDIS_PASSWORD }),
  };
  if (c.REDIS_SENTINELS !== undefined) {
    const dataTls = tls(c.REDIS_TLS);
    const sentinelTls = tls(c.REDIS_SENTINEL_TLS);
    return {
      mode: 'sentinel',
      sentinels: c.REDIS_SENTINELS,
      name: c.REDIS_SENTINEL_NAME ?? '',
      ...auth,
      ...(dataTls ? { tls: dataTls } : {}),
      ...(c.REDIS_SENTINEL_USERNAME === undefined ? {} : { sentinelUsername: c.REDIS_SENTINEL_USERNAME }),
      ...(c.REDIS_SENTINEL_PASSWORD === undefined ? {} : { sentinelPassword: c.REDIS_SENTINEL_PASSWORD }),
      ...(sentinelTls ? { sentinelTls } : {}),
    };
  }
  if (c.REDIS_CLUSTER_NODES !== undefined) {
    const dataTls = tls(c.REDIS_TLS);
    return { mode: 'cluster', nodes: c.REDIS_CLUSTER_NODES, ...auth, ...(dataTls ? { tls: dataTls } : {}) };
  }
  const url = c.REDIS_URL ?? DEFAULT_REDIS_URL;
  const dataTls = tls(url.startsWith('rediss:'));
  return { mode: 'standalone', url, ...auth, ...(dataTls ? { tls: dataTls } : {}) };
}

const list = (nodes: readonly HostPort[]) => nodes.map(({ host, port }) => `${host.includes(':') ? `[${host}]` : host}:${port}`).join(',');

/** The target in one line fit to log: no password, URLs redacted. */
export function describeRedisTarget(target: RedisTarget): string {
  switch (target.mode) {
    case 'standalone':
      return redactUrl(target.url);
    case 'sentinel':
      return `Sentinel primary "${target.name}" via ${list(target.sentinels)}${target.tls ? ' (TLS)' : ''}`;
    case 'cluster':
      return `Cluster via ${list(target.nodes)}${target.tls ? ' (TLS)' : ''}`;
  }
}

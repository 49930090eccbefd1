import { redisTargetFrom, type HostPort, type RedisTarget } from '@regionwatch/core';
import { infoOf, lastLines, startRedisProcess, untilHolds as until, type RedisNodeProcess } from './redis-process.js';

export type StartRedisSentinelOptions = {
  /** The primary's name at the sentinels (REDIS_SENTINEL_NAME). Default `regionwatch`. */
  name?: string;
  /** Replicas of the primary. Default 1. */
  replicas?: number;
  /** Sentinels. Default 3, with a quorum of 2. */
  sentinels?: number;
  /** How long a primary must be silent before a sentinel thinks it down. Default 1000 ms (production: 5-30 s). */
  downAfterMs?: number;
  /** Sentinel's failover-timeout. Default 10 000 ms. */
  failoverTimeoutMs?: number;
  /** `requirepass` of the data nodes (and `masterauth`, the sentinels' `auth-pass`). */
  password?: string;
  /** `requirepass` of the sentinels. */
  sentinelPassword?: string;
  /** Extra config lines for every data node (e.g. `appendonly yes`, `min-replicas-to-write 1`). */
  serverConfig?: string[];
  /** Bound on the whole start-up. Default 20 000 ms. */
  timeoutMs?: number;
};

/** A primary, its replicas and the sentinels watching them, all on loopback, started by `startRedisSentinel`. */
export type RedisSentinelSet = {
  readonly name: string;
  /** Data nodes, the first being the primary at start. */
  readonly servers: readonly RedisNodeProcess[];
  readonly sentinels: readonly RedisNodeProcess[];
  /** The environment a regionwatch process needs to use it (REDIS_SENTINELS, REDIS_SENTINEL_NAME, passwords). */
  readonly env: Readonly<{
    REDIS_SENTINELS: string;
    REDIS_SENTINEL_NAME: string;
    REDIS_PASSWORD?: string;
    REDIS_SENTINEL_PASSWORD?: string;
  }>;
  /** The same as a `RedisTarget`, for `createRedisConnection` or a producer. */
  readonly target: RedisTarget;
  /** The primary a live sentinel names now. */
  currentPrimary(): Promise<HostPort>;
  /** The data node on `port`, if this set started it. */
  serverAt(port: number): RedisNodeProcess | undefined;
  /** SIGKILLs the current primary (as an OOM kill or a lost host would); returns where it was. */
  killPrimary(): Promise<HostPort>;
  /**
   * Waits (bounded) until every live sentinel names a primary other than `old` and that node says it is
   * the primary; returns it.
   */
  waitForFailover(old: HostPort, timeoutMs: number): Promise<HostPort>;
  /** Stops every process and removes their dirs. */
  stop(): Promise<void>;
};

/**
 * Starts a real Sentinel set-up on free loopback ports in temp dirs: a primary, `replicas` replicas
 * in sync with it, and `sentinels` sentinels that all see the primary, the replicas and each other.
 * Bounded: throws (after stopping what it started) with the processes' last output if that takes
 * longer than `timeoutMs`.
 */
export async function startRedisSentinel(options: StartRedisSentinelOptions = {}): Promise<RedisSentinelSet> {
  const name = options.name ?? 'regionwatch';
  const replicaCount = options.replicas ?? 1;
  const sentinelCount = options.sentinels ?? 3;
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const left = () => Math.max(1_000, deadline - Date.now());
  const started: RedisNodeProcess[] = [];
  const auth = options.password === undefined ? [] : [`requirepass ${options.password}`, `masterauth ${options.password}`];
  const dataNode = (extra: string[]) =>
    startRedisProcess({
      config: ['save ""', 'appendonly no', 'maxmemory-policy noeviction', ...auth, ...(options.serverConfig ?? []), ...extra],
      ...(options.password === undefined ? {} : { password: options.password }),
      timeoutMs: left(),
    }).then((node) => (started.push(node), node));
  try {
    const primary = await dataNode([]);
    const replicas: RedisNodeProcess[] = [];
    for (let i = 0; i < replicaCount; i++) replicas.push(await dataNode([`replicaof 127.0.0.1 ${primary.port}`]));
    await until('replicas in sync with the primary', left(), async () => {
      const states = await Promise.all(replicas.map((r) => infoOf(r, 'replication')));
      return states.every((s) => s.master_link_status === 'up');
    });
    const sentinelConfig = [
      `sentinel monitor ${name} 127.0.0.1 ${primary.port} ${Math.floor(sentinelCount / 2) + 1}`,
      `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1_000}`,
      `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 10_000}`,
      `sentinel parallel-syncs ${name} 1`,
      ...(options.password === undefined ? [] : [`sentinel auth-pass ${name} ${options.password}`]),
      ...(options.sentinelPassword === undefined
        ? []
        : [`requirepass ${options.sentinelPassword}`, `sentinel sentinel-pass ${options.sentinelPassword}`]),
    ];
    const sentinels: RedisNodeProcess[] = [];
    for (let i = 0; i < sentinelCount; i++) {
      const sentinel = await startRedisProcess({
        binary: 'redis-sentinel',
        config: sentinelConfig,
        ...(options.sentinelPassword === undefined ? {} : { password: options.sentinelPassword }),
        timeoutMs: left(),
      });
      started.push(sentinel);
      sentinels.push(sentinel);
    }
    // Sentinels find the replicas through the primary's INFO and each other through hello messages
    // (every 2 s): wait until each sees the whole set, or a failover could lack its quorum.
    await until('every sentinel seeing the primary, its replicas and the other sentinels', left(), async () => {
      const views = await Promise.all(sentinels.map((s) => masterView(s, name)));
      return views.every(
        (v) => v.flags === 'master' && Number(v['num-slaves']) === replicaCount && Number(v['num-other-sentinels']) === sentinelCount - 1,
      );
    });
    return sentinelSet(name, [primary, ...replicas], sentinels, options);
  } catch (error) {
    const logs = started.map((n) => `--- ${String(n.process.spawnfile)} :${n.port}\n${lastLines(n.output(), 8)}`).join('\n');
    await Promise.all(started.map((n) => n.stop()));
    throw new Error(`${(error as Error).message}\n${logs}`, { cause: error });
  }
}

function sentinelSet(
  name: string,
  servers: RedisNodeProcess[],
  sentinels: RedisNodeProcess[],
  options: StartRedisSentinelOptions,
): RedisSentinelSet {
  const env: RedisSentinelSet['env'] = {
    REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
    REDIS_SENTINEL_NAME: name,
    ...(options.password === undefined ? {} : { REDIS_PASSWORD: options.password }),
    ...(options.sentinelPassword === undefined ? {} : { REDIS_SENTINEL_PASSWORD: options.sentinelPassword }),
  };
  const target = redisTargetFrom({
    REDIS_SENTINELS: sentinels.map((s) => ({ host: s.host, port: s.port })),
    REDIS_SENTINEL_NAME: name,
    REDIS_PASSWORD: options.password,
    REDIS_SENTINEL_PASSWORD: options.sentinelPassword,
  });
  const primaryNamedBy = async (sentinel: RedisNodeProcess): Promise<HostPort> => {
    const client = sentinel.client();
    try {
      await client.connect();
      const [host = '', port = '0'] = (await client.call('SENTINEL', 'get-master-addr-by-name', name)) as string[];
      return { host, port: Number(port) };
    } finally {
      client.disconnect();
    }
  };
  const set: RedisSentinelSet = {
    name,
    servers,
    sentinels,
    env,
    target,
    currentPrimary: async () => {
      for (const sentinel of sentinels.filter((s) => s.alive())) {
        try {
          return await primaryNamedBy(sentinel);
        } catch {
          // try the next sentinel
        }
      }
      throw new Error('no live sentinel answered');
    },
    serverAt: (port) => servers.find((s) => s.port === port),
    killPrimary: async () => {
      const primary = await set.currentPrimary();
      const node = set.serverAt(primary.port);
      if (!node) throw new Error(`the primary ${primary.host}:${primary.port} is not a node this set started`);
      await node.kill('SIGKILL');
      return primary;
    },
    waitForFailover: async (old, timeoutMs) => {
      let chosen: HostPort | undefined;
      await until(`a failover away from ${old.host}:${old.port}`, timeoutMs, async () => {
        const named = await Promise.all(sentinels.filter((s) => s.alive()).map(primaryNamedBy));
        const first = named[0];
        if (!first || first.port === old.port || named.some((p) => p.port !== first.port)) return false;
        const node = set.serverAt(first.port);
        if (!node?.alive() || (await infoOf(node, 'replication')).role !== 'master') return false;
        chosen = first;
        return true;
      });
      return chosen as HostPort;
    },
    stop: async () => {
      await Promise.all([...sentinels, ...servers].map((n) => n.stop()));
    },
  };
  return set;
}

async function masterView(sentinel: RedisNodeProcess, name: string): Promise<Record<string, string>> {
  const client = sentinel.client();
  try {
    await client.connect();
    const flat = (await client.call('SENTINEL', 'MASTER', name)) as string[];
    const view: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) view[flat[i] as string] = flat[i + 1] as string;
    return view;
  } finally {
    client.disconnect();
  }
}

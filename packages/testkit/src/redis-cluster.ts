import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { redisTargetFrom, type RedisTarget } from '@regionwatch/core';
import { infoFields, infoOf, lastLines, startRedisProcess, untilHolds, type RedisNodeProcess } from './redis-process.js';

const run = promisify(execFile);

export type StartRedisClusterOptions = {
  /** Primaries (each owns an equal share of the 16 384 slots). Default 3, the fewest Redis accepts. */
  primaries?: number;
  /** Replicas per primary. Default 0. */
  replicasPerPrimary?: number;
  /** `requirepass`/`masterauth` of every node. */
  password?: string;
  /** Bound on the whole start-up. Default 20 000 ms. */
  timeoutMs?: number;
};

/** One primary and the slot ranges it serves. */
export type ClusterPrimary = { port: number; slots: [number, number][] };

/** A Redis Cluster on loopback started by `startRedisCluster`. */
export type RedisClusterSet = {
  readonly nodes: readonly RedisNodeProcess[];
  /** The environment a regionwatch process needs (REDIS_CLUSTER_NODES, REDIS_PASSWORD); REGIONWATCH_PREFIX needs a hash tag. */
  readonly env: Readonly<{ REDIS_CLUSTER_NODES: string; REDIS_PASSWORD?: string }>;
  readonly target: RedisTarget;
  /** The primaries and their slots, as the Cluster says now. */
  primaries(): Promise<ClusterPrimary[]>;
  /** The slot of `key` (the server's own CLUSTER KEYSLOT) and the port of the primary serving it. */
  slotOf(key: string): Promise<{ slot: number; port: number }>;
  /** `total_commands_processed` of each primary, by port (take two readings and subtract). */
  commandsPerPrimary(): Promise<Map<number, number>>;
  stop(): Promise<void>;
};

/**
 * Starts a real Redis Cluster on free loopback ports in temp dirs (`redis-server --cluster-enabled yes`
 * per node, then `redis-cli --cluster create … --cluster-yes`) and waits (bounded) until every node
 * reports `cluster_state:ok` with all slots served and every node known.
 */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisClusterSet> {
  const primaries = options.primaries ?? 3;
  const replicas = options.replicasPerPrimary ?? 0;
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const left = () => Math.max(1_000, deadline - Date.now());
  const auth = options.password === undefined ? [] : [`requirepass ${options.password}`, `masterauth ${options.password}`];
  const nodes: RedisNodeProcess[] = [];
  try {
    for (let i = 0; i < primaries * (1 + replicas); i++) {
      nodes.push(
        await startRedisProcess({
          config: [
            'cluster-enabled yes',
            'cluster-config-file nodes.conf',
            'cluster-node-timeout 2000',
            'save ""',
            'appendonly no',
            'maxmemory-policy noeviction',
            ...auth,
          ],
          ...(options.password === undefined ? {} : { password: options.password }),
          timeoutMs: left(),
        }),
      );
    }
    const args = [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ];
    await run('redis-cli', options.password === undefined ? args : ['--no-auth-warning', '-a', options.password, ...args], {
      timeout: left(),
    });
    await untilHolds('every Cluster node reporting cluster_state:ok with every slot and node', left(), async () => {
      const states = await Promise.all(nodes.map((n) => clusterInfo(n)));
      return states.every(
        (s) => s.cluster_state === 'ok' && s.cluster_slots_ok === '16384' && Number(s.cluster_known_nodes) === nodes.length,
      );
    });
  } catch (error) {
    const logs = nodes.map((n) => `--- redis-server :${n.port}\n${lastLines(n.output(), 8)}`).join('\n');
    await Promise.all(nodes.map((n) => n.stop()));
    throw new Error(`Redis Cluster did not start: ${(error as Error).message}\n${logs}`, { cause: error });
  }
  return clusterSet(nodes, options.password);
}

function clusterSet(nodes: RedisNodeProcess[], password: string | undefined): RedisClusterSet {
  const any = (): RedisNodeProcess => {
    const node = nodes.find((n) => n.alive()) ?? nodes[0];
    if (!node) throw new Error('the Cluster has no nodes');
    return node;
  };
  const ask = async <T>(command: string, ...args: string[]): Promise<T> => {
    const client = any().client();
    try {
      await client.connect();
      return (await client.call(command, ...args)) as T;
    } finally {
      client.disconnect();
    }
  };
  const primariesNow = async (): Promise<ClusterPrimary[]> => {
    // CLUSTER SLOTS: [from, to, [host, port, id], replicas…] per range.
    const ranges = await ask<[number, number, [string, number, string]][]>('CLUSTER', 'SLOTS');
    const byPort = new Map<number, ClusterPrimary>();
    for (const [from, to, [, port]] of ranges) {
      const primary = byPort.get(port) ?? { port, slots: [] };
      primary.slots.push([from, to]);
      byPort.set(port, primary);
    }
    return [...byPort.values()].sort((a, b) => a.port - b.port);
  };
  return {
    nodes,
    env: {
      REDIS_CLUSTER_NODES: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
      ...(password === undefined ? {} : { REDIS_PASSWORD: password }),
    },
    target: redisTargetFrom({
      REDIS_CLUSTER_NODES: nodes.map((n) => ({ host: n.host, port: n.port })),
      REDIS_PASSWORD: password,
      REGIONWATCH_PREFIX: '{regionwatch}',
    }),
    primaries: primariesNow,
    slotOf: async (key) => {
      const slot = await ask<number>('CLUSTER', 'KEYSLOT', key);
      const owner = (await primariesNow()).find((p) => p.slots.some(([from, to]) => slot >= from && slot <= to));
      if (!owner) throw new Error(`no primary serves slot ${slot}`);
      return { slot, port: owner.port };
    },
    commandsPerPrimary: async () => {
      const counts = new Map<number, number>();
      for (const primary of await primariesNow()) {
        const node = nodes.find((n) => n.port === primary.port);
        if (node) counts.set(primary.port, Number((await infoOf(node, 'stats')).total_commands_processed));
      }
      return counts;
    },
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

function clusterInfo(node: RedisNodeProcess): Promise<Record<string, string>> {
  const client = node.client();
  return (async () => {
    try {
      await client.connect();
      return infoFields((await client.call('CLUSTER', 'INFO')) as string);
    } finally {
      client.disconnect();
    }
  })();
}

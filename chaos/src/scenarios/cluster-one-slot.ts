import { keySlotOf, pollShards } from '@regionwatch/core';
import { startRedisCluster } from '@regionwatch/testkit';
import { checkInvariant } from '../invariant.js';
import { describeFamilies, KeyFamilyMonitor } from '../key-families.js';
import { sleep, waitUntil, type ChaosSize, type ScenarioReport } from '../scenario.js';
import { scriptTasks } from '../scripted-tasks.js';
import { ChaosWorld } from '../world.js';

const SIZES = {
  full: { tasks: 3_000, windowMs: 10_000, budgetMs: 90_000 },
  small: { tasks: 200, windowMs: 2_000, budgetMs: 40_000 },
};

// How long the idle replicas' commands are sampled before tasks are tracked.
const IDLE_SAMPLE_MS = 3_000;

/**
 * 8. The same invariant on a real 3-primary Redis Cluster with one hash tag (`{chaos}`), and where the
 * work went: commands each primary processed during the run. With one tag every key of regionwatch is
 * in one slot, so one primary does (nearly) all the work — why POLL_SHARDS splits the poll queue.
 */
export function clusterOneSlot(size: ChaosSize): Promise<ScenarioReport> {
  return clusterRun(size, 1);
}

/**
 * 9. The same with POLL_SHARDS=3: the three shards' poll and webhook queues on three primaries (the results
 * queue, the webhook endpoints' breakers, the rate window and the learner stay under `{chaos}`, on one of
 * them). Reports commands per primary, max ÷ min (issue 14's goal: ≤ 1.3), and Redis commands per poll and per
 * task, to set against the one-slot run.
 */
export function clusterSharded(size: ChaosSize): Promise<ScenarioReport> {
  return clusterRun(size, 3);
}

/**
 * 10. POLL_SHARDS=3 on 4 primaries, the REGIONWATCH_PREFIX tag's slot on the primary that holds no shard: the
 * layout docs/operations.md suggests when the tag's shared state (results queue, webhook endpoints' breakers,
 * rate window, learner) would otherwise load one primary more than the others. Same figures as cluster-sharded.
 */
export function clusterShardedOwnTag(size: ChaosSize): Promise<ScenarioReport> {
  return clusterRun(size, 3, { primaries: 4, tagOnItsOwnPrimary: true });
}

/**
 * A prefix `{chaos}`, `{chaos-1}`, … whose tag's slot is on a primary that holds none of the `shards` shard
 * queues, each shard on a primary of its own (what `redis-cli --cluster create` gives decides which fits).
 */
function prefixOnItsOwnPrimary(primaries: { port: number; slots: [number, number][] }[], shards: number): string {
  const owner = (slot: number) => primaries.find((p) => p.slots.some(([from, to]) => slot >= from && slot <= to))?.port;
  for (let k = 0; k < 10_000; k++) {
    const prefix = k === 0 ? '{chaos}' : `{chaos-${k}}`;
    const shardOwners = pollShards(prefix, shards).map((shard) => owner(keySlotOf(`${shard.prefix}:regions-poll:wait`)));
    const tagOwner = owner(keySlotOf(`${prefix}:regions-poll:wait`));
    if (new Set(shardOwners).size === shards && !shardOwners.includes(tagOwner)) return prefix;
  }
  throw new Error(`no chaos prefix puts its tag on a primary without a shard (${shards} shards, ${primaries.length} primaries)`);
}

async function clusterRun(
  size: ChaosSize,
  shards: number,
  { primaries = 3, tagOnItsOwnPrimary = false }: { primaries?: number; tagOnItsOwnPrimary?: boolean } = {},
): Promise<ScenarioReport> {
  const s = SIZES[size];
  const started = Date.now();
  const cluster = await startRedisCluster({ primaries });
  // The tag on the primary without a shard, or `{chaos}` as always.
  const prefix = tagOnItsOwnPrimary ? prefixOnItsOwnPrimary(await cluster.primaries(), shards) : '{chaos}';
  const world = await ChaosWorld.on(
    { env: cluster.env, target: cluster.target, stop: () => cluster.stop() },
    { env: { REGIONWATCH_PREFIX: prefix, POLL_SHARDS: String(shards) } },
  );
  let families: KeyFamilyMonitor | undefined;
  try {
    const { slot, port: owner } = await cluster.slotOf(`${world.prefix}:regions-poll:wait`);
    const shardOwners = await Promise.all(
      pollShards(world.prefix, shards).map((shard) => cluster.slotOf(`${shard.prefix}:regions-poll:wait`)),
    );
    await Promise.all([world.startWorker(), world.startWorker()]);
    // Where the tag primary's commands go, by key family (MONITOR on that primary; costs it CPU, not
    // commands): first the two idle replicas for a few seconds (per second), then the run (per task).
    const ownerNode = cluster.nodes.find((n) => n.port === owner);
    families = new KeyFamilyMonitor(world.prefix);
    const monitorClient = ownerNode?.client();
    if (monitorClient) await families.start(monitorClient);
    const idleStarted = Date.now();
    await sleep(IDLE_SAMPLE_MS);
    const idle = families.take();
    const idleSeconds = (Date.now() - idleStarted) / 1000;
    // Scripted once the replicas run, so tasks finish over the window and take several polls each, as real ones do.
    const expected = scriptTasks(world.simulator, 'cluster', s.tasks, s.windowMs);
    world.simulator.resetCounters();
    const before = await cluster.commandsPerPrimary();
    await world.producer.trackMany(expected.map((e) => e.taskId));
    const done = async () => (await world.resultsQueue.count()) >= s.tasks && world.receiver.accepted.size >= s.tasks;
    await waitUntil(done, s.budgetMs);
    const after = await cluster.commandsPerPrimary();
    const run = families.take();
    const polls = world.simulator.counters().get;
    const exitCodes = await world.drain();
    const report = await checkInvariant(world, expected);
    const perPrimary = [...after].map(([port, count]) => ({ port, commands: count - (before.get(port) ?? 0) }));
    const total = perPrimary.reduce((sum, p) => sum + p.commands, 0);
    const ownerCommands = perPrimary.find((p) => p.port === owner)?.commands ?? 0;
    const ownerHoldsShard = shardOwners.some((o) => o.port === owner);
    const counts = perPrimary.map((p) => p.commands);
    // The primaries with a shard but not the tag: how evenly the polls spread; and what the tag's own keys
    // (results queue, webhook endpoints' state, rate window, pause, learner) add on its primary, per task.
    const shardOnly = perPrimary.filter((p) => p.port !== owner && shardOwners.some((o) => o.port === p.port)).map((p) => p.commands);
    const shardMean = shardOnly.length === 0 ? 0 : shardOnly.reduce((a, b) => a + b, 0) / shardOnly.length;
    const cleanDrain = exitCodes.every((code) => code === 0);
    const role = (port: number) =>
      [
        ...(port === owner ? ['tag owner'] : []),
        ...shardOwners.flatMap((o, i) => (shards > 1 && o.port === port ? [`shard ${i}`] : [])),
      ].join('+') || 'other';
    return {
      name:
        shards === 1
          ? 'Redis Cluster, one hash tag (3 primaries)'
          : tagOnItsOwnPrimary
            ? `Redis Cluster, POLL_SHARDS=${shards} + the tag on a primary of its own (${primaries} primaries)`
            : `Redis Cluster, POLL_SHARDS=${shards} (${primaries} primaries)`,
      size,
      ...report,
      ok: report.ok && cleanDrain,
      wallSeconds: (Date.now() - started) / 1000,
      notes: {
        ...(prefix === '{chaos}' ? {} : { prefix }),
        slot,
        ...(shards > 1 ? { shardSlots: shardOwners.map((o) => o.slot).join('/') } : {}),
        commandsPerPrimary: perPrimary.map((p) => `${role(p.port)} ${p.commands}`).join(' / '),
        tagOwnerShare: total === 0 ? 0 : Number((ownerCommands / total).toFixed(3)),
        maxOverMin: Math.min(...counts) === 0 ? 'inf' : Number((Math.max(...counts) / Math.min(...counts)).toFixed(2)),
        ...(shards > 1 && shardOnly.length > 1
          ? {
              shardPrimariesMaxOverMin: Number((Math.max(...shardOnly) / Math.min(...shardOnly)).toFixed(2)),
              // The tag's primary: its shard's work as much as a shard-only primary's, the rest is the tag's.
              tagExtraPerTask: Number(((ownerCommands - (ownerHoldsShard ? shardMean : 0)) / s.tasks).toFixed(1)),
            }
          : {}),
        tagOwnerFamiliesPerTask: describeFamilies(run, s.tasks),
        tagOwnerIdlePerSecond: describeFamilies(idle, idleSeconds),
        ...(families.truncated ? { familiesTruncated: true } : {}),
        polls,
        commandsPerPoll: polls === 0 ? 0 : Number((total / polls).toFixed(1)),
        commandsPerTask: Number((total / s.tasks).toFixed(1)),
        drainExitCodes: exitCodes.join(','),
      },
    };
  } finally {
    families?.stop();
    await world.close();
  }
}

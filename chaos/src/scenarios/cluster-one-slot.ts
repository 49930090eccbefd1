import { startRedisCluster } from '@regionwatch/testkit';
import { checkInvariant } from '../invariant.js';
import { waitUntil, type ChaosSize, type ScenarioReport } from '../scenario.js';
import { scriptTasks } from '../scripted-tasks.js';
import { ChaosWorld } from '../world.js';

const SIZES = {
  full: { tasks: 3_000, windowMs: 10_000, budgetMs: 90_000 },
  small: { tasks: 200, windowMs: 2_000, budgetMs: 40_000 },
};

/**
 * 8. The same invariant on a real 3-primary Redis Cluster with one hash tag (`{chaos}`), and where the
 * work went: commands each primary processed during the run. With one tag every key of regionwatch is
 * in one slot, so one primary does (nearly) all the work — why issue 14's phase B splits the poll queue.
 */
export async function clusterOneSlot(size: ChaosSize): Promise<ScenarioReport> {
  const s = SIZES[size];
  const started = Date.now();
  const cluster = await startRedisCluster();
  const world = await ChaosWorld.on(
    { env: cluster.env, target: cluster.target, stop: () => cluster.stop() },
    { env: { REGIONWATCH_PREFIX: '{chaos}' } },
  );
  try {
    const expected = scriptTasks(world.simulator, 'cluster', s.tasks, s.windowMs);
    const { slot, port: owner } = await cluster.slotOf(`${world.prefix}:regions-poll:wait`);
    await Promise.all([world.startWorker(), world.startWorker()]);
    const before = await cluster.commandsPerPrimary();
    await world.producer.trackMany(expected.map((e) => e.taskId));
    const done = async () => (await world.resultsQueue.count()) >= s.tasks && world.receiver.accepted.size >= s.tasks;
    await waitUntil(done, s.budgetMs);
    const after = await cluster.commandsPerPrimary();
    const exitCodes = await world.drain();
    const report = await checkInvariant(world, expected);
    const perPrimary = [...after].map(([port, count]) => ({ port, commands: count - (before.get(port) ?? 0) }));
    const total = perPrimary.reduce((sum, p) => sum + p.commands, 0);
    const ownerCommands = perPrimary.find((p) => p.port === owner)?.commands ?? 0;
    const cleanDrain = exitCodes.every((code) => code === 0);
    return {
      name: 'Redis Cluster, one hash tag (3 primaries)',
      size,
      ...report,
      ok: report.ok && cleanDrain,
      wallSeconds: (Date.now() - started) / 1000,
      notes: {
        slot,
        commandsPerPrimary: perPrimary.map((p) => `${p.port === owner ? 'tag owner' : 'other'} ${p.commands}`).join(' / '),
        tagOwnerShare: total === 0 ? 0 : Number((ownerCommands / total).toFixed(3)),
        commandsPerTask: Number((total / s.tasks).toFixed(1)),
        drainExitCodes: exitCodes.join(','),
      },
    };
  } finally {
    await world.close();
  }
}

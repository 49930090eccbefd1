import { checkInvariant } from '../invariant.js';
import { waitUntil, waitWhileProgressing, type ChaosSize, type ScenarioReport } from '../scenario.js';
import { scriptTasks } from '../scripted-tasks.js';
import { ChaosWorld } from '../world.js';

const SIZES = {
  full: { tasks: 3_000, windowMs: 15_000, downMs: 3_000, budgetMs: 50_000 },
  small: { tasks: 200, windowMs: 3_000, downMs: 500, budgetMs: 40_000 },
};

/** After the restart the scenario waits for the rest while results or deliveries keep coming; it gives up this long after the last. */
const STALL_MS = 30_000;

/**
 * 2. Redis (AOF, `appendfsync always`) goes away mid-run — once with `SHUTDOWN`, once with SIGKILL —
 * and comes back on the same data; the replicas reconnect by themselves and nothing is lost.
 */
export async function redisRestart(size: ChaosSize, mode: 'shutdown' | 'kill'): Promise<ScenarioReport> {
  const s = SIZES[size];
  const started = Date.now();
  const world = await ChaosWorld.create({ fsync: 'always' });
  try {
    const label = mode === 'kill' ? 'rkill' : 'rshut';
    const expected = scriptTasks(world.simulator, label, s.tasks, s.windowMs);
    await Promise.all([world.startWorker(), world.startWorker()]);
    await world.producer.trackMany(expected.map((e) => e.taskId));
    // Restart while a good part of the work is still in flight.
    await waitUntil(async () => (await world.resultsQueue.count()) >= s.tasks * 0.3, s.budgetMs);
    const beforeRestart = await world.resultsQueue.count();
    await world.redis.restart(mode, s.downMs);
    const done = async () => (await world.resultsQueue.count().catch(() => 0)) >= s.tasks && world.receiver.accepted.size >= s.tasks;
    // Not a fixed budget: on a loaded machine the work after the restart is slower, not lost.
    await waitWhileProgressing(done, async () => (await world.resultsQueue.count()) + world.receiver.accepted.size, STALL_MS);
    const exitCodes = await world.drain();
    const report = await checkInvariant(world, expected);
    const alive = exitCodes.every((code) => code === 0);
    return {
      name: `Redis restart (${mode === 'kill' ? 'SIGKILL' : 'SHUTDOWN'}, appendfsync always)`,
      size,
      ...report,
      ok: report.ok && alive,
      wallSeconds: (Date.now() - started) / 1000,
      notes: { resultsBeforeRestart: beforeRestart, redisDownMs: s.downMs, replicasSurvived: alive, drainExitCodes: exitCodes.join(',') },
    };
  } finally {
    await world.close();
  }
}

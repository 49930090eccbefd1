import { checkInvariant } from '../invariant.js';
import { sleep, waitWhileProgressing, type ChaosSize, type ScenarioReport } from '../scenario.js';
import { scriptTasks } from '../scripted-tasks.js';
import { ChaosWorld } from '../world.js';

const STALL_MS = 30_000;
const SIZES = {
  full: { tasks: 10_000, windowMs: 20_000, killEveryMs: 2_000, budgetMs: 110_000 },
  small: { tasks: 300, windowMs: 3_000, killEveryMs: 700, budgetMs: 60_000 },
};

/**
 * 1. Three replicas; every `killEveryMs` one gets SIGKILL and a new one starts, until every task is
 * done; then SIGTERM drains the rest (each must exit 0).
 */
export async function replicaCrashes(size: ChaosSize): Promise<ScenarioReport> {
  const s = SIZES[size];
  const started = Date.now();
  const world = await ChaosWorld.create({ env: { WORKER_CONCURRENCY: '100', WORKER_LOCK_DURATION_MS: '2000' } });
  try {
    const expected = scriptTasks(world.simulator, 'crash', s.tasks, s.windowMs);
    await Promise.all([world.startWorker(), world.startWorker(), world.startWorker()]);
    await world.producer.trackMany(expected.map((e) => e.taskId));

    const done = async () => (await world.resultsQueue.count()) >= s.tasks && world.receiver.accepted.size >= s.tasks;
    let kills = 0;
    while (!(await done()) && Date.now() - started < s.budgetMs) {
      await sleep(s.killEveryMs);
      if (await done()) break;
      await world.kill();
      kills += 1;
      await world.startWorker();
    }
    // The kills stop at the budget; the rest is drained by the last replicas. A busy machine only makes that
    // slower: give up only when no result or delivery has come for STALL_MS (lost work stops progressing).
    await waitWhileProgressing(done, async () => (await world.resultsQueue.count()) + world.receiver.accepted.size, STALL_MS);
    const exitCodes = await world.drain();
    const report = await checkInvariant(world, expected);
    const cleanDrain = exitCodes.every((code) => code === 0);
    return {
      name: 'replica crashes',
      size,
      ...report,
      ok: report.ok && cleanDrain,
      wallSeconds: (Date.now() - started) / 1000,
      notes: { replicas: 3, kills, replicasStarted: world.workers.length, drainExitCodes: exitCodes.join(',') },
    };
  } finally {
    await world.close();
  }
}

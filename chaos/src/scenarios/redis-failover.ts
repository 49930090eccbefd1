import { startRedisSentinel } from '@regionwatch/testkit';
import { checkInvariant } from '../invariant.js';
import { sleep, waitUntil, waitWhileProgressing, type ChaosSize, type ScenarioReport } from '../scenario.js';
import { scriptTasks } from '../scripted-tasks.js';
import { ChaosWorld } from '../world.js';

const SIZES = {
  full: { tasks: 3_000, windowMs: 15_000, chunk: 50, budgetMs: 90_000 },
  small: { tasks: 300, windowMs: 3_000, chunk: 10, budgetMs: 60_000 },
};

/** How long results may stop coming before the scenario looks at what is missing. */
const STALL_MS = 3_000;

/**
 * The waits after the failover last as long as results or deliveries keep coming, and give up this long
 * after the last one: on a loaded machine the work is slower, not lost (a fixed budget reported it lost).
 */
const GIVE_UP_MS = 30_000;

/**
 * 7. A real Sentinel set-up (primary, replica, three sentinels; AOF off: the primary never comes back).
 * Half the tasks are tracked up front; when 30 % have results, a producer starts tracking the other half
 * in small chunks and the primary gets SIGKILL in the middle of it. The sentinels promote the replica;
 * the replicas and the producer must find it by themselves (a chunk Redis refused is tracked again, as an
 * upstream service would). Replication is asynchronous, so the failover may lose writes the dead primary
 * had acknowledged: tasks still missing when nothing is in progress any more are re-tracked, as
 * docs/guarantees.md tells operators to do, and then every task must reach its one result.
 */
export async function redisFailover(size: ChaosSize): Promise<ScenarioReport> {
  const s = SIZES[size];
  const started = Date.now();
  const sentinel = await startRedisSentinel({ downAfterMs: 1_000, failoverTimeoutMs: 10_000 });
  const world = await ChaosWorld.on({ env: sentinel.env, target: sentinel.target, stop: () => sentinel.stop() });
  try {
    const expected = scriptTasks(world.simulator, 'failover', s.tasks, s.windowMs);
    const ids = expected.map((e) => e.taskId);
    const upFront = ids.slice(0, Math.floor(ids.length / 2));
    await Promise.all([world.startWorker(), world.startWorker()]);
    await world.producer.waitUntilReady(10_000);
    await world.producer.trackMany(upFront);
    await waitUntil(async () => (await world.resultsQueue.count()) >= s.tasks * 0.3, s.budgetMs);

    // The other half, tracked through the failover; a refused chunk is tracked again until Redis takes it.
    let refusedChunks = 0;
    let trackedBeforeKill = 0;
    let trackedAfterKill = 0;
    let killedAt = Number.POSITIVE_INFINITY;
    const tracking = (async () => {
      for (let from = upFront.length; from < ids.length; from += s.chunk) {
        const chunk = ids.slice(from, from + s.chunk);
        for (;;) {
          try {
            await world.producer.trackMany(chunk);
            if (Date.now() > killedAt) trackedAfterKill += chunk.length;
            else trackedBeforeKill += chunk.length;
            break;
          } catch (error) {
            refusedChunks += 1;
            if (Date.now() - killedAt > s.budgetMs) throw new Error(`the producer never recovered from the failover: ${String(error)}`);
            await sleep(100);
          }
        }
        await sleep(20);
      }
    })();
    await waitUntil(() => trackedBeforeKill > 0, 10_000, 10);
    const resultsAtKill = await world.resultsQueue.count();
    // Results resume when two readings both started after the kill differ: the second saw results the
    // new primary took (a result job's own timestamp will not do: it is set before the add waits out the failover).
    let resumedAt = Number.NaN;
    const probe = (async () => {
      let previous: number | undefined;
      while (Number.isNaN(resumedAt) && Date.now() - killedAt < s.budgetMs) {
        const count = await world.resultsQueue.count().catch(() => undefined);
        if (count !== undefined && previous !== undefined && count > previous) resumedAt = Date.now();
        if (count !== undefined) previous = count;
        if (count !== undefined && count >= s.tasks) break;
        await sleep(50);
      }
    })();
    killedAt = Date.now();
    const old = await sentinel.killPrimary();
    const promoted = await sentinel.waitForFailover(old, 30_000);
    const failoverMs = Date.now() - killedAt;
    await Promise.all([tracking, probe]);

    // Wait until every task has a result, or results stop coming and no missing task is still in progress.
    const missingNotInProgress = async (): Promise<string[] | undefined> => {
      const missing: string[] = [];
      for (const id of ids) if (!(await world.resultsQueue.getJob(id))) missing.push(id);
      const states = await Promise.all(missing.map((id) => world.pollQueue.getJobState(id)));
      return states.every((state) => state === 'unknown' || state === 'completed' || state === 'failed') ? missing : undefined;
    };
    let missing: string[] = [];
    let lastCount = -1;
    let lastProgress = Date.now();
    const resultCount = () => world.resultsQueue.count();
    await waitWhileProgressing(
      async () => {
        const count = await world.resultsQueue.count().catch(() => lastCount);
        if (count >= s.tasks) return true;
        if (count !== lastCount) [lastCount, lastProgress] = [count, Date.now()];
        if (Date.now() - lastProgress < STALL_MS) return false;
        const settled = await missingNotInProgress().catch(() => undefined);
        if (settled) missing = settled;
        return settled !== undefined;
      },
      resultCount,
      GIVE_UP_MS,
    );
    const jobsVanished = (await Promise.all(missing.map((id) => world.pollQueue.getJobState(id)))).filter((st) => st === 'unknown').length;

    // What an operator does about losses: re-track the ids without results (a duplicate of a live task is a no-op).
    const retracked = missing.length === 0 ? [] : await world.producer.trackMany(missing);
    const done = async () => (await world.resultsQueue.count()) >= s.tasks && world.receiver.accepted.size >= s.tasks;
    await waitWhileProgressing(done, async () => (await resultCount()) + world.receiver.accepted.size, GIVE_UP_MS);

    const exitCodes = await world.drain();
    const report = await checkInvariant(world, expected);
    const survived = exitCodes.every((code) => code === 0);
    return {
      name: 'Redis failover (Sentinel, primary SIGKILLed)',
      size,
      ...report,
      ok: report.ok && survived,
      wallSeconds: (Date.now() - started) / 1000,
      notes: {
        resultsAtKill,
        failoverMs,
        resultsResumedAfterMs: resumedAt - killedAt,
        promotedReplica: promoted.port !== old.port,
        refusedTrackChunks: refusedChunks,
        trackedBeforeKill,
        trackedAfterKill,
        missingAfterFailover: missing.length,
        acknowledgedJobsVanished: jobsVanished,
        retrackedCreated: retracked.filter((r) => r.ok && r.created).length,
        replicasSurvived: survived,
        drainExitCodes: exitCodes.join(','),
      },
    };
  } finally {
    await world.close();
  }
}

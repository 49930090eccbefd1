import { TOKEN_FAILURE_MEMORY_MS } from '@regionwatch/core';
import { stopWorkerProcesses } from '@regionwatch/testkit';
import { checkInvariant } from '../invariant.js';
import { sleep, waitUntil, type ChaosSize, type ScenarioReport } from '../scenario.js';
import { scriptTasks } from '../scripted-tasks.js';
import { ChaosWorld } from '../world.js';

const SIZES = {
  full: { tasks: 10_000, refusedMs: 60_000, stormMs: 60_000, budgetMs: 420_000 },
  small: { tasks: 300, refusedMs: 6_000, stormMs: 6_000, budgetMs: 60_000 },
};

const REPLICAS = 2;
/** Retry-After of every 429 in the storm. */
const RETRY_AFTER_SECONDS = 2;

/**
 * 7. The account is throttled or refused, not a task (issue 9 §3). First the replicas run with
 * credentials the token endpoint refuses, while every task waits: each replica remembers the refusal
 * for TOKEN_FAILURE_MEMORY_MS, so the token endpoint hears from it once per that period, not once per
 * job run. Then replicas with the right credentials meet an all-429 storm (`Retry-After` 2 s) with
 * every task pending and no ASPOSE_MAX_RPS: the replica that sees a 429 pauses all of them, so Aspose
 * hears a burst per pause instead of every task's own back-off. Figures: token requests per minute
 * while refused, requests during the storm. Then the storm ends and every task must end correctly.
 */
export async function throttledAccount(size: ChaosSize): Promise<ScenarioReport> {
  const s = SIZES[size];
  const started = Date.now();
  const world = await ChaosWorld.create({ env: { POLL_INITIAL_DELAY_MS: '200', POLL_MAX_DELAY_MS: '2000' } });
  try {
    const expected = scriptTasks(world.simulator, 'throttled', s.tasks, 2_000);

    // Refused credentials: replicas start (nothing to poll yet, so they are ready), then the tasks arrive.
    const refused = await Promise.all(
      Array.from({ length: REPLICAS }, () => world.startWorker({ ASPOSE_CLIENT_SECRET: 'not-the-secret-of-this-account' })),
    );
    // Measured from before the tracking: the first jobs are taken (and their token requested) while
    // trackMany is still adding the rest.
    const refusedFrom = world.simulator.requestLog().length;
    const refusedStart = Date.now();
    await world.producer.trackMany(expected.map((e) => e.taskId));
    await sleep(Math.max(0, s.refusedMs - (Date.now() - refusedStart)));
    const refusedLog = world.simulator.requestLog().slice(refusedFrom);
    const refusedSeconds = (Date.now() - refusedStart) / 1000;
    const tokenRequestsWhileRefused = refusedLog.filter((e) => e.endpoint === 'token').length;
    const getsWhileRefused = refusedLog.filter((e) => e.endpoint === 'get').length;
    const refusedExit = await stopWorkerProcesses(refused);
    // At most one token request per replica per remembered refusal (plus the first of each).
    const tokenBound = REPLICAS * (Math.ceil((refusedSeconds * 1000) / TOKEN_FAILURE_MEMORY_MS) + 1);

    // An all-429 storm with every task pending.
    world.simulator.setFaults({ tooManyRequests: { rate: 1, retryAfterSeconds: RETRY_AFTER_SECONDS } });
    await Promise.all(Array.from({ length: REPLICAS }, () => world.startWorker()));
    const stormFrom = world.simulator.requestLog().length;
    const stormStart = Date.now();
    await sleep(s.stormMs);
    const stormLog = world.simulator.requestLog().slice(stormFrom);
    const stormSeconds = (Date.now() - stormStart) / 1000;
    world.simulator.clearFaults();
    const getsDuringStorm = stormLog.filter((e) => e.endpoint === 'get').length;

    const done = async () => (await world.resultsQueue.count()) >= s.tasks && world.receiver.accepted.size >= s.tasks;
    await waitUntil(done, Math.max(10_000, s.budgetMs - (Date.now() - started)));
    const exitCodes = await world.drain();
    const report = await checkInvariant(world, expected);
    return {
      name: 'Throttled account',
      size,
      ...report,
      ok:
        report.ok &&
        tokenRequestsWhileRefused <= tokenBound &&
        getsWhileRefused === 0 &&
        [...exitCodes, ...refusedExit].every((c) => c === 0),
      wallSeconds: (Date.now() - started) / 1000,
      notes: {
        pendingTasks: s.tasks,
        replicas: REPLICAS,
        refusedSeconds: Number(refusedSeconds.toFixed(1)),
        tokenRequestsWhileRefused,
        tokenRequestsPerMinuteWhileRefused: Math.round((tokenRequestsWhileRefused / refusedSeconds) * 60),
        getsWhileRefused,
        refusedReplicasExit: refusedExit.join(','),
        stormSeconds: Number(stormSeconds.toFixed(1)),
        requestsDuringStorm: getsDuringStorm,
        requestsPerSecondDuringStorm: Number((getsDuringStorm / stormSeconds).toFixed(1)),
      },
    };
  } finally {
    await world.close();
  }
}

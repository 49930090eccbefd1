import type { Faults } from '@regionwatch/simulator';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { maxInSlidingWindow } from '@regionwatch/testkit';
import { POLL_QUEUE } from '@regionwatch/core';
import { AdmissionLog } from '../admission-log.js';
import { checkInvariant } from '../invariant.js';
import { sleep, waitUntil, type ChaosSize, type ScenarioReport } from '../scenario.js';
import { scriptTasks } from '../scripted-tasks.js';
import { ChaosWorld } from '../world.js';

const SIZES = {
  full: { tasks: 2_000, windowMs: 20_000, maxRps: 100, phaseMs: 15_000, tokenDownMs: 30_000, budgetMs: 115_000 },
  small: { tasks: 200, windowMs: 2_000, maxRps: 60, phaseMs: 1_500, tokenDownMs: 3_000, budgetMs: 60_000 },
};

const STORM: Partial<Faults> = { serverErrorRate: 0.3, resetRate: 0.05, tooManyRequests: { rate: 0.1, retryAfterSeconds: 2 } };

/**
 * 3. Aspose misbehaves in every documented way, in phases: 30 % 5xx with resets and bursts of 429
 * (`Retry-After`); then 5 s latency spikes (past ASPOSE_TIMEOUT_MS); then the token endpoint down for
 * a while with every token expired; then tokens revoked mid-run. All tasks must still end correctly,
 * the request rate must stay within ASPOSE_MAX_RPS, and no task may be polled in a hot loop.
 */
export async function asposeStorms(size: ChaosSize): Promise<ScenarioReport> {
  const s = SIZES[size];
  const started = Date.now();
  const initialDelayMs = 200;
  const world = await ChaosWorld.create({
    env: { ASPOSE_MAX_RPS: String(s.maxRps), POLL_INITIAL_DELAY_MS: String(initialDelayMs), ASPOSE_TIMEOUT_MS: '3000' },
  });
  try {
    const expected = scriptTasks(world.simulator, 'storm', s.tasks, s.windowMs);
    await Promise.all([world.startWorker(), world.startWorker()]);
    world.simulator.resetCounters();
    // Admission times of the ASPOSE_MAX_RPS window, to report how late requests reach Aspose after admission.
    const admissions = new AdmissionLog(world.redis.target, `${world.prefix}:${POLL_QUEUE}:aspose-rate`).start();
    const lag = monitorEventLoopDelay({ resolution: 10 }); // the simulator runs in this process
    lag.enable();
    world.simulator.setFaults(STORM);
    await world.producer.trackMany(expected.map((e) => e.taskId));

    await sleep(s.phaseMs);
    world.simulator.setFaults({ ...STORM, latency: { rate: 0.1, ms: 5_000 } });
    await sleep(s.phaseMs);
    world.simulator.setFaults({ ...STORM, tokenEndpointDown: true });
    world.simulator.expireTokens(); // every replica must fetch a token while the endpoint is down
    await sleep(s.tokenDownMs);
    world.simulator.setFaults(STORM);
    await sleep(s.phaseMs / 3);
    world.simulator.revokeTokens();
    await sleep(s.phaseMs / 3);
    world.simulator.clearFaults();

    const done = async () => (await world.resultsQueue.count()) >= s.tasks && world.receiver.accepted.size >= s.tasks;
    await waitUntil(done, Math.max(10_000, s.budgetMs - (Date.now() - started)));
    await admissions.stop();
    const exitCodes = await world.drain();
    const report = await checkInvariant(world, expected);

    const log = world.simulator.requestLog();
    const gets = log.filter((entry) => entry.endpoint === 'get');
    // Every request to Aspose counts, 401s and their retries included. The simulator stamps a request
    // when its event loop gets to it: a stamp can be late by that loop's delay (measured) plus loopback
    // jitter (20 ms), so the window is shortened by both.
    lag.disable();
    const stampSlackMs = 20 + Math.ceil(lag.max / 1e6);
    const maxInAnySecond = maxInSlidingWindow(
      gets.map((entry) => entry.at),
      1_000 - stampSlackMs,
    );
    // The same without the shortening, and the admission-to-arrival delay the window's margin must cover.
    const maxInAnyWholeSecond = maxInSlidingWindow(
      gets.map((entry) => entry.at),
      1_000,
    );
    const delays = admissions.delays(gets);
    // No hot loop: consecutive polls of a task are at least POLL_INITIAL_DELAY_MS apart, except the
    // one immediate retry after a refused (401) token.
    const perTask = new Map<string, number[]>();
    for (const entry of gets) if (entry.taskId) perTask.set(entry.taskId, [...(perTask.get(entry.taskId) ?? []), entry.at]);
    let tooClose = 0;
    let maxPerTask = 0;
    const unauthorized = new Set(gets.filter((e) => e.status === 401).map((e) => `${e.taskId}@${e.at}`));
    for (const [taskId, times] of perTask) {
      maxPerTask = Math.max(maxPerTask, times.length);
      for (let i = 1; i < times.length; i += 1) {
        const gap = (times[i] ?? 0) - (times[i - 1] ?? 0);
        if (gap < initialDelayMs - 5 && !unauthorized.has(`${taskId}@${times[i - 1]}`)) tooClose += 1;
      }
    }
    const withinCap = maxInAnySecond <= s.maxRps;
    return {
      name: 'Aspose storms',
      size,
      ...report,
      ok: report.ok && withinCap && tooClose === 0 && exitCodes.every((c) => c === 0),
      wallSeconds: (Date.now() - started) / 1000,
      notes: {
        asposeMaxRps: s.maxRps,
        getRequests: gets.length,
        faultsInjected: world.simulator.counters().faults,
        tokenRequests: log.filter((e) => e.endpoint === 'token').length,
        maxRequestsInAnySecond: maxInAnySecond,
        stampSlackMs,
        maxRequestsInAnyWholeSecond: maxInAnyWholeSecond,
        admissionToArrivalP50Ms: delays.p50Ms,
        admissionToArrivalP99Ms: delays.p99Ms,
        admissionToArrivalMaxMs: delays.maxMs,
        getsMatchedToAdmission: delays.matched,
        getsUnmatched: delays.unmatched,
        maxPollsOfOneTask: maxPerTask,
        pollsCloserThanTheSchedule: tooClose,
      },
    };
  } finally {
    await world.close();
  }
}

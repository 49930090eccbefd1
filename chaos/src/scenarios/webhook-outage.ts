import { spawnNode } from '@regionwatch/testkit';
import { checkInvariant } from '../invariant.js';
import { sleep, waitUntil, type ChaosSize, type ScenarioReport } from '../scenario.js';
import { scriptTasks } from '../scripted-tasks.js';
import { ChaosWorld } from '../world.js';

const SIZES = {
  // Retries at 0.18 s × 2^n (+0–20 % jitter): the 8th falls in the outage (~46 s), the 9th — the 10th and last
  // attempt — after the outage and the slow spell (92–110 s after the first), when the failing id runs out of
  // attempts. The budget leaves room for that last delay's jitter and a busy machine (it was 115 s: too short).
  full: { tasks: 1_000, windowMs: 5_000, downMs: 60_000, slowMs: 10_000, baseMs: 180, attempts: 10, budgetMs: 180_000 },
  small: { tasks: 100, windowMs: 1_000, downMs: 3_000, slowMs: 1_000, baseMs: 20, attempts: 10, budgetMs: 60_000 },
};

/**
 * 4. The webhook receiver is down (connections refused) for a minute, then slow (every delivery
 * times out), then fine — except for one id it answers 500 forever. Deliveries must resume, only that
 * id may be dead-lettered (its attempts ran out), and replaying it after the fix must deliver it.
 */
export async function webhookOutage(size: ChaosSize): Promise<ScenarioReport> {
  const s = SIZES[size];
  const started = Date.now();
  const world = await ChaosWorld.create({
    env: {
      WEBHOOK_RETRY_BASE_MS: String(s.baseMs),
      WEBHOOK_MAX_ATTEMPTS: String(s.attempts),
      WEBHOOK_TIMEOUT_MS: '1000',
      // The held deliveries drain within the time budget (the cap itself is webhook-breaker's subject).
      WEBHOOK_ENDPOINT_MAX_RPS: '200',
    },
  });
  try {
    const expected = scriptTasks(world.simulator, 'hook', s.tasks, s.windowMs);
    const failing = expected.find((e) => e.status === 'Completed')?.taskId ?? '';
    world.receiver.failAlways(failing, 500);
    await Promise.all([world.startWorker(), world.startWorker()]);
    await world.receiver.down();
    await world.producer.trackMany(expected.map((e) => e.taskId));
    await sleep(s.downMs);
    world.receiver.slow(1_500); // above WEBHOOK_TIMEOUT_MS: every delivery in this spell times out
    await world.receiver.start();
    const attemptsBeforeSlow = world.receiver.attempts.length;
    // Tasks finishing now have their first deliveries land in the slow spell.
    const late = scriptTasks(world.simulator, 'hookl', Math.ceil(s.tasks / 10), 0);
    await world.producer.trackMany(late.map((e) => e.taskId));
    expected.push(...late);
    await sleep(s.slowMs);
    const timedOutAttempts = world.receiver.attempts.length - attemptsBeforeSlow;
    world.receiver.slow(0);

    const others = () => [...world.receiver.accepted.keys()].filter((id) => id !== failing).length;
    const deadLettered = async () => (await world.webhookQueue.getJobState(failing)) === 'failed';
    await waitUntil(
      async () => others() >= expected.length - 1 && (await deadLettered()),
      Math.max(10_000, s.budgetMs - (Date.now() - started)),
      250,
    );
    const deadBeforeReplay = (await world.webhookQueue.getFailed()).map((job) => String(job.id));

    // The operator fixes the receiver and replays the dead letters with the CLI.
    world.receiver.heal(failing);
    const replay = spawnNode('apps/worker/dist/replay-cli.js', ['--all'], {
      REDIS_URL: world.redis.url,
      REGIONWATCH_PREFIX: world.env.REGIONWATCH_PREFIX ?? '',
    });
    const replayExit = await replay.exited;
    await waitUntil(() => world.receiver.accepted.has(failing), 20_000);

    const exitCodes = await world.drain();
    const report = await checkInvariant(world, expected);
    const onlyTheFailingIdDied = deadBeforeReplay.length === 1 && deadBeforeReplay[0] === failing;
    return {
      name: 'webhook receiver outage',
      size,
      ...report,
      ok: report.ok && onlyTheFailingIdDied && replayExit === 0 && exitCodes.every((c) => c === 0),
      wallSeconds: (Date.now() - started) / 1000,
      notes: {
        receiverDownMs: s.downMs,
        slowSpellMs: s.slowMs,
        attemptsThatTimedOut: timedOutAttempts,
        deliveryAttempts: world.receiver.attempts.length,
        deadLettersBeforeReplay: deadBeforeReplay.length,
        replayedAndDelivered: world.receiver.accepted.has(failing),
      },
    };
  } finally {
    await world.close();
  }
}

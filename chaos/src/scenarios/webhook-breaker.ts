import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRetrySchedule } from '@regionwatch/core';
import { stopWorkerProcesses, WebhookReceiver, type Delivery } from '@regionwatch/testkit';
import { checkInvariant } from '../invariant.js';
import { sleep, waitUntil, type ChaosSize, type ScenarioReport } from '../scenario.js';
import { scriptTasks, type Expected } from '../scripted-tasks.js';
import { CHAOS_SECRETS, ChaosWorld } from '../world.js';

// The default schedule (5s,5m,30m,2h,5h,10h,14h,20h,24h) compressed: ÷ 1000 at full size, ÷ 10 000 small.
const SIZES = {
  full: {
    tasks: 10_000,
    windowMs: 15_000,
    schedule: '5ms,300ms,1800ms,7200ms,18s,36s,50400ms,72s,86400ms',
    // Longer than the first six delays together (63.3 s): refused, then every request timing out.
    refusedMs: 40_000,
    timingOutMs: 30_000,
    // The worker's webhook timeout, and how long A holds each request while it is timing out (longer).
    webhookTimeoutMs: 1_000,
    aHoldsMs: 1_500,
    maxRps: 200,
    budgetMs: 400_000,
  },
  small: {
    tasks: 200,
    windowMs: 1_000,
    schedule: '1ms,30ms,180ms,720ms,1800ms,3600ms,5040ms,7200ms,8640ms',
    refusedMs: 4_000,
    timingOutMs: 3_000,
    // Longer than full size's: the small run is part of `npm test`, where a shared, busy machine can keep a
    // healthy receiver (B) from answering within 1 s; then its deliveries time out, repeat and burn their compressed
    // schedule (seen once beside a second `npm test`: B's baseline p99 8 s, 34 dead letters). A still times out.
    webhookTimeoutMs: 4_000,
    aHoldsMs: 5_000,
    maxRps: 50,
    budgetMs: 90_000,
  },
};

/**
 * 6. Circuit breaker and isolation: receiver A is down — connections refused, then every request timing
 * out — for longer than the first six delays of the (compressed) retry schedule, while receiver B stays
 * healthy. Halfway through, the webhook secret is rotated (new replicas sign with "new old", the old ones
 * drain, then both receivers verify with the new secret alone). Figures: dead letters (goal 0),
 * duplicates the idempotent receivers suppressed (goal 0 beyond repeats of deliveries A took only after the
 * worker's timeout had fired — the worker saw a failure, so at-least-once must send again), requests A received while down (probes only),
 * A's busiest second after recovery (≤ WEBHOOK_ENDPOINT_MAX_RPS), B's p99 delivery latency during A's
 * outage against the same load with A healthy (goal ≤ 1.2×), deliveries that failed verification (goal 0).
 */
export async function webhookBreaker(size: ChaosSize): Promise<ScenarioReport> {
  const s = SIZES[size];
  const started = Date.now();
  const world = await ChaosWorld.create({
    env: {
      WEBHOOK_RETRY_SCHEDULE: s.schedule,
      WEBHOOK_ENDPOINT_MAX_RPS: String(s.maxRps),
      WEBHOOK_TIMEOUT_MS: String(s.webhookTimeoutMs),
      WORKER_CONCURRENCY: '100',
      // The default lock: no replica crashes here, so a repeat can only come from the delivery itself (the
      // world's short crash-recovery lock would let a busy machine's late lock renewal re-run deliveries).
      WORKER_LOCK_DURATION_MS: '30000',
    },
  });
  const a = world.receiver; // WEBHOOK_URL
  const b = await new WebhookReceiver(CHAOS_SECRETS.webhook).start();
  const rotated = `whsec_${randomBytes(32).toString('base64')}`;
  try {
    const quarter = Math.ceil(s.tasks / 4);
    const track = async (label: string, to: WebhookReceiver) => {
      const tasks = scriptTasks(world.simulator, label, quarter, s.windowMs);
      const webhookUrl = to === a ? undefined : to.url;
      await world.producer.trackMany(tasks.map((t) => ({ taskId: t.taskId, ...(webhookUrl ? { webhookUrl } : {}) })));
      return tasks;
    };
    const allAccepted = (tasks: readonly Expected[], r: WebhookReceiver) => tasks.every((t) => r.accepted.has(t.taskId));
    await Promise.all([world.startWorker(), world.startWorker()]);

    // 1. Baseline: the same load to A and B, both healthy.
    const [a1, b1] = [await track('brka1', a), await track('brkb1', b)];
    await waitUntil(() => allAccepted(a1, a) && allAccepted(b1, b), s.budgetMs / 4, 100);
    const bBaseline = latencies(b, b1);

    // 2. A refuses connections; the same load again.
    await a.down();
    const outageStarted = Date.now();
    const [a2, b2] = [await track('brka2', a), await track('brkb2', b)];
    await sleep(s.refusedMs);
    // 3. A accepts connections but answers nothing in time.
    a.slow(s.aHoldsMs);
    await a.start();
    const attemptsAtTimeouts = a.attempts.length;
    const timeoutsStarted = Date.now();
    // Rotation, meanwhile: new replicas sign with both secrets, the old ones drain; then receivers switch.
    const old = world.live();
    world.env.WEBHOOK_SECRET = `${rotated} ${CHAOS_SECRETS.webhook}`;
    await Promise.all([world.startWorker(), world.startWorker()]);
    const oldExits = await stopWorkerProcesses(old);
    b.verifyWith(rotated);
    a.verifyWith(rotated);
    const rotatedAt = Date.now();
    await sleep(Math.max(0, s.timingOutMs - (Date.now() - timeoutsStarted)));
    const requestsWhileTimingOut = a.attempts.length - attemptsAtTimeouts;
    const outageMs = Date.now() - outageStarted;
    const bDuringOutage = latencies(
      b,
      b2.filter((t) => (b.accepted.get(t.taskId)?.at ?? Infinity) < Math.min(rotatedAt, outageStarted + outageMs)),
    );

    // 4. A recovers: its line drains oldest first at WEBHOOK_ENDPOINT_MAX_RPS.
    const recoveredAt = Date.now();
    a.slow(0);
    await waitUntil(() => allAccepted(a2, a) && allAccepted(b2, b), Math.max(10_000, s.budgetMs - (Date.now() - started)), 250);
    const drainSeconds = (Date.now() - recoveredAt) / 1000;
    const afterRecovery = a.attempts.filter((d) => d.at >= recoveredAt);
    // Requests A answered only after WEBHOOK_TIMEOUT_MS (while it was slow): the worker saw a failure, A accepted them.
    const timedOutIds = new Set(a.attempts.filter((d) => d.at >= timeoutsStarted && d.at < recoveredAt).map((d) => d.id));
    const duplicatesOfTimedOut = a.attempts.filter((d) => d.at >= recoveredAt && timedOutIds.has(d.id)).length;

    const exitCodes = [...oldExits, ...(await world.drain())];
    const deadLetters = await world.webhookQueue.getFailedCount();
    const expected = [...a1, ...b1, ...a2, ...b2];
    const report = await checkInvariant(world, expected, { receivers: [a, b] });
    const busiest = busiestSecond(afterRecovery);
    const logDir = process.env.REGIONWATCH_TEST_LOG_DIR;
    if (logDir)
      await writeRepeats(join(logDir, 'webhook-breaker-repeats.json'), [a, b], { outageStarted, timeoutsStarted, rotatedAt, recoveredAt });
    const unverified = a.unverified + b.unverified;
    // A repeat the worker itself counted as a failed attempt (the receiver took it only after the worker's
    // timeout had fired, so at-least-once sent it again) is explained by the delivery's own record: the
    // attempts it made. Any repeat beyond them is one the worker should not have sent.
    const unexplained = await unexplainedRepeats(world, [a, b]);
    const otherRepeats = unexplained.reduce((sum, u) => sum + u.extra, 0);
    const lateAcceptRepeats = a.duplicatesSuppressed + b.duplicatesSuppressed - otherRepeats;
    const ratio = bBaseline.p99 > 0 ? bDuringOutage.p99 / bBaseline.p99 : 0;
    return {
      name: 'webhook endpoint outage (breaker, isolation, rotation)',
      size,
      ...report,
      ok:
        report.ok &&
        deadLetters === 0 &&
        unverified === 0 &&
        otherRepeats === 0 &&
        busiest <= Math.ceil(s.maxRps * 1.05) &&
        exitCodes.every((c) => c === 0),
      wallSeconds: (Date.now() - started) / 1000,
      notes: {
        aDownMs: outageMs,
        firstSixDelaysMs: firstDelays(s.schedule, 6),
        deadLetters,
        duplicatesSuppressedByA: a.duplicatesSuppressed,
        duplicatesSuppressedByB: b.duplicatesSuppressed,
        aDuplicatesOfTimedOutRequests: duplicatesOfTimedOut,
        repeatsOfLateAccepts: lateAcceptRepeats,
        otherRepeats,
        aTimingOutMs: s.timingOutMs,
        aRequestsWhileTimingOut: requestsWhileTimingOut,
        aHeldDeliveries: a2.length,
        aBusiestSecondAfterRecovery: busiest,
        maxRps: s.maxRps,
        aDrainSeconds: Number(drainSeconds.toFixed(1)),
        bP99BaselineMs: bBaseline.p99,
        bP99DuringOutageMs: bDuringOutage.p99,
        bP99Ratio: Number(ratio.toFixed(2)),
        bSamplesDuringOutage: bDuringOutage.count,
        unverifiedAfterRotation: unverified,
      },
    };
  } finally {
    await b.close();
    await world.close();
  }
}

/** Delivery latency: from the result's decision (`finishedAt` in the body) to the receiver accepting it. */
function latencies(receiver: WebhookReceiver, tasks: readonly Expected[]): { p99: number; count: number } {
  const values = tasks
    .map((t) => receiver.accepted.get(t.taskId))
    .filter((d): d is Delivery => d !== undefined)
    .map((d) => d.at - Date.parse((d.body as { data: { finishedAt: string } }).data.finishedAt))
    .sort((x, y) => x - y);
  const p99 = values[Math.min(values.length - 1, Math.ceil(values.length * 0.99) - 1)] ?? 0;
  return { p99, count: values.length };
}

/** The most requests in any one-second window. */
function busiestSecond(deliveries: readonly Delivery[]): number {
  const times = deliveries.map((d) => d.at).sort((x, y) => x - y);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i += 1) {
    while ((times[i] ?? 0) - (times[j] ?? 0) >= 1_000) j += 1;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

function firstDelays(schedule: string, count: number): number {
  const parsed = parseRetrySchedule(schedule);
  return 'delays' in parsed ? parsed.delays.slice(0, count).reduce((sum, d) => sum + d, 0) : Number.NaN;
}

/** REGIONWATCH_TEST_LOG_DIR: every attempt of each repeated id, for matching with the replicas' logs. */
async function writeRepeats(file: string, receivers: readonly WebhookReceiver[], phases: Record<string, number>): Promise<void> {
  const repeats = receivers.map((r) => {
    const counts = new Map<string, number>();
    for (const d of r.attempts) counts.set(d.id, (counts.get(d.id) ?? 0) + 1);
    const ids = new Set([...counts].filter(([, n]) => n > 1).map(([id]) => id));
    const attempts = r.attempts
      .filter((d) => ids.has(d.id))
      .map((d) => ({ id: d.id, at: d.at, accepted: r.accepted.get(d.id) === d, senderGone: d.senderGone ?? false }));
    return { url: r.url, attempts };
  });
  await writeFile(file, JSON.stringify({ phases, repeats }, null, 1));
}

/**
 * Repeats the worker did not count: for each id a receiver accepted more than once, the acceptances beyond the
 * attempts its delivery job recorded (a repeat after a timeout the worker saw is one of its attempts).
 */
async function unexplainedRepeats(world: ChaosWorld, receivers: readonly WebhookReceiver[]): Promise<{ id: string; extra: number }[]> {
  const found: { id: string; extra: number }[] = [];
  for (const receiver of receivers) {
    const accepted = new Map<string, number>();
    for (const { repeat } of receiver.repeats) accepted.set(repeat.id, (accepted.get(repeat.id) ?? 1) + 1);
    for (const [id, times] of accepted) {
      const job = await world.webhookQueue.getJob(id);
      const attempts = (job?.returnvalue as { attempt?: number } | undefined)?.attempt ?? 1;
      if (times > attempts) found.push({ id, extra: times - attempts });
    }
  }
  return found;
}

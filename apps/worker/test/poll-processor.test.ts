import {
  AsposeAuthError,
  AsposePausedError,
  AsposePermanentError,
  AsposeTransientError,
  ConfigError,
  createCompletionLearner,
  nextPollDelay,
  RateBudgetExhaustedError,
  recordBodyFor,
  RegionDecodeError,
  resultFromRecord,
  TOKEN_FAILURE_MEMORY_MS,
  type RegionResult,
} from '@regionwatch/core';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator, type Simulator } from '@regionwatch/simulator';
import { test } from '@regionwatch/testkit/vitest';
import { UnrecoverableError } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyPollFailure, type HandOff, type PollFailure } from '../src/index.js';
import { PollStepper, type StepOutcome, type StepperOptions } from './support/poll-stepper.js';

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator({ pendingMs: 60_000 });
});
afterAll(() => simulator.close());
beforeEach(() => simulator.clearFaults());

const steppers: PollStepper[] = [];
afterAll(() => Promise.all(steppers.map((s) => s.close())));
function stepper(redis: { url: string; prefix: string }, options: Omit<StepperOptions, 'simulator'> = {}): PollStepper {
  const s = new PollStepper(redis, { simulator, ...options });
  steppers.push(s);
  return s;
}

/** A clock the test moves by hand: no test here depends on how fast the machine is. */
function manualClock(start = Date.now()) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

const delayOf = (outcome: StepOutcome) => {
  if (outcome.kind !== 'delayed') throw new Error(`expected a delay, got ${JSON.stringify(outcome)}`);
  return outcome.delayMs;
};
const completed = (outcome: StepOutcome) => {
  if (outcome.kind !== 'completed') throw new Error(`expected completion, got ${outcome.kind}: ${JSON.stringify(outcome)}`);
  return outcome.returned;
};
const completedTask = (rectangles = [[[1, 2, 3, 4]]]) =>
  simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed', rectangles } });

/** A hand-off that dies (throws, as a killed replica would) the first `times` times, then hands on. */
function crashingFirst(times: number): (handOff: HandOff) => HandOff {
  return (handOff) => {
    let crashes = times;
    return (async (input) => {
      if (crashes-- > 0) throw new Error('killed mid-hand-off');
      return handOff(input);
    }) as HandOff;
  };
}
describe('poll processor (step jobs, real Redis)', () => {
  test('backs off exponentially while Pending and stops growing at the cap (exact delays: an injected clock)', async ({ redis }) => {
    const clock = manualClock();
    const s = stepper(redis, { now: clock.now });
    const taskId = simulator.createTask();
    await s.track({ taskId, submittedAt: new Date(clock.t).toISOString() });
    const delays: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      delays.push(delayOf(await s.step(taskId)));
      clock.t += delays.at(-1) ?? 0;
    }
    expect(delays).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((polls) => nextPollDelay(polls, s.config, () => 0.5)));
    expect(delays).toEqual([1_100, 2_000, 4_000, 8_000, 16_000, 27_000, 27_000, 27_000]);
    expect(await s.progress(taskId)).toMatchObject({
      polls: 8,
      transientErrors: 0,
      lastStatus: 'Pending',
      history: [{ status: 'Pending', count: 8 }],
    });
    expect(simulator.taskState(taskId)?.polls).toBe(8);
  });

  test('keeps progress in the job’s progress field: the data (and its metadata) is never rewritten', async ({ redis }) => {
    const s = stepper(redis);
    const taskId = simulator.createTask();
    const metadata = { big: 'm'.repeat(16_000) };
    await s.track({ taskId, metadata });
    const dataBefore = await s.connection.hget(s.queue.toKey(taskId), 'data');
    for (let i = 0; i < 3; i += 1) await s.step(taskId);
    expect(await s.connection.hget(s.queue.toKey(taskId), 'data')).toBe(dataBefore);
    const progress = await s.connection.hget(s.queue.toKey(taskId), 'progress');
    expect(progress?.length).toBeLessThan(400); // independent of the 16 KB of metadata
    expect((await s.queue.getJob(taskId))?.progress).toMatchObject({ polls: 3, lastStatus: 'Pending' });
  });

  test('records lastPollAt (the time of the last answered poll) for the schedule to read', async ({ redis }) => {
    const clock = manualClock();
    const s = stepper(redis, { now: clock.now });
    const taskId = simulator.createTask();
    await s.track({ taskId, submittedAt: new Date(clock.t - 5_000).toISOString() });
    await s.step(taskId);
    expect((await s.progress(taskId))?.lastPollAt).toBe(clock.t);
  });

  test('never schedules past the deadline; at the deadline one last GET: a task done at Aspose is not Expired', async ({ redis }) => {
    const clock = manualClock();
    const s = stepper(redis, { now: clock.now, env: { TASK_DEADLINE_MS: '60000' } });
    const taskId = simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] } });
    await s.track({ taskId, submittedAt: new Date(clock.t - 60_500).toISOString() }); // past the deadline already
    const returned = completed(await s.step(taskId));
    expect(returned).toEqual({ taskId, status: 'Completed' });
    const record = await s.records.read(taskId);
    expect(record?.body).toMatchObject({ status: 'Completed', polls: 1 });
    expect((await s.resultsQueue.getJob(taskId))?.data).toMatchObject({
      status: 'Completed',
      regions: [{ left: 1, top: 2, right: 3, bottom: 4 }],
    });
  });

  test('a task still pending at the deadline ends Expired after that last GET, its polls counted', async ({ redis }) => {
    const clock = manualClock();
    const s = stepper(redis, { now: clock.now, env: { TASK_DEADLINE_MS: '60000' } });
    const taskId = simulator.createTask();
    await s.track({ taskId, submittedAt: new Date(clock.t - 59_500).toISOString() });
    expect(delayOf(await s.step(taskId))).toBe(500); // capped at the deadline
    clock.t += 500;
    completed(await s.step(taskId));
    const result = (await s.resultsQueue.getJob(taskId))?.data as RegionResult;
    expect(result).toMatchObject({ status: 'Expired', polls: 2 });
    expect(result.errors[0]).toMatch(/no terminal status within TASK_DEADLINE_MS \(60000 ms\) of submittedAt; last status seen: Pending/);
    expect(simulator.taskState(taskId)?.polls).toBe(2);
  });

  test('a 429 pauses every replica: Retry-After is the lower bound, and other tasks send nothing until it ends', async ({ redis }) => {
    const clock = manualClock();
    const s = stepper(redis, { now: clock.now });
    const [a, b] = [simulator.createTask(), simulator.createTask()];
    await s.track({ taskId: a });
    await s.track({ taskId: b });
    simulator.setFaults({ tooManyRequests: { rate: 1, retryAfterSeconds: 7 } });
    expect(delayOf(await s.step(a))).toBeGreaterThanOrEqual(7_000);
    expect(await s.progress(a)).toMatchObject({ polls: 1, transientErrors: 1 }); // the GET was made: it counts
    expect((await s.progress(a))?.lastError).toMatch(/HTTP 429/);
    const pause = await s.connection.pttl(`${redis.prefix}:regions-poll:aspose-pause`);
    expect(pause).toBeGreaterThan(5_000);
    const getsBefore = simulator.counters().get;
    const heldBack = delayOf(await s.step(b)); // another task, another "replica" reading the same pause
    expect(simulator.counters().get).toBe(getsBefore); // no request sent
    expect(heldBack).toBeGreaterThanOrEqual(pause - 1_000);
    expect(await s.progress(b)).toMatchObject({ polls: 0, transientErrors: 0 });
    expect(await s.pollsMetric('rate_limited')).toBe(1);
    expect(await s.pollsMetric('transient_error')).toBe(1);
  });

  test('treats 5xx, resets and timeouts as transient and never ends the task on them; each GET made counts in polls', async ({ redis }) => {
    const s = stepper(redis, { env: { ASPOSE_TIMEOUT_MS: '200' } });
    const taskId = completedTask([[[1, 1, 2, 2]]]);
    await s.track({ taskId });
    const getsBefore = simulator.counters().get;
    for (const faults of [{ serverErrorRate: 1 }, { resetRate: 1 }, { latency: { rate: 1, ms: 400 } }]) {
      simulator.setFaults(faults);
      expect((await s.step(taskId)).kind).toBe('delayed');
    }
    expect(await s.progress(taskId)).toMatchObject({ polls: 3, transientErrors: 3 });
    simulator.clearFaults();
    completed(await s.step(taskId));
    // The contract's `polls`: GET requests made for the task, failed ones included (the simulator counted 4).
    expect(simulator.counters().get - getsBefore).toBe(4);
    expect((await s.records.read(taskId))?.body).toMatchObject({ status: 'Completed', polls: 4 });
  });

  test('keeps tasks waiting while the token endpoint is down, reports not-ready, and recovers', async ({ redis }) => {
    const clock = manualClock();
    const s = stepper(redis, { now: clock.now });
    const taskId = simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'NotExist' } });
    await s.track({ taskId });
    simulator.setFaults({ tokenEndpointDown: true });
    clock.t += delayOf(await s.step(taskId));
    expect(s.readiness.reasons(true).join()).toMatch(/aspose_auth: token endpoint (unreachable|answered HTTP 503)/);
    simulator.clearFaults();
    clock.t += TOKEN_FAILURE_MEMORY_MS; // the failed token request is remembered this long
    completed(await s.step(taskId));
    expect(s.readiness.reasons(true)).toEqual(['starting']);
  });

  test('keeps tasks waiting when the credentials are refused, and says why', async ({ redis }) => {
    const s = stepper(redis, { env: { ASPOSE_CLIENT_SECRET: 'wrong' } });
    const taskId = simulator.createTask();
    await s.track({ taskId });
    expect((await s.step(taskId)).kind).toBe('delayed');
    expect(s.readiness.reasons(true).join()).toMatch(/aspose_auth: token endpoint refused the credentials \(HTTP 400, invalid_client\)/);
    expect(s.readiness.reasons(true).join()).not.toContain('wrong');
  });

  test('one task’s 4xx does not flip /readyz; 4xx answers for two tasks in a row (a wrong ASPOSE_BASE_URL) do', async ({ redis }) => {
    const s = stepper(redis, { env: { ASPOSE_BASE_URL: `${simulator.url}/not-here`, ASPOSE_TOKEN_URL: simulator.tokenUrl } });
    const [a, b] = [completedTask(), completedTask()];
    await s.track({ taskId: a });
    await s.track({ taskId: b });
    for (let i = 0; i < 3; i += 1) expect((await s.step(a)).kind).toBe('delayed');
    expect(await s.progress(a)).toMatchObject({ polls: 3, transientErrors: 3 });
    expect(s.readiness.reasons(true)).toEqual(['starting']); // one task: maybe its own problem
    expect(await s.pollsMetric('client_error')).toBe(3);
    expect((await s.step(b)).kind).toBe('delayed');
    expect(s.readiness.reasons(true).join()).toMatch(/aspose_misconfigured: Aspose answered HTTP 404/);
    expect(s.logs.lines.filter((line) => line.includes('Aspose refuses our requests'))).toHaveLength(1);
  });

  test('refreshes a revoked token once and carries on', async ({ redis }) => {
    const s = stepper(redis);
    const taskId = simulator.createTask();
    await s.track({ taskId });
    await s.step(taskId);
    const tokensBefore = simulator.counters().token;
    const getsBefore = simulator.counters().get;
    simulator.revokeTokens();
    expect((await s.step(taskId)).kind).toBe('delayed');
    expect(simulator.counters().token).toBe(tokensBefore + 1);
    // Two GETs were made in that step (refused, then with the new token): both count.
    expect(simulator.counters().get - getsBefore).toBe(2);
    expect(await s.progress(taskId)).toMatchObject({ polls: 3, transientErrors: 0 });
  });

  test('fails job data that breaks the PollJob contract with an UnrecoverableError', async ({ redis }) => {
    const s = stepper(redis);
    const cases: [string, unknown][] = [
      ['bad-1', {}],
      ['bad-2', { taskId: 42 }],
      ['bad-3', { taskId: 'bad-3', submittedAt: 'yesterday' }],
      ['bad-4', { taskId: 'bad-4', metadata: { n: 1 } }],
      ['bad-5', { taskId: 'bad-5', webhookUrl: `https://example.com/${'x'.repeat(3_000)}` }],
      ['bad-6', { taskId: 'bad-6', trackingId: 'x'.repeat(200) }],
    ];
    for (const [jobId, data] of cases) {
      await s.queue.add('poll', data, { jobId });
      const outcome = await s.step(jobId);
      expect(outcome.kind).toBe('failed');
      expect((outcome as { error: Error }).error).toBeInstanceOf(UnrecoverableError);
      expect((outcome as { error: Error }).error.message).toMatch(/^invalid PollJob data \(/);
    }
  });

  test('a job whose id is not its taskId fails clearly and never fills another task’s slot', async ({ redis }) => {
    const s = stepper(redis);
    const victim = completedTask();
    await s.queue.add('poll', { taskId: victim }, { jobId: 'someone-else' });
    const outcome = await s.step('someone-else');
    expect(outcome.kind).toBe('failed');
    expect((outcome as { error: Error }).error.message).toMatch(
      /job id "someone-else" is not its taskId .*: add poll jobs with jobId = taskId/,
    );
    expect(await s.resultsQueue.getJob(victim)).toBeUndefined();
    expect(await s.records.read(victim)).toBeUndefined();
    expect(simulator.taskState(victim)?.polls).toBe(0);
  });

  test('result or progress data placed in a job by someone else never bypasses polling', async ({ redis }) => {
    const s = stepper(redis);
    const taskId = simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Error', messages: ['real'] } });
    const forged = { taskId, status: 'Completed', regions: [{ left: 0, top: 0, right: 9, bottom: 9 }], results: [], polls: 1 };
    await s.track({ taskId, result: forged, progress: { phase: 'decided', polls: 99, transientErrors: 0, history: [] } });
    completed(await s.step(taskId));
    expect(simulator.taskState(taskId)?.polls).toBe(1);
    expect((await s.resultsQueue.getJob(taskId))?.data).toMatchObject({ status: 'Error', errors: ['real'], polls: 1 });
  });

  test('unreadable answers are a transient fault: normal back-off, counted, no end within ASPOSE_INVALID_GRACE_MS', async ({ redis }) => {
    const clock = manualClock();
    const s = stepper(redis, { now: clock.now, env: { ASPOSE_INVALID_GRACE_MS: '600000' } });
    const [a, b] = [completedTask([[[5, 5, 6, 6]]]), completedTask()];
    await s.track({ taskId: a });
    await s.track({ taskId: b });
    simulator.setFaults({ nonJsonRate: 1 }); // an HTML maintenance page, served with 200
    const delays: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      delays.push(delayOf(await s.step(a)));
      clock.t += delays.at(-1) ?? 0;
    }
    // The task's own back-off (its answered polls), not ~1 s retries: six tries in a minute, nothing ended.
    expect(delays).toEqual([1, 2, 3, 4, 5, 6].map((polls) => nextPollDelay(polls, s.config, () => 0.5)));
    expect(await s.progress(a)).toMatchObject({ polls: 6, invalidAnswers: 6 });
    expect(await s.pollsMetric('invalid_response')).toBe(6);
    expect(s.readiness.reasons(true)).toEqual(['starting']); // one task so far
    expect((await s.step(b)).kind).toBe('delayed');
    expect(s.readiness.reasons(true).join()).toMatch(/aspose_invalid_response: Aspose answered a body that is not JSON/);
    expect(s.logs.lines.filter((line) => line.includes('Aspose answers what we cannot read'))).toHaveLength(1);
    simulator.clearFaults();
    completed(await s.step(a));
    expect((await s.resultsQueue.getJob(a))?.data).toMatchObject({
      status: 'Completed',
      regions: [{ left: 5, top: 5, right: 6, bottom: 6 }],
      polls: 7,
    });
    expect(s.readiness.reasons(true)).toEqual(['starting']);
    expect(s.logs.lines.filter((line) => line.includes('Aspose answers readably again'))).toHaveLength(1);
  });

  test('past ASPOSE_INVALID_GRACE_MS of unreadable answers the task ends Malformed, saying why', async ({ redis }) => {
    const clock = manualClock();
    const s = stepper(redis, { now: clock.now, env: { ASPOSE_INVALID_GRACE_MS: '10000' } });
    const taskId = simulator.createTask({ rawBody: '{"taskStatus":"completed","results":[]}' }); // differently cased
    await s.track({ taskId });
    for (let i = 0; i < 4; i += 1) {
      clock.t += delayOf(await s.step(taskId));
    }
    completed(await s.step(taskId)); // 1.1 + 2 + 4 + 8 s > 10 s after the first unreadable answer
    const result = (await s.resultsQueue.getJob(taskId))?.data as RegionResult;
    expect(result.status).toBe('Malformed');
    expect(result.polls).toBe(5);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(
      new RegExp(
        '^Aspose answered 5 unreadable bodies over 15100 ms \\(ASPOSE_INVALID_GRACE_MS is 10000\\); ' +
          'last: Aspose answered an unknown taskStatus "completed"',
      ),
    );
  });

  test('a re-run after a crash mid-hand-off hands on the same result without polling again', async ({ redis }) => {
    const s = stepper(redis, { wrapHandOff: crashingFirst(1) });
    const taskId = completedTask();
    await s.track({ taskId, webhookUrl: 'https://hooks.example.com/x' });
    expect((await s.step(taskId)).kind).toBe('failed'); // BullMQ retries it (attempts)
    expect(await s.progress(taskId)).toMatchObject({ phase: 'decided', polls: 1 });
    const pollsAtDecision = simulator.taskState(taskId)?.polls;
    completed(await s.step(taskId));
    expect(simulator.taskState(taskId)?.polls).toBe(pollsAtDecision);
    const record = await s.records.read(taskId);
    const delivered = (await s.resultsQueue.getJob(taskId))?.data;
    expect(delivered).toEqual(resultFromRecord(taskId, record?.body ?? ({} as never)));
    expect([...(record?.handed ?? [])].sort()).toEqual(['results', 'webhook:0']);
    expect((await s.webhookQueue.getJob(taskId))?.data.event.data).toEqual(delivered);
  });

  test('a stalled replica’s late writes are refused: the new owner’s progress and decision stand', async ({ redis }) => {
    const replicaA = stepper(redis);
    const replicaB = stepper(redis);
    const taskId = simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed', rectangles: [[[1, 1, 3, 3]]] } });
    await replicaA.track({ taskId });
    // A takes the job, then stalls (its lock expires); BullMQ's stalled-job check hands it to B.
    const stalled = await replicaA.take(taskId);
    await replicaA.connection.del(`${replicaA.queue.toKey(taskId)}:lock`);
    await replicaB.stalledCheck();
    await replicaB.stalledCheck();
    simulator.setFaults({ serverErrorRate: 1 });
    expect((await replicaB.step(taskId)).kind).toBe('delayed'); // B re-delays with its progress
    const progressOfB = await replicaB.progress(taskId);
    // A wakes up: its GET is answered 503 too, and its re-delay must not overwrite B's progress.
    expect((await replicaA.run(stalled.job, stalled.token)).kind).toBe('delayed');
    expect(await replicaB.progress(taskId)).toEqual(progressOfB);
    expect(replicaA.logs.lines.some((line) => line.includes('the job is not ours any more') && line.includes('"step":"re-delay"'))).toBe(
      true,
    );
    // Now B decides; a second late run of A (same stale token) can neither decide nor hand on.
    simulator.clearFaults();
    const taken = await replicaB.take(taskId);
    const late = await replicaA.run(taken.job, 'stale-token');
    expect(late.kind).toBe('delayed'); // refused: DelayedError leaves the job to its owner
    expect(replicaA.logs.lines.some((line) => line.includes('the job is not ours any more') && line.includes('"step":"decide"'))).toBe(
      true,
    );
    expect(await replicaB.records.read(taskId)).toBeUndefined();
    completed(await replicaB.run(taken.job, taken.token));
    expect((await replicaB.records.read(taskId))?.body.status).toBe('Completed');
    expect(await replicaB.resultsQueue.getJobCounts('waiting')).toEqual({ waiting: 1 });
  });

  test('a poll job of another chain meeting a decided record completes without polling or delivering', async ({ redis }) => {
    const s = stepper(redis);
    const taskId = completedTask();
    await s.track({ taskId });
    completed(await s.step(taskId));
    expect(await s.queue.getJob(taskId)).toBeUndefined(); // removed on completion: the record stands for it
    const polls = simulator.taskState(taskId)?.polls;
    await s.queue.add('poll', { taskId }, { jobId: taskId }); // a producer that did not check the record
    const returned = completed(await s.step(taskId));
    expect(returned).toMatchObject({ taskId, duplicateOf: expect.any(String) });
    expect(simulator.taskState(taskId)?.polls).toBe(polls);
    expect(await s.resultsQueue.getJobCounts('waiting')).toEqual({ waiting: 1 });
  });

  test('a last poll held back by the rate budget waits for a slot; a throttled account’s pause ends it Expired', async ({ redis }) => {
    const clock = manualClock();
    let refusal: Error | undefined;
    const aspose = {
      getDetectRegions: async () => {
        if (refusal) throw refusal;
        throw new Error('not reached');
      },
      close: async () => {},
    };
    const s = stepper(redis, { now: clock.now, env: { TASK_DEADLINE_MS: '60000' }, aspose: aspose as never });
    const taskId = simulator.createTask();
    await s.track({ taskId, submittedAt: new Date(clock.t - 61_000).toISOString() });
    refusal = new RateBudgetExhaustedError({ max: 1, windowMs: 1_000 }, { taskId, retryAfterMs: 300 });
    expect(delayOf(await s.step(taskId))).toBeGreaterThanOrEqual(300);
    refusal = new AsposePausedError(20_000, taskId);
    completed(await s.step(taskId));
    expect((await s.records.read(taskId))?.body.status).toBe('Expired');
  });
});

// How a failed poll is handled, as a table (the processor above applies it).
const ctx = { taskId: 't1' };
const auth = (retryAfterMs?: number): PollFailure => ({
  outcome: 'auth_error',
  problem: { reason: 'aspose_auth', scope: 'global' },
  delay: { basis: 'transient-errors', retryAfterMs },
});
const transient = (retryAfterMs?: number): PollFailure => ({
  outcome: 'transient_error',
  delay: { basis: 'transient-errors', retryAfterMs },
});
const throttled = (retryAfterMs: number | undefined, pauseMs: number): PollFailure => ({ ...transient(retryAfterMs), pauseMs });
const invalid = (): PollFailure => ({
  outcome: 'invalid_response',
  problem: { reason: 'aspose_invalid_response', scope: 'spell' },
  delay: { basis: 'unreadable-answer' },
});

describe('classifyPollFailure', () => {
  it.each<[string, unknown, PollFailure | undefined]>([
    [
      'our own rate budget spent',
      new RateBudgetExhaustedError({ max: 5, windowMs: 1_000 }, { ...ctx, retryAfterMs: 40 }),
      { outcome: 'rate_limited', delay: { basis: 'held-back', reason: 'rate-budget', retryAfterMs: 40 } },
    ],
    [
      'every replica pausing after a 429',
      new AsposePausedError(2_500, 't1'),
      { outcome: 'rate_limited', delay: { basis: 'held-back', reason: 'paused', retryAfterMs: 2_500 } },
    ],
    ['a network error', new AsposeTransientError('network', 'ECONNRESET', ctx), transient()],
    ['a timeout', new AsposeTransientError('timeout', 'no answer', ctx), transient()],
    ['a 502', new AsposeTransientError('server-error', 'HTTP 502', { ...ctx, statusCode: 502, retryAfterMs: 2_000 }), transient(2_000)],
    ['a 503 without Retry-After', new AsposeTransientError('server-error', 'HTTP 503', { ...ctx, statusCode: 503 }), transient()],
    [
      'a 503 with Retry-After (the account throttled)',
      new AsposeTransientError('server-error', 'HTTP 503', { ...ctx, statusCode: 503, retryAfterMs: 4_000 }),
      throttled(4_000, 4_000),
    ],
    [
      'a 429 from Aspose',
      new AsposeTransientError('rate-limited', 'HTTP 429', { ...ctx, statusCode: 429, retryAfterMs: 7_000 }),
      throttled(7_000, 7_000),
    ],
    [
      'a 429 without Retry-After',
      new AsposeTransientError('rate-limited', 'HTTP 429', { ...ctx, statusCode: 429 }),
      throttled(undefined, 1_000),
    ],
    [
      'the token endpoint down',
      new AsposeTransientError('token-endpoint', 'HTTP 502', { statusCode: 502, retryAfterMs: 1_000 }),
      auth(1_000),
    ],
    ['refused credentials', new AsposeAuthError('refused', { statusCode: 401 }), auth()],
    [
      'another 4xx (one task’s, or a wrong ASPOSE_BASE_URL)',
      new AsposePermanentError('client-error', 'HTTP 404', { ...ctx, statusCode: 404 }),
      {
        outcome: 'client_error',
        problem: { reason: 'aspose_misconfigured', scope: 'spell' },
        delay: { basis: 'transient-errors', retryAfterMs: undefined },
      },
    ],
    ['a 200 that is not JSON', new AsposePermanentError('invalid-body', 'not JSON', ctx), invalid()],
    ['a 200 that is not an OCRResponse', new AsposePermanentError('schema-mismatch', 'no taskStatus', ctx), invalid()],
    ['a 200 with an unknown status', new AsposePermanentError('unknown-status', 'Exploded', ctx), invalid()],
    [
      'an invalid body that came with a status',
      new AsposePermanentError('invalid-body', 'too large', { ...ctx, statusCode: 200 }),
      invalid(),
    ],
    ['a bug', new TypeError('undefined is not a function'), undefined],
    ['an error of ours that is not about polling', new ConfigError([{ variable: 'X', message: 'is bad' }]), undefined],
    ['a decode error (handled where results are built)', new RegionDecodeError(0, 'data is empty'), undefined],
    ["BullMQ's own signal", new UnrecoverableError('stop'), undefined],
    ['a thrown string', 'boom', undefined],
  ])('%s', (_name, error, expected) => {
    expect(classifyPollFailure(error)).toEqual(expected);
  });
});

// What the processor tells operators and consumers besides the result: delays planned, logs, metrics,
// destinations. Expected values are literals from the documented rules, not recomputed by the code under test.
describe('poll processor: planned delays, destinations, logs and metrics', () => {
  /** An Aspose client that throws `refusal` (set by the test) instead of sending a request. */
  function refusingAspose() {
    const state: { refusal: unknown } = { refusal: undefined };
    const aspose = {
      getDetectRegions: async () => {
        throw state.refusal;
      },
      close: async () => {},
    };
    return { state, aspose: aspose as never };
  }

  test('a poll held back by the rate budget comes back when the wait ends plus jitter (half the wait, 50 ms to 30 s)', async ({
    redis,
  }) => {
    const { state, aspose } = refusingAspose();
    const s = stepper(redis, { aspose }); // random() = 0.5
    const taskId = simulator.createTask();
    await s.track({ taskId });
    const heldBack = async (retryAfterMs: number) => {
      state.refusal = new RateBudgetExhaustedError({ max: 1, windowMs: 1_000 }, { taskId, retryAfterMs });
      return delayOf(await s.step(taskId));
    };
    expect(await heldBack(40)).toBe(65); // 40 + 0.5 × 50 (the floor)
    expect(await heldBack(301)).toBe(377); // ⌈301 + 0.5 × 150.5⌉
    expect(await heldBack(100_000)).toBe(115_000); // 100 s + 0.5 × 30 s (the cap)
    expect(await s.progress(taskId)).toMatchObject({ polls: 0, transientErrors: 0 });
    expect(await s.pollsMetric('rate_limited')).toBe(3);
  });

  test('a 429 waits at least POLL_INITIAL_DELAY_MS, and the pause plus jitter when longer', async ({ redis }) => {
    const s = stepper(redis, { env: { POLL_INITIAL_DELAY_MS: '5000' } }); // random() = 0.5
    const taskId = simulator.createTask();
    await s.track({ taskId });
    simulator.setFaults({ tooManyRequests: { rate: 1, retryAfterSeconds: 2 } });
    expect(delayOf(await s.step(taskId))).toBe(5_000); // 2 s + 0.5 × 1 s < 5 s
    // A replica that has not seen that pause (a new stepper; the shared key removed) gets the longer one.
    await s.connection.del(`${redis.prefix}:regions-poll:aspose-pause`);
    const other = stepper(redis, { env: { POLL_INITIAL_DELAY_MS: '5000' } });
    const second = simulator.createTask();
    await other.track({ taskId: second });
    simulator.setFaults({ tooManyRequests: { rate: 1, retryAfterSeconds: 20 } });
    expect(delayOf(await other.step(second))).toBe(25_000); // 20 s + 0.5 × 10 s
  });

  test('a per-task webhookUrl wins over WEBHOOK_URL; RESULTS_QUEUE="" sends no result job', async ({ redis }) => {
    const s = stepper(redis, {
      env: {
        WEBHOOK_URL: 'https://default.example.com/h',
        WEBHOOK_SECRET: `whsec_${Buffer.alloc(24, 7).toString('base64')}`,
        RESULTS_QUEUE: '',
      },
    });
    const [own, fallback] = [completedTask(), completedTask()];
    await s.track({ taskId: own, webhookUrl: 'https://own.example.com/h' });
    await s.track({ taskId: fallback });
    completed(await s.step(own));
    completed(await s.step(fallback));
    expect((await s.webhookQueue.getJob(own))?.data.url).toBe('https://own.example.com/h');
    expect((await s.webhookQueue.getJob(fallback))?.data.url).toBe('https://default.example.com/h');
    expect(await s.webhookQueue.getJob(`${own}+1`)).toBeUndefined();
    expect((await s.records.read(own))?.body.destinations).toEqual({ results: null, webhooks: ['https://own.example.com/h'] });
    expect(await s.resultsQueue.getJob(own)).toBeUndefined();
  });

  test('a finished task: one log line with its figures, counted by status, its time to result observed', async ({ redis }) => {
    const clock = manualClock(Date.parse('2026-11-28T12:00:00.000Z'));
    const s = stepper(redis, { now: clock.now });
    const messages = ['e1', 'e2', 'e3', 'e4', 'e5'];
    const taskId = simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Error', messages } });
    await s.track({ taskId, submittedAt: '2026-11-28T11:59:30.000Z' });
    completed(await s.step(taskId));
    const finished = s.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.msg === 'task finished');
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ taskId, status: 'Error', polls: 1, regionCount: 0, errors: ['e1', 'e2', 'e3'], moreErrors: 2 });
    const metrics = await s.metrics.registry.metrics();
    expect(metrics).toContain('regionwatch_tasks_finished_total{status="Error"} 1');
    expect(metrics).toMatch(/regionwatch_time_to_result_seconds_sum 30\n/); // finishedAt (the clock) − submittedAt
    expect(metrics).toMatch(/regionwatch_poll_duration_seconds_count 1\n/);
  });

  test('logs a status change once, not every poll', async ({ redis }) => {
    const s = stepper(redis);
    const taskId = simulator.createTask();
    await s.track({ taskId });
    for (let i = 0; i < 3; i += 1) await s.step(taskId);
    const changes = s.logs.lines.filter((line) => line.includes('task status changed'));
    expect(changes).toHaveLength(1);
    expect(JSON.parse(changes[0] ?? '{}')).toMatchObject({ taskId, status: 'Pending', polls: 1 });
  });

  test('refuses to run without the job’s lock token (every write it makes is lock-checked)', async ({ redis }) => {
    const s = stepper(redis);
    const taskId = completedTask();
    await s.track({ taskId });
    const { job } = await s.take(taskId);
    await expect(s.process(job)).rejects.toThrow(/needs the job lock token/);
    expect(simulator.taskState(taskId)?.polls).toBe(0);
  });
});

describe('poll processor: failures, decisions met on the way, and what it logs', () => {
  /** An Aspose client whose answer the test scripts (a thrown error, or a clock moved during the request). */
  function scriptedAspose(answer: () => Promise<never>) {
    return { getDetectRegions: answer, close: async () => {} } as never;
  }
  const logged = (s: PollStepper) => s.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const aResult = (taskId: string, status: RegionResult['status'], errors: string[] = []): RegionResult => ({
    taskId,
    status,
    regions: [],
    results: [],
    responseStatusCode: status === 'Completed' ? 'Ok' : 'Error',
    errors,
    warnings: [],
    metadata: {},
    submittedAt: '2026-11-28T10:00:00.000Z',
    finishedAt: '2026-11-28T10:01:00.000Z',
    polls: 1,
  });
  /** Writes a decision into the task record as another run of `chain` would have (the job's lock faked for it). */
  async function recordDecision(s: PollStepper, taskId: string, chain: string, result: RegionResult) {
    const jobKey = s.queue.toKey(taskId);
    const progressJson = (await s.connection.hget(jobKey, 'progress')) ?? '{}';
    await s.connection.set(`${jobKey}:lock`, 'test-lock');
    const body = recordBodyFor(result, [], { results: s.resultsQueue.name, webhooks: [] });
    const outcome = await s.records.decide({ taskId, token: 'test-lock', chain, body, progressJson });
    await s.connection.del(`${jobKey}:lock`);
    expect(outcome).toEqual({ kind: 'written', extraWebhooks: [] });
  }

  test('an unexpected error (a bug) fails the job with that very error, for BullMQ’s attempts budget', async ({ redis }) => {
    const s = stepper(redis, { aspose: scriptedAspose(async () => Promise.reject(new TypeError('boom'))) });
    const taskId = simulator.createTask();
    await s.track({ taskId });
    const outcome = await s.step(taskId);
    expect(outcome.kind).toBe('failed');
    expect((outcome as { error: Error }).error).toBeInstanceOf(TypeError);
    expect((outcome as { error: Error }).error.message).toBe('boom');
  });

  test('a failed poll is timed like an answered one, logged with its reason, and shares no pause', async ({ redis }) => {
    const clock = manualClock();
    const s = stepper(redis, {
      now: clock.now,
      aspose: scriptedAspose(async () => {
        clock.t += 2_500; // the request took 2.5 s
        throw new AsposeTransientError('server-error', 'HTTP 503 from Aspose', { taskId: 'x', statusCode: 503 });
      }),
    });
    const taskId = simulator.createTask();
    await s.track({ taskId });
    expect((await s.step(taskId)).kind).toBe('delayed');
    expect(await s.metrics.registry.metrics()).toMatch(/regionwatch_poll_duration_seconds_sum 2\.5\n/);
    const lastError = (await s.progress(taskId))?.lastError;
    expect(lastError).toContain('HTTP 503 from Aspose');
    expect(logged(s).filter((l) => l.msg === lastError)).toEqual([
      expect.objectContaining({ taskId, reason: 'server-error', statusCode: 503 }),
    ]);
    expect(await s.connection.pttl(`${redis.prefix}:regions-poll:aspose-pause`)).toBe(-2);
    expect(s.logs.lines.some((line) => line.includes('could not share the pause'))).toBe(false); // none was asked for
  });

  test('a failure Aspose-wide (a 4xx for every task) is logged by the health tracker, not once per task', async ({ redis }) => {
    const s = stepper(redis, { env: { ASPOSE_BASE_URL: `${simulator.url}/not-here`, ASPOSE_TOKEN_URL: simulator.tokenUrl } });
    const taskId = completedTask();
    await s.track({ taskId });
    expect((await s.step(taskId)).kind).toBe('delayed');
    const lastError = (await s.progress(taskId))?.lastError;
    expect(lastError).toMatch(/404/);
    expect(logged(s).filter((l) => l.msg === lastError)).toEqual([]);
    // Not under another wording either (every log line's URLs are redacted, so the text may differ): no per-task warning.
    expect(logged(s).filter((l) => l.level === 'warn' && l.taskId === taskId)).toEqual([]);
  });

  test('a last poll held back by the rate budget waits up to LAST_POLL_GRACE_MS past the deadline, then ends Expired', async ({
    redis,
  }) => {
    const clock = manualClock();
    const refusal = new RateBudgetExhaustedError({ max: 1, windowMs: 1_000 }, { taskId: 'x', retryAfterMs: 300 });
    const s = stepper(redis, {
      now: clock.now,
      env: { TASK_DEADLINE_MS: '60000' },
      aspose: scriptedAspose(async () => Promise.reject(refusal)),
    });
    const taskId = simulator.createTask();
    await s.track({ taskId, submittedAt: new Date(clock.t - 120_000).toISOString() }); // 60 s past the deadline: still waits
    expect(delayOf(await s.step(taskId))).toBeGreaterThanOrEqual(300);
    clock.t += 1;
    completed(await s.step(taskId));
    expect((await s.records.read(taskId))?.body.status).toBe('Expired');
  });

  test('unreadable answers end the task exactly when they have lasted ASPOSE_INVALID_GRACE_MS', async ({ redis }) => {
    const clock = manualClock();
    const s = stepper(redis, { now: clock.now, env: { ASPOSE_INVALID_GRACE_MS: '10000' } });
    const taskId = simulator.createTask({ rawBody: '{"taskStatus":"Exploded"}' });
    await s.track({ taskId });
    expect((await s.step(taskId)).kind).toBe('delayed');
    clock.t += 9_999;
    expect((await s.step(taskId)).kind).toBe('delayed');
    clock.t += 1;
    completed(await s.step(taskId));
    expect((await s.records.read(taskId))?.body.status).toBe('Malformed');
  });

  test('a hand-off that must wait re-delays the decided task by HAND_OFF_RETRY_MS, even past the deadline, and never polls again', async ({
    redis,
  }) => {
    const clock = manualClock();
    let waits = 1;
    const s = stepper(redis, {
      now: clock.now,
      env: { TASK_DEADLINE_MS: '60000' },
      wrapHandOff: (handOff) =>
        (async (input) =>
          waits-- > 0 ? { complete: false, waitingFor: 'regions-results/x (an older result)' } : handOff(input)) as HandOff,
    });
    const taskId = completedTask();
    await s.track({ taskId, submittedAt: new Date(clock.t - 60_500).toISOString() });
    expect(delayOf(await s.step(taskId))).toBe(5_000);
    expect(await s.progress(taskId)).toMatchObject({ phase: 'decided', polls: 1 });
    expect(logged(s).filter((l) => l.msg === 'hand-off waits for an earlier result of this task to be released')).toEqual([
      expect.objectContaining({ taskId, waitingFor: 'regions-results/x (an older result)' }),
    ]);
    expect(completed(await s.step(taskId))).toEqual({ taskId, status: 'Completed' });
    expect(simulator.taskState(taskId)?.polls).toBe(1);
    expect((await s.resultsQueue.getJob(taskId))?.data).toMatchObject({ status: 'Completed' });
  });

  test('a task record gone before the hand-off finished (expired, removed by hand): polls again and hands on, saying so', async ({
    redis,
  }) => {
    const s = stepper(redis, { wrapHandOff: crashingFirst(1) });
    const taskId = completedTask();
    await s.track({ taskId });
    expect((await s.step(taskId)).kind).toBe('failed');
    await s.connection.del(s.records.key(taskId));
    completed(await s.step(taskId));
    expect(simulator.taskState(taskId)?.polls).toBe(2);
    expect((await s.records.read(taskId))?.body).toMatchObject({ status: 'Completed', polls: 2 });
    expect((await s.resultsQueue.getJob(taskId))?.data).toMatchObject({ status: 'Completed', polls: 2 });
    expect(logged(s).filter((l) => String(l.msg).startsWith('the task record is gone'))).toEqual([expect.objectContaining({ taskId })]);
  });

  test('another chain’s decision written while this job polled: it completes as a duplicate and delivers nothing', async ({ redis }) => {
    const s = stepper(redis);
    const taskId = simulator.createTask({ notReadyPolls: 1, outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] } });
    await s.track({ taskId, trackingId: 'chain-mine' });
    expect((await s.step(taskId)).kind).toBe('delayed'); // Pending; later runs do not read the record
    await recordDecision(s, taskId, 'chain-other', aResult(taskId, 'Error', ['decided elsewhere']));
    expect(completed(await s.step(taskId))).toEqual({ taskId, duplicateOf: 'chain-other' });
    expect(simulator.taskState(taskId)?.polls).toBe(2); // a run after the chain's first reads no record: it polls, then finds it deciding
    expect(await s.resultsQueue.getJob(taskId)).toBeUndefined();
    expect((await s.records.read(taskId))?.chain).toBe('chain-other');
    expect(logged(s).filter((l) => l.msg === 'task already decided by another poll job: this one completes without delivering')).toEqual([
      expect.objectContaining({ taskId, decidedBy: 'chain-other' }),
    ]);
  });

  test('a decision this chain already recorded is handed on as recorded, not decided again', async ({ redis }) => {
    const s = stepper(redis);
    const taskId = simulator.createTask({ notReadyPolls: 1, outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] } });
    await s.track({ taskId, trackingId: 'chain-mine' });
    expect((await s.step(taskId)).kind).toBe('delayed');
    await recordDecision(s, taskId, 'chain-mine', aResult(taskId, 'Error', ['recorded earlier']));
    expect(completed(await s.step(taskId))).toEqual({ taskId, status: 'Error' });
    expect((await s.resultsQueue.getJob(taskId))?.data).toMatchObject({ status: 'Error', errors: ['recorded earlier'] });
    expect(await s.metrics.registry.metrics()).not.toContain('regionwatch_tasks_finished_total{status="Completed"}');
  });

  test('a poll job from another producer (no trackingId) is a chain named after its creation time; a duplicate says whose', async ({
    redis,
  }) => {
    const s = stepper(redis);
    const taskId = completedTask();
    await s.queue.add('poll', { taskId }, { jobId: taskId, delay: 3_600_000 });
    const created = (await s.queue.getJob(taskId))?.timestamp;
    completed(await s.step(taskId));
    expect((await s.records.read(taskId))?.chain).toBe(`t${created}`);
    await s.track({ taskId }); // tracked again within the record's TTL
    expect(completed(await s.step(taskId))).toEqual({ taskId, duplicateOf: `t${created}` });
    expect(logged(s).filter((l) => l.msg === 'task already decided: duplicate poll job completed without polling')).toEqual([
      expect.objectContaining({ taskId, decidedBy: `t${created}`, status: 'Completed' }),
    ]);
  });

  test('a 429 when the pause cannot be shared backs this task off alone and says so; with no shared pause, silently', async ({ redis }) => {
    simulator.setFaults({ tooManyRequests: { rate: 1, retryAfterSeconds: 7 } });
    const failing = stepper(redis, { sharePause: { pause: async () => Promise.reject(new Error('Redis said no')) } });
    const alone = stepper(redis, { sharePause: null });
    const [a, b] = [simulator.createTask(), simulator.createTask()];
    await failing.track({ taskId: a });
    await alone.track({ taskId: b });
    expect(delayOf(await failing.step(a))).toBeGreaterThanOrEqual(7_000);
    expect(delayOf(await alone.step(b))).toBeGreaterThanOrEqual(7_000);
    const warning = 'could not share the pause Aspose asked for (Redis); this task backs off alone';
    expect(logged(failing).filter((l) => l.msg === warning)).toEqual([
      expect.objectContaining({ taskId: a, err: expect.objectContaining({ message: 'Redis said no' }) as unknown }),
    ]);
    expect(logged(alone).filter((l) => l.msg === warning)).toEqual([]);
  });

  test('counts every answer by its status, and lists at most three errors in the finished line', async ({ redis }) => {
    const s = stepper(redis);
    const taskId = simulator.createTask({ notReadyPolls: 2, outcome: { status: 'Error', messages: ['e1', 'e2', 'e3'] } });
    await s.track({ taskId });
    for (let i = 0; i < 2; i += 1) await s.step(taskId);
    completed(await s.step(taskId));
    expect(await s.pollsMetric('pending')).toBe(2);
    expect(await s.pollsMetric('error')).toBe(1);
    const finished = logged(s).find((l) => l.msg === 'task finished');
    expect(finished).toMatchObject({ errors: ['e1', 'e2', 'e3'] });
    expect(finished).not.toHaveProperty('moreErrors');
  });

  test('job data that is not an object, or a job under another id, is logged as an error naming the job', async ({ redis }) => {
    const s = stepper(redis);
    await s.queue.add('poll', 'just text', { jobId: 'text-job' });
    const outcome = await s.step('text-job');
    expect((outcome as { error: Error }).error.message).toMatch(/^invalid PollJob data \(data: /);
    expect(logged(s).find((l) => l.msg === 'poll job data does not match the PollJob contract; failing the job')).toMatchObject({
      jobId: 'text-job',
      why: expect.stringMatching(/^data: /) as string,
    });
    const victim = completedTask();
    await s.queue.add('poll', { taskId: victim }, { jobId: 'not-the-task' });
    await s.step('not-the-task');
    expect(logged(s).find((l) => String(l.msg).startsWith('job id "not-the-task" is not its taskId'))).toMatchObject({
      jobId: 'not-the-task',
      taskId: victim,
    });
  });
});

describe('poll processor: adaptive polling (POLL_STRATEGY, a learner on a real Redis, an injected clock)', () => {
  const logged = (s: PollStepper) => s.logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const connections: Redis[] = [];
  afterAll(() => {
    for (const connection of connections) connection.disconnect();
  });

  /** A learner that has seen `kind`'s tasks finish 20–30 s after submission (enough to plan with: minSamples 2). */
  async function taughtLearner(redis: { url: string; prefix: string }, now: () => number, kind: string) {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    connections.push(connection);
    const learner = createCompletionLearner(connection, redis.prefix, { minSamples: 2, refreshMs: 0, flushMs: 3_600_000, now });
    for (let i = 0; i < 10; i += 1) await learner.observe(kind, { afterMs: 20_000, atMostMs: 30_000 });
    await learner.flush();
    expect((await learner.estimate(kind)).usable).toBe(true);
    return learner;
  }

  test('adaptive: a decided task whose record went before the hand-off polls again at once, not at the learned first poll', async ({
    redis,
  }) => {
    const clock = manualClock();
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    connections.push(connection);
    const learner = createCompletionLearner(connection, redis.prefix, { minSamples: 2, refreshMs: 0, flushMs: 3_600_000, now: clock.now });
    const s = stepper(redis, { now: clock.now, learner, env: { POLL_STRATEGY: 'adaptive' }, wrapHandOff: crashingFirst(1) });
    const taskId = completedTask();
    await s.track({ taskId, kind: 'scan', submittedAt: new Date(clock.t).toISOString() }, { timestamp: clock.t });
    // Nothing learned yet: the first run polls, finds the task done, and the hand-off crashes.
    expect((await s.step(taskId)).kind).toBe('failed');
    expect(simulator.taskState(taskId)?.polls).toBe(1);
    // Meanwhile the learner learns that tasks of this kind take 20–30 s, and the task's record goes.
    for (let i = 0; i < 10; i += 1) await learner.observe('scan', { afterMs: 20_000, atMostMs: 30_000 });
    await learner.flush();
    expect((await learner.estimate('scan')).usable).toBe(true);
    await s.connection.del(s.records.key(taskId));
    // The task was polled already: it polls again now (the learned first poll is for tasks never polled).
    completed(await s.step(taskId));
    expect(simulator.taskState(taskId)?.polls).toBe(2);
    expect((await s.resultsQueue.getJob(taskId))?.data).toMatchObject({ status: 'Completed', polls: 2 });
  });

  test('adaptive: a first run waits for the learned first poll without a GET; POLL_STRATEGY=exponential ignores the learner', async ({
    redis,
  }) => {
    const clock = manualClock();
    const learner = await taughtLearner(redis, clock.now, 'scan');
    const adaptive = stepper(redis, { now: clock.now, learner, env: { POLL_STRATEGY: 'adaptive' }, priorities: true });
    const waits = simulator.createTask();
    await adaptive.track({ taskId: waits, kind: 'scan', submittedAt: new Date(clock.t).toISOString() }, { timestamp: clock.t });
    const firstWait = delayOf(await adaptive.step(waits));
    expect(firstWait).toBeGreaterThan(5_000); // towards the learned 20–30 s, far past POLL_INITIAL_DELAY_MS (1 s)
    expect(simulator.taskState(waits)?.polls).toBe(0); // no GET spent on a task that cannot be done yet
    const priority = async (taskId: string) => Number(await adaptive.connection.hget(adaptive.queue.toKey(taskId), 'priority'));
    expect(await priority(waits)).toBeGreaterThanOrEqual(1); // with priorities on, the wait carries the learned odds (BullMQ's 0 = none)
    clock.t += Math.floor(firstWait / 2); // promoted early (by hand, say): it already waited once, so it polls now
    const next = await adaptive.step(waits);
    expect(simulator.taskState(waits)?.polls).toBe(1);
    // The next poll is placed by what was learned (inside the 20–30 s window), not by the back-off (1.1 s after this poll).
    const nextPollAt = next.kind === 'delayed' ? next.progress?.nextPollAt : undefined;
    expect(nextPollAt).toBeGreaterThan(clock.t + 1_100);
    expect(await priority(waits)).toBeGreaterThanOrEqual(1);
    clock.t = nextPollAt ?? clock.t;
    // The learned first poll is `firstWait` after tracking. A first run that starts closer to it than POLL_INITIAL_DELAY_MS / 10
    // (100 ms) polls at once: a re-delay would cost more than it saves; from 100 ms on it waits.
    for (const [early, expected] of [
      [99, { polls: 1, kind: 'delayed' }],
      [100, { polls: 0, delayMs: 100 }],
      [2_000, { polls: 0, delayMs: 2_000 }],
    ] as const) {
      const taskId = simulator.createTask();
      await adaptive.track({ taskId, kind: 'scan', submittedAt: new Date(clock.t).toISOString() }, { timestamp: clock.t });
      clock.t += firstWait - early;
      const outcome = await adaptive.step(taskId);
      expect({
        polls: simulator.taskState(taskId)?.polls,
        ...('delayMs' in expected ? { delayMs: delayOf(outcome) } : { kind: outcome.kind }),
      }).toEqual(expected);
    }

    const exponential = stepper(redis, { now: clock.now, learner, env: { POLL_STRATEGY: 'exponential' } });
    const polled = simulator.createTask();
    await exponential.track({ taskId: polled, kind: 'scan', submittedAt: new Date(clock.t).toISOString() }, { timestamp: clock.t });
    expect(delayOf(await exponential.step(polled))).toBe(nextPollDelay(1, exponential.config, () => 0.5));
    expect(simulator.taskState(polled)?.polls).toBe(1);
    const done = completedTask();
    await exponential.track({ taskId: done, kind: 'scan' });
    completed(await exponential.step(done));
    expect(exponential.logs.lines.filter((line) => line.includes('"level":"warn"'))).toEqual([]); // nothing to learn into, nothing failed
  });

  test('adaptive: a job placed at the learned first poll (firstPollAt) GETs at its first run; no priorities: its 1 cleared', async ({
    redis,
  }) => {
    const clock = manualClock();
    const learner = await taughtLearner(redis, clock.now, 'scan');
    const s = stepper(redis, { now: clock.now, learner, env: { POLL_STRATEGY: 'adaptive' } }); // priorities off (no ASPOSE_MAX_RPS)
    const placed = simulator.createTask();
    const submittedAt = new Date(clock.t).toISOString();
    await s.track({ taskId: placed, kind: 'scan', submittedAt, firstPollAt: clock.t + 20_000 }, { timestamp: clock.t, priority: 1 });
    clock.t += 20_000;
    const outcome = await s.step(placed);
    expect(simulator.taskState(placed)?.polls).toBe(1); // the first run IS the learned first poll: no second wait
    expect(outcome.kind === 'delayed' ? outcome.progress?.polls : undefined).toBe(1);
    expect(Number(await s.connection.hget(s.queue.toKey(placed), 'priority'))).toBe(0); // back to the wait list's way

    // The same job without firstPollAt (another language's producer): the first run only waits for the plan, as before.
    const unplaced = simulator.createTask();
    await s.track({ taskId: unplaced, kind: 'scan', submittedAt: new Date(clock.t).toISOString() }, { timestamp: clock.t });
    expect(delayOf(await s.step(unplaced))).toBeGreaterThan(5_000);
    expect(simulator.taskState(unplaced)?.polls).toBe(0);
  });

  test('a learner Redis cannot serve: the poll goes on the exponential back-off, and both failures are logged for the task', async ({
    redis,
  }) => {
    const clock = manualClock();
    const closed = new Redis(redis.url);
    await closed.quit(); // every command fails: "Connection is closed."
    const learner = createCompletionLearner(closed, redis.prefix, { minSamples: 2, refreshMs: 0, flushMs: 0, now: clock.now });
    const s = stepper(redis, { now: clock.now, learner, env: { POLL_STRATEGY: 'adaptive' } });
    const taskId = simulator.createTask();
    // Submitted 5 s ago: its "not yet" says it was pending for (0, 5 s], something to learn.
    await s.track({ taskId, kind: 'scan', submittedAt: new Date(clock.t - 5_000).toISOString() }, { timestamp: clock.t - 5_000 });
    expect(delayOf(await s.step(taskId))).toBe(nextPollDelay(1, s.config, () => 0.5));
    expect(simulator.taskState(taskId)?.polls).toBe(1);
    const warnings = logged(s).filter((l) => l.level === 'warn');
    expect(warnings.map((l) => [l.msg, l.taskId])).toEqual([
      ['could not read the learned completion times: exponential back-off for this poll', taskId],
      ['could not send learned completion times (kept for the next flush)', taskId],
    ]);
    for (const warning of warnings) expect(JSON.stringify(warning.err)).toMatch(/Connection is closed/);
  });
  test('what the learner is told: each "not yet" as pending since the last, the answer that ends it as done since then', async ({
    redis,
  }) => {
    const clock = manualClock();
    const told: unknown[] = [];
    // A learner that records what it is told (and knows too little to plan: the exponential back-off meanwhile).
    const learner = {
      estimate: async () => ({ usable: false }) as never,
      pending: async (kind: string | undefined, observation: unknown) => void told.push(['pending', kind, observation]),
      observe: async (kind: string | undefined, observation: unknown) => void told.push(['observe', kind, observation]),
    } as unknown as NonNullable<StepperOptions['learner']>;
    const s = stepper(redis, { now: clock.now, learner, env: { POLL_STRATEGY: 'adaptive' } });
    const submitted = clock.t - 5_000;
    const slow = simulator.createTask({ notReadyPolls: 2, outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] } });
    await s.track({ taskId: slow, kind: 'scan', submittedAt: new Date(submitted).toISOString() }, { timestamp: submitted });
    const quick = completedTask();
    await s.track({ taskId: quick, kind: 'scan', submittedAt: new Date(submitted).toISOString() }, { timestamp: submitted });
    expect((await s.step(slow)).kind).toBe('delayed'); // 5 s after submission: not yet
    completed(await s.step(quick)); // 5 s after submission: done at the first GET
    clock.t += 1_100;
    expect((await s.step(slow)).kind).toBe('delayed'); // 6.1 s: not yet
    clock.t += 2_000;
    completed(await s.step(slow)); // 8.1 s: done
    expect(told).toEqual([
      ['pending', 'scan', { fromMs: 0, toMs: 5_000 }],
      ['observe', 'scan', { afterMs: 0, atMostMs: 5_000 }],
      ['pending', 'scan', { fromMs: 5_000, toMs: 6_100 }],
      ['observe', 'scan', { afterMs: 6_100, atMostMs: 8_100 }],
    ]);
    // The detection lag bound: from the last "not yet" (or the submission) to the answer that found it done: 5 s and 2 s.
    const metrics = await s.metrics.registry.metrics();
    expect(metrics).toMatch(/regionwatch_detection_lag_seconds_sum 7\n/);
    expect(metrics).toMatch(/regionwatch_detection_lag_seconds_count 2\n/);
  });
  test('a cancel request (untrack) ends the task Cancelled at its next run, without a GET', async ({ redis }) => {
    const s = stepper(redis);
    const taskId = simulator.createTask();
    await s.track({ taskId, cancelRequestedAt: Date.parse('2026-11-29T07:00:00.000Z') });
    expect(completed(await s.step(taskId))).toEqual({ taskId, status: 'Cancelled' });
    expect(simulator.taskState(taskId)?.polls).toBe(0);
    expect((await s.records.read(taskId))?.body.status).toBe('Cancelled');
  });

  test('a failed last poll at the deadline ends the task Expired at once: nothing is retried past the deadline', async ({ redis }) => {
    const clock = manualClock();
    const aspose = {
      getDetectRegions: async () => Promise.reject(new AsposeTransientError('server-error', 'HTTP 500 from Aspose', { statusCode: 500 })),
      close: async () => {},
    };
    const s = stepper(redis, { now: clock.now, env: { TASK_DEADLINE_MS: '60000' }, aspose: aspose as never });
    const taskId = simulator.createTask();
    await s.track({ taskId, submittedAt: new Date(clock.t - 60_000).toISOString() });
    expect(completed(await s.step(taskId))).toEqual({ taskId, status: 'Expired' });
  });

  test('an answered poll is timed from the request to its answer (2.5 s on the injected clock)', async ({ redis }) => {
    const clock = manualClock();
    const aspose = {
      getDetectRegions: async () => {
        clock.t += 2_500;
        return { taskStatus: 'Pending' };
      },
      close: async () => {},
    };
    const s = stepper(redis, { now: clock.now, aspose: aspose as never });
    const taskId = simulator.createTask();
    await s.track({ taskId });
    expect((await s.step(taskId)).kind).toBe('delayed');
    expect(await s.metrics.registry.metrics()).toMatch(/regionwatch_poll_duration_seconds_sum 2\.5\n/);
  });

  test('an unreadable answer still records the time of the poll that got it (lastPollAt)', async ({ redis }) => {
    const clock = manualClock();
    const s = stepper(redis, { now: clock.now });
    const taskId = simulator.createTask({ rawBody: '{"taskStatus":"Exploded"}' });
    await s.track({ taskId });
    expect((await s.step(taskId)).kind).toBe('delayed');
    expect(await s.progress(taskId)).toMatchObject({ polls: 1, lastPollAt: clock.t, invalidAnswers: 1 });
  });
  test('an unusable token answer (no GET went out) counts no poll, is a transient failure and leaves lastPollAt where it was', async ({
    redis,
  }) => {
    // A token endpoint answering a body past the response limit: the poll fails before its GET is sent (an
    // AsposeAuthError: only a GET's answer can be an unreadable answer).
    const tokenServer = createServer((_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(`{"access_token":"${'x'.repeat(5 * 1024 * 1024)}"}`),
    );
    tokenServer.listen(0, '127.0.0.1');
    await once(tokenServer, 'listening');
    try {
      const clock = manualClock();
      const tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/connect/token`;
      const s = stepper(redis, { now: clock.now, env: { ASPOSE_TOKEN_URL: tokenUrl } });
      const taskId = simulator.createTask();
      await s.track({ taskId });
      expect((await s.step(taskId)).kind).toBe('delayed');
      const progress = await s.progress(taskId);
      expect(progress).toMatchObject({ polls: 0, transientErrors: 1 });
      expect(progress?.invalidAnswers ?? 0).toBe(0);
      expect(progress?.lastPollAt).toBeUndefined();
      expect(simulator.taskState(taskId)?.polls).toBe(0);
    } finally {
      tokenServer.close();
    }
  });
  test('with priorities on, a re-delay not planned from learned times writes no priority: the job keeps BullMQ’s 0', async ({ redis }) => {
    const s = stepper(redis, { priorities: true, env: { POLL_STRATEGY: 'adaptive' } }); // nothing learned: the back-off
    const taskId = simulator.createTask();
    await s.track({ taskId });
    expect(delayOf(await s.step(taskId))).toBe(nextPollDelay(1, s.config, () => 0.5));
    expect(await s.connection.hget(s.queue.toKey(taskId), 'priority')).toBe('0');
  });
});

import {
  AsposeAuthError,
  AsposePausedError,
  AsposePermanentError,
  AsposeTransientError,
  ConfigError,
  nextPollDelay,
  RateBudgetExhaustedError,
  RegionDecodeError,
  resultFromRecord,
  TOKEN_FAILURE_MEMORY_MS,
  type RegionResult,
} from '@regionwatch/core';
import { startSimulator, type Simulator } from '@regionwatch/simulator';
import { test } from '@regionwatch/testkit/vitest';
import { UnrecoverableError } from 'bullmq';
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
    let crashes = 1;
    const s = stepper(redis, {
      wrapHandOff: (handOff) =>
        (async (input) => {
          if (crashes-- > 0) throw new Error('killed mid-hand-off');
          return handOff(input);
        }) as HandOff,
    });
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
    expect(replicaA.logs.lines.some((line) => line.includes('the job is not ours any more'))).toBe(true);
    // Now B decides; a second late run of A (same stale token) can neither decide nor hand on.
    simulator.clearFaults();
    const taken = await replicaB.take(taskId);
    const late = await replicaA.run(taken.job, 'stale-token');
    expect(late.kind).toBe('delayed'); // refused: DelayedError leaves the job to its owner
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

import {
  AsposeAuthError,
  AsposePermanentError,
  AsposeTransientError,
  ConfigError,
  createAsposeClient,
  createLogger,
  loadWorkerConfig,
  nextPollDelay,
  pollJobDataSchema,
  RateBudgetExhaustedError,
  RegionDecodeError,
  type PollJobData,
  type RegionResult,
} from '@regionwatch/core';
import { startSimulator, type Simulator } from '@regionwatch/simulator';
import { DelayedError, UnrecoverableError } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { classifyPollFailure, createPollProcessor, Readiness, WorkerMetrics, type PollFailure } from '../src/index.js';
import { fakeJob, type RecordingJob } from './support/fake-job.js';

let simulator: Simulator;
beforeAll(async () => {
  simulator = await startSimulator({ pendingMs: 60_000 });
});
afterAll(() => simulator.close());
beforeEach(() => simulator.clearFaults());

function setup(env: Record<string, string> = {}, now?: () => number) {
  const config = loadWorkerConfig({
    ASPOSE_BASE_URL: simulator.url,
    ASPOSE_CLIENT_ID: simulator.credentials.clientId,
    ASPOSE_CLIENT_SECRET: simulator.credentials.clientSecret,
    POLL_INITIAL_DELAY_MS: '1000',
    POLL_MAX_DELAY_MS: '30000',
    ...env,
  });
  const handedOff: RegionResult[] = [];
  const readiness = new Readiness();
  const metrics = new WorkerMetrics({ defaultMetrics: false });
  const process = createPollProcessor({
    aspose: createAsposeClient(config),
    handOff: async (result) => {
      handedOff.push(result);
    },
    config,
    metrics,
    logger: createLogger({ level: 'silent' }),
    readiness,
    random: () => 0.5,
    ...(now ? { now } : {}),
  });
  /** Runs the processor once: the delay it chose (ms from now), or the result it returned. */
  const step = async (job: RecordingJob): Promise<{ delayMs: number } | { result: RegionResult }> => {
    const before = Date.now();
    try {
      return { result: await process(job, 'token') };
    } catch (error) {
      if (!(error instanceof DelayedError)) throw error;
      return { delayMs: (job.delayedUntil.at(-1) ?? 0) - before };
    }
  };
  return { config, process, step, handedOff, readiness, metrics };
}

const progressOf = (job: RecordingJob) => (job.data as PollJobData).progress;

describe('poll processor (step jobs)', () => {
  it('backs off exponentially while Pending and stops growing at the cap', async () => {
    const { step, config } = setup();
    const taskId = simulator.createTask();
    const job = fakeJob({ taskId, submittedAt: new Date().toISOString() });
    const delays: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const outcome = await step(job);
      expect(outcome).toHaveProperty('delayMs');
      delays.push((outcome as { delayMs: number }).delayMs);
    }
    const expected = [1, 2, 3, 4, 5, 6, 7, 8].map((polls) => nextPollDelay(polls, config, () => 0.5));
    expect(expected).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    delays.forEach((delay, i) => expect(Math.abs(delay - (expected[i] ?? 0))).toBeLessThan(50));
    expect(progressOf(job)).toMatchObject({
      polls: 8,
      transientErrors: 0,
      lastStatus: 'Pending',
      history: [{ status: 'Pending', count: 8 }],
    });
    expect(simulator.taskState(taskId)?.polls).toBe(8);
  });

  it('stores progress its own next run accepts even when the clock moves during a run', async () => {
    // A clock that ticks on every reading, as a busy event loop does between two Date.now() calls.
    let t = Date.now();
    const { step } = setup({ POLL_INITIAL_DELAY_MS: '1', POLL_MAX_DELAY_MS: '1' }, () => (t += 3));
    const job = fakeJob({ taskId: simulator.createTask() });
    for (let i = 0; i < 5; i += 1) expect(await step(job)).toHaveProperty('delayMs');
    expect(pollJobDataSchema.safeParse(job.data).success).toBe(true);
    expect(progressOf(job)?.nextDelayMs).toBeGreaterThanOrEqual(0);
    expect(progressOf(job)?.polls).toBe(5);
  });

  it('never schedules past the deadline, then ends Expired without a request', async () => {
    const { step } = setup({ TASK_DEADLINE_MS: '60000' });
    const taskId = simulator.createTask();
    const job = fakeJob({ taskId, submittedAt: new Date(Date.now() - 59_500).toISOString() });
    const first = await step(job);
    expect((first as { delayMs: number }).delayMs).toBeLessThanOrEqual(500);
    await new Promise((resolve) => setTimeout(resolve, 550));
    const second = await step(job);
    expect(second).toHaveProperty('result.status', 'Expired');
    expect(simulator.taskState(taskId)?.polls).toBe(1);
  });

  it('treats 429 as transient: Retry-After is the lower bound, counted apart from polls', async () => {
    const { step, metrics } = setup();
    const taskId = simulator.createTask();
    const job = fakeJob({ taskId });
    simulator.setFaults({ tooManyRequests: { rate: 1, retryAfterSeconds: 7 } });
    const outcome = await step(job);
    expect((outcome as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(6_990);
    expect(progressOf(job)).toMatchObject({ polls: 0, transientErrors: 1 });
    expect(progressOf(job)?.lastError).toMatch(/HTTP 429/);
    expect(await metrics.registry.getSingleMetricAsString('regionwatch_polls_total')).toMatch(/outcome="transient_error"} 1/);
  });

  it('treats 5xx, resets and timeouts as transient and never ends the task on them', async () => {
    const { step } = setup({ ASPOSE_TIMEOUT_MS: '200' });
    const taskId = simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed', rectangles: [[[1, 1, 2, 2]]] } });
    const job = fakeJob({ taskId });
    for (const faults of [{ serverErrorRate: 1 }, { resetRate: 1 }, { latency: { rate: 1, ms: 400 } }]) {
      simulator.setFaults(faults);
      expect(await step(job)).toHaveProperty('delayMs');
    }
    expect(progressOf(job)).toMatchObject({ polls: 0, transientErrors: 3 });
    simulator.clearFaults();
    const done = await step(job);
    expect(done).toHaveProperty('result.status', 'Completed');
    expect((done as { result: RegionResult }).result.polls).toBe(1);
  });

  it('keeps tasks waiting while the token endpoint is down, reports not-ready, and recovers', async () => {
    const { step, readiness } = setup();
    const taskId = simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'NotExist' } });
    const job = fakeJob({ taskId });
    simulator.setFaults({ tokenEndpointDown: true });
    expect(await step(job)).toHaveProperty('delayMs');
    expect(readiness.reasons(true).join()).toMatch(/aspose: token endpoint answered HTTP 503/);
    simulator.clearFaults();
    expect(await step(job)).toHaveProperty('result.status', 'NotExist');
    expect(readiness.reasons(true)).toEqual(['starting']);
  });

  it('keeps tasks waiting when the credentials are refused, and says why', async () => {
    const { step, readiness } = setup({ ASPOSE_CLIENT_SECRET: 'wrong' });
    const job = fakeJob({ taskId: simulator.createTask() });
    expect(await step(job)).toHaveProperty('delayMs');
    expect(readiness.reasons(true).join()).toMatch(/aspose: token endpoint refused the credentials \(HTTP 400, invalid_client\)/);
    expect(readiness.reasons(true).join()).not.toContain('wrong');
  });

  it('keeps tasks waiting when Aspose answers 404 (a wrong ASPOSE_BASE_URL), and says why', async () => {
    const { step, readiness } = setup({ ASPOSE_BASE_URL: `${simulator.url}/not-here`, ASPOSE_TOKEN_URL: simulator.tokenUrl });
    const job = fakeJob({ taskId: simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed' } }) });
    for (let i = 0; i < 5; i += 1) expect(await step(job)).toHaveProperty('delayMs');
    expect(progressOf(job)).toMatchObject({ polls: 0, transientErrors: 5 });
    expect(readiness.reasons(true).join()).toMatch(/aspose: Aspose answered HTTP 404/);
  });

  it('refreshes a revoked token once and carries on', async () => {
    const { step } = setup();
    const job = fakeJob({ taskId: simulator.createTask() });
    await step(job);
    const tokensBefore = simulator.counters().token;
    simulator.revokeTokens();
    expect(await step(job)).toHaveProperty('delayMs');
    expect(simulator.counters().token).toBe(tokensBefore + 1);
    expect(progressOf(job)).toMatchObject({ polls: 2, transientErrors: 0 });
  });

  it('fails job data that breaks the PollJob contract with an UnrecoverableError', async () => {
    const { process } = setup();
    for (const data of [
      {},
      { taskId: 42 },
      { taskId: 'ok-id', submittedAt: 'yesterday' },
      { taskId: 'ok-id', metadata: { n: 1 } },
      'not an object',
      null,
    ]) {
      const error = await process(fakeJob(data, { id: 'bad' }), 'token').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnrecoverableError);
      expect((error as Error).message).toMatch(/^invalid PollJob data \(/);
    }
  });

  it('a re-run after a crash mid-hand-off hands on the saved result without polling again', async () => {
    const { step, handedOff } = setup();
    const taskId = simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] } });
    const job = fakeJob({ taskId });
    const first = await step(job);
    const pollsAfterFirst = simulator.taskState(taskId)?.polls;
    const second = await step(job);
    expect(second).toEqual(first);
    expect(handedOff).toHaveLength(2);
    expect(handedOff[1]).toEqual(handedOff[0]);
    expect(simulator.taskState(taskId)?.polls).toBe(pollsAfterFirst);
  });
});

// How a failed poll is handled, as a table (the processor above applies it).
const ctx = { taskId: 't1' };
const auth = (retryAfterMs?: number): PollFailure => ({
  outcome: 'auth_error',
  readinessProblem: 'aspose',
  delay: { basis: 'transient-errors', retryAfterMs },
  answered: false,
});
const transient = (retryAfterMs?: number): PollFailure => ({
  outcome: 'transient_error',
  delay: { basis: 'transient-errors', retryAfterMs },
  answered: false,
});
const invalid = (answered: boolean): PollFailure => ({ outcome: 'invalid_response', delay: { basis: 'invalid-responses' }, answered });

describe('classifyPollFailure', () => {
  it.each<[string, unknown, PollFailure | undefined]>([
    [
      'our own rate budget spent',
      new RateBudgetExhaustedError({ max: 5, windowMs: 1_000 }, { ...ctx, retryAfterMs: 40 }),
      { outcome: 'rate_limited', delay: { basis: 'rate-budget', retryAfterMs: 40 }, answered: false },
    ],
    ['a network error', new AsposeTransientError('network', 'ECONNRESET', ctx), transient()],
    ['a timeout', new AsposeTransientError('timeout', 'no answer', ctx), transient()],
    ['a 5xx', new AsposeTransientError('server-error', 'HTTP 503', { ...ctx, statusCode: 503, retryAfterMs: 2_000 }), transient(2_000)],
    [
      'a 429 from Aspose',
      new AsposeTransientError('rate-limited', 'HTTP 429', { ...ctx, statusCode: 429, retryAfterMs: 7_000 }),
      transient(7_000),
    ],
    [
      'the token endpoint down',
      new AsposeTransientError('token-endpoint', 'HTTP 502', { statusCode: 502, retryAfterMs: 1_000 }),
      auth(1_000),
    ],
    ['refused credentials', new AsposeAuthError('refused', { statusCode: 401 }), auth()],
    ['another 4xx (a wrong ASPOSE_BASE_URL)', new AsposePermanentError('client-error', 'HTTP 404', { ...ctx, statusCode: 404 }), auth()],
    ['a 200 that is not JSON', new AsposePermanentError('invalid-body', 'not JSON', ctx), invalid(true)],
    ['a 200 that is not an OCRResponse', new AsposePermanentError('schema-mismatch', 'no taskStatus', ctx), invalid(true)],
    ['a 200 with an unknown status', new AsposePermanentError('unknown-status', 'Exploded', ctx), invalid(true)],
    [
      'an invalid body that came with a status',
      new AsposePermanentError('invalid-body', 'too large', { ...ctx, statusCode: 200 }),
      invalid(false),
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

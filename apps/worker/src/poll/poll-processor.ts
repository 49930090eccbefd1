import {
  deadlineAt,
  describeIssues,
  nextPollDelay,
  pollJobDataSchema,
  type AsposeClient,
  type Logger,
  type PollJobData,
  type PollProgress,
  type RegionResult,
  TERMINAL_TASK_STATUSES,
  type WorkerConfig,
} from '@regionwatch/core';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Readiness } from '../health/readiness.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import { classifyPollFailure } from './classify-poll-failure.js';
import { expiredResult, malformedResponseResult, resultFromResponse, type ResultContext } from './build-result.js';

/** Consecutive invalid answers tolerated (a proxy's error page can be a blip) before `Malformed`. */
export const MAX_INVALID_RESPONSES = 3;

export type PollProcessorDeps = {
  aspose: Pick<AsposeClient, 'getDetectRegions'>;
  /** Hands the result on (results queue and/or webhook), idempotently. */
  handOff: (result: RegionResult, job: PollJobData) => Promise<void>;
  config: Pick<WorkerConfig, 'POLL_INITIAL_DELAY_MS' | 'POLL_MAX_DELAY_MS' | 'TASK_DEADLINE_MS'>;
  metrics: WorkerMetrics;
  logger: Logger;
  readiness: Readiness;
  now?: () => number;
  random?: () => number;
};

const NO_PROGRESS: PollProgress = { polls: 0, transientErrors: 0, invalidResponses: 0, history: [] };

/**
 * Processor for `regions-poll` (step-job pattern): one GET per run. Not yet terminal → progress
 * saved in `job.data`, job moved back to delayed, `DelayedError`. Terminal → result handed on and
 * returned as the job's return value. Never sleeps.
 */
export function createPollProcessor(deps: PollProcessorDeps) {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;

  return async function processPoll(job: Job<unknown, RegionResult>, token?: string): Promise<RegionResult> {
    const parsed = pollJobDataSchema.safeParse(job.data);
    if (!parsed.success) {
      const why = describeIssues(parsed.error, 'data');
      deps.logger.error({ jobId: job.id, why }, 'poll job data does not match the PollJob contract; failing the job');
      throw new UnrecoverableError(`invalid PollJob data (${why})`);
    }
    const data = parsed.data;
    // Bindings per call, not logger.child() per job: a child logger per poll showed up in the CPU profile.
    const taskId = data.taskId;
    const log = {
      info: (fields: Record<string, unknown>, message: string) => deps.logger.info({ taskId, ...fields }, message),
      warn: (fields: Record<string, unknown>, message: string) => deps.logger.warn({ taskId, ...fields }, message),
      error: (fields: Record<string, unknown>, message: string) => deps.logger.error({ taskId, ...fields }, message),
    };
    // A run after a crash that happened mid-hand-off: hand on the same result again (idempotent).
    if (data.result) {
      await deps.handOff(data.result, data);
      return data.result;
    }

    const progress = data.progress ?? NO_PROGRESS;
    const submittedAt = data.submittedAt ?? new Date(job.timestamp).toISOString();
    const deadline = deadlineAt(submittedAt, deps.config);
    const context = (polls: number): ResultContext => ({ job: data, submittedAt, polls, finishedAt: new Date(now()) });

    if (now() >= deadline) {
      return finish(expiredResult(context(progress.polls), deps.config.TASK_DEADLINE_MS, progress.lastStatus));
    }

    const started = now();
    try {
      const response = await deps.aspose.getDetectRegions(data.taskId);
      deps.metrics.pollDuration.observe((now() - started) / 1000);
      if (deps.readiness.setProblem('aspose', undefined)) log.info({}, 'Aspose accepts our requests again');
      const polls = progress.polls + 1;
      const status = response.taskStatus;
      deps.metrics.polls.inc({ outcome: status.toLowerCase() });
      if (TERMINAL_TASK_STATUSES.has(status))
        return finish(resultFromResponse(response, context(polls)), appendHistory(progress.history, status));

      if (status !== progress.lastStatus) log.info({ status, polls }, 'task status changed');
      const next = {
        ...progress,
        polls,
        invalidResponses: 0,
        lastStatus: status,
        lastError: undefined,
        history: appendHistory(progress.history, status),
      };
      return reschedule(next, nextPollDelay(polls, deps.config, random));
    } catch (error) {
      const failure = classifyPollFailure(error);
      if (!failure) throw error; // unexpected: BullMQ's attempts/backoff budget applies
      deps.metrics.polls.inc({ outcome: failure.outcome });
      const { delay } = failure;
      if (delay.basis === 'rate-budget') {
        // No request went out: come back when a slot frees (a little jitter so the waiting jobs do
        // not all return in the same millisecond). The task's own progress is untouched.
        return reschedule(progress, delay.retryAfterMs + Math.round(random() * 50));
      }
      deps.metrics.pollDuration.observe((now() - started) / 1000);
      const { message, reason, statusCode } = error as { message: string; reason?: string; statusCode?: number };
      if (failure.readinessProblem && deps.readiness.setProblem(failure.readinessProblem, message))
        log.error({ err: error }, 'Aspose refuses our requests: tasks wait until it works again');
      const polls = failure.answered ? progress.polls + 1 : progress.polls;
      if (delay.basis === 'transient-errors') {
        if (!failure.readinessProblem) log.warn({ reason, statusCode, retryAfterMs: delay.retryAfterMs }, message);
        const transientErrors = progress.transientErrors + 1;
        const next = { ...progress, polls, transientErrors, lastError: message };
        return reschedule(next, nextPollDelay(transientErrors, deps.config, random, delay.retryAfterMs));
      }
      const invalidResponses = progress.invalidResponses + 1;
      log.warn({ reason, invalidResponses }, message);
      if (invalidResponses >= MAX_INVALID_RESPONSES) {
        const last = `${MAX_INVALID_RESPONSES} consecutive invalid answers from Aspose; last: ${message}`;
        return finish(malformedResponseResult(context(polls), [last]));
      }
      const next = { ...progress, polls, invalidResponses, lastError: message };
      return reschedule(next, nextPollDelay(invalidResponses, deps.config, random));
    }

    async function reschedule(next: PollProgress, delayMs: number): Promise<never> {
      // One reading of the clock: the delay stored must be the one scheduled (never negative).
      const at0 = now();
      // Never schedule past the deadline: the run at the deadline ends the task `Expired` on time.
      const at = Math.min(at0 + delayMs, Math.max(deadline, at0));
      await job.updateData({ ...data, progress: { ...next, nextDelayMs: at - at0, nextPollAt: at } });
      await job.moveToDelayed(at, token);
      throw new DelayedError();
    }

    async function finish(result: RegionResult, history = progress.history): Promise<RegionResult> {
      // Save the decision first: if we crash during the hand-off, the next run repeats it exactly.
      const finalProgress = {
        ...progress,
        polls: result.polls,
        lastStatus: result.status,
        history,
        nextPollAt: undefined,
        nextDelayMs: undefined,
      };
      const finalData: PollJobData = { ...data, progress: finalProgress, result };
      await job.updateData(finalData);
      await deps.handOff(result, finalData);
      deps.metrics.tasksFinished.inc({ status: result.status });
      deps.metrics.timeToResult.observe(Math.max(0, Date.parse(result.finishedAt) - Date.parse(result.submittedAt)) / 1000);
      log.info({ status: result.status, polls: result.polls, regionCount: result.regions.length, errors: result.errors }, 'task finished');
      return result;
    }
  };
}

/** Statuses seen, collapsed: Pending, Pending, Processing → [Pending×2, Processing×1]. */
function appendHistory(history: PollProgress['history'], status: string): PollProgress['history'] {
  const last = history.at(-1);
  if (last?.status === status) return [...history.slice(0, -1), { status, count: last.count + 1 }];
  return [...history, { status, count: 1 }];
}

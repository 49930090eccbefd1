import {
  agedPriority,
  agingPromotionsFor,
  appendHistory,
  deadlineAt,
  describeIssues,
  nextPollDelay,
  NO_PROGRESS,
  planNextPoll,
  pollJobDataSchema,
  readProgress,
  recordBodyFor,
  resultFromRecord,
  truncateText,
  type AsposeClient,
  type CompletionEstimate,
  type CompletionLearner,
  type Destinations,
  type Logger,
  type PollProgress,
  type RegionResult,
  type SharedPause,
  type StatusHistory,
  type TaskRecord,
  type TaskRecordStore,
  TERMINAL_TASK_STATUSES,
  type WorkerConfig,
  withExtraWebhooks,
} from '@regionwatch/core';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { HandOff } from '../delivery/hand-off.js';
import type { UpstreamHealth } from '../health/upstream-health.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';
import { classifyPollFailure } from './classify-poll-failure.js';
import { cancelledResult, expiredResult, malformedResponseResult, resultFromResponse, type ResultContext } from './build-result.js';
import type { RescheduleJob } from './reschedule-job.js';

export type PollProcessorDeps = {
  aspose: Pick<AsposeClient, 'getDetectRegions'>;
  /** Task records: read at a chain's first run, written once when the task is decided. */
  records: Pick<TaskRecordStore, 'read' | 'decide'>;
  /** Re-delays the job with its progress, lock-checked (see `rescheduleJobIn`). */
  reschedule: RescheduleJob;
  /** Hands a decided result on (results queue, webhooks), idempotently. */
  handOff: HandOff;
  /** Where a throttled account's pause is shared with every replica (absent: this replica's tasks back off alone). */
  pause?: Pick<SharedPause, 'pause'> | undefined;
  upstream: UpstreamHealth;
  config: Pick<
    WorkerConfig,
    | 'POLL_INITIAL_DELAY_MS'
    | 'POLL_MAX_DELAY_MS'
    | 'TASK_DEADLINE_MS'
    | 'ASPOSE_INVALID_GRACE_MS'
    | 'RESULTS_QUEUE'
    | 'WEBHOOK_URL'
    | 'POLL_STRATEGY'
    | 'POLL_LAG_PER_POLL_MS'
    | 'ASPOSE_MAX_RPS'
    | 'POLL_SHARDS'
  >;
  /**
   * Adaptive polling (POLL_STRATEGY=adaptive): what the processor learns completion times into and
   * plans from. Absent, or POLL_STRATEGY=exponential: the exponential back-off, nothing learned.
   */
  learner?: Pick<CompletionLearner, 'estimate' | 'pending' | 'observe'> | undefined;
  /**
   * Set BullMQ's promotion priority at each learned re-delay (likeliest-done first). Only worth it when
   * ASPOSE_MAX_RPS binds: a prioritized job costs BullMQ two more commands per poll (its priority counter,
   * the prioritized set) than one in the wait list.
   */
  priorities?: boolean;
  metrics: WorkerMetrics;
  logger: Logger;
  now?: () => number;
  random?: () => number;
};

/** What a poll job completes with (its result lives in the task record and the hand-off's jobs). */
export type PollReturn = { taskId: string; status: RegionResult['status'] } | { taskId: string; duplicateOf: string };

/** A poll held back by the rate budget may wait for a slot this long past the deadline for its last GET. */
export const LAST_POLL_GRACE_MS = 60_000;

/** A hand-off waiting for an older result's job to be released is repeated after this long. */
export const HAND_OFF_RETRY_MS = 5_000;

/** Statuses that end a task at Aspose: a completion time the learner can use (NotExist says nothing about it). */
const FINISHED_AT_ASPOSE: ReadonlySet<string> = new Set(['Completed', 'Error']);

/**
 * Processor for `regions-poll` (step-job pattern): one GET per run. Not yet terminal → the job goes
 * back to delayed with its progress in the same lock-checked step, then `DelayedError`. Terminal →
 * the decision is written to the task record (lock-checked, once), handed on, and the job completes
 * (and is removed: the record is the duplicate window). Never sleeps.
 */
export function createPollProcessor(deps: PollProcessorDeps) {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const grace = deps.config.ASPOSE_INVALID_GRACE_MS;
  const learner = deps.config.POLL_STRATEGY === 'adaptive' ? deps.learner : undefined;
  // A learned first poll this close to now is made now: a re-delay would cost more than it saves.
  const firstPollSlackMs = Math.max(1, deps.config.POLL_INITIAL_DELAY_MS / 10);
  // Priorities age (see agedPriority): with the cap binding, a due poll waits behind likelier ones for at most
  // about POLL_LAG_PER_POLL_MS — the lag the cost model values one poll at (docs/adaptive-polling.md, measured).
  // Priorities order one queue: with POLL_SHARDS queues, each is promoted at its share of the cap.
  const agingPromotions = agingPromotionsFor((deps.config.ASPOSE_MAX_RPS ?? 1) / deps.config.POLL_SHARDS, deps.config.POLL_LAG_PER_POLL_MS);

  return async function processPoll(job: Job<unknown, PollReturn>, token?: string): Promise<PollReturn> {
    if (token === undefined) throw new Error('the poll processor needs the job lock token (BullMQ passes it to every processor)');
    deps.metrics.pollRuns.inc();
    const parsed = pollJobDataSchema.safeParse(job.data);
    if (!parsed.success) {
      const why = describeIssues(parsed.error, 'data');
      deps.logger.error({ jobId: job.id, why }, 'poll job data does not match the PollJob contract; failing the job');
      throw new UnrecoverableError(`invalid PollJob data (${why})`);
    }
    const data = parsed.data;
    const taskId = data.taskId;
    if (job.id !== taskId) {
      // A job under another id would fill that id's results slot with this task's result, or the reverse.
      const shown = JSON.stringify(truncateText(String(job.id), 140));
      const why = `job id ${shown} is not its taskId ${taskId}: add poll jobs with jobId = taskId`;
      deps.logger.error({ jobId: job.id, taskId }, why);
      throw new UnrecoverableError(`invalid PollJob (${why})`);
    }
    // Bindings per call, not logger.child() per job: a child logger per poll showed up in the CPU profile.
    const log = {
      info: (fields: Record<string, unknown>, message: string) => deps.logger.info({ taskId, ...fields }, message),
      warn: (fields: Record<string, unknown>, message: string) => deps.logger.warn({ taskId, ...fields }, message),
    };
    // A chain is one poll job's life; another producer's job (no trackingId) is named by its creation time.
    const chain = data.trackingId ?? `t${job.timestamp}`;
    const stored = readProgress(job.progress);
    let progress: PollProgress = stored ?? NO_PROGRESS;

    // The first run of a chain, or one after the decision: is there a record? (Other runs never read it.)
    if (!stored || stored.phase === 'decided') {
      const record = await deps.records.read(taskId);
      if (record?.chain === chain) return handOn(record, undefined); // a crash came mid-hand-off: repeat it
      if (record) {
        // Another chain decided this task within its record's TTL: this job is a duplicate added without
        // checking (e.g. by a producer in another language). Nothing to poll or deliver.
        log.info(
          { decidedBy: record.chain, status: record.body.status },
          'task already decided: duplicate poll job completed without polling',
        );
        return { taskId, duplicateOf: record.chain };
      }
      if (stored?.phase === 'decided') {
        log.warn({}, 'the task record is gone (expired or removed by hand) before the hand-off finished: polling again');
        progress = { ...stored, phase: undefined };
      }
    }

    const submittedAt = data.submittedAt ?? new Date(job.timestamp).toISOString();
    const deadline = deadlineAt(submittedAt, deps.config);
    const context = (polls: number): ResultContext => ({ job: data, submittedAt, polls, finishedAt: new Date(now()) });
    // The producer's `untrack` asked to stop: end the task through the normal decision (no GET).
    if (data.cancelRequestedAt !== undefined) {
      return decide(cancelledResult(context(progress.polls), data.cancelRequestedAt), progress.history);
    }
    const started = now();
    // At the deadline one last GET decides between the task's status and `Expired`: a task that
    // finished at Aspose while we were catching up must not be reported Expired.
    const lastPoll = started >= deadline;
    const submittedMs = Date.parse(submittedAt);
    // The task's age at its last "not yet" (0 before the first): what it is known to have been pending for.
    const pendingForMs = progress.lastPollAt === undefined ? 0 : Math.max(0, progress.lastPollAt - submittedMs);
    // Adaptive: the learned estimate for the task's kind (cached by the learner: no Redis command per poll).
    const estimate = learner ? await estimateFor(data.kind) : undefined;
    if (estimate && !lastPoll && progress.polls === 0 && progress.nextPollAt === undefined && data.firstPollAt === undefined) {
      // The producer delayed the first run by POLL_INITIAL_DELAY_MS; the learned first poll may be later:
      // wait for it without a GET (once: a stored nextPollAt means this chain already waited). A producer that placed
      // the job at the learned first poll itself says so (firstPollAt): this run is that poll.
      const plan = planNextPoll({
        config: deps.config,
        estimate,
        submittedAt: submittedMs,
        trackedAt: job.timestamp,
        polls: 0,
        now: started,
        random,
      });
      if (plan.at - started >= firstPollSlackMs) {
        deps.metrics.firstPollWaits.inc();
        return reschedule(progress, plan.at - started, { priority: plan.priority });
      }
    }

    // `polls` counts the GET requests made for the task (the contract's words): each one that went out,
    // whatever came back; not the polls held back by the rate budget or a failed token request.
    let sent = 0;
    const onSend = () => {
      sent += 1;
    };
    try {
      const response = await deps.aspose.getDetectRegions(taskId, { onSend });
      const answeredAt = now();
      deps.metrics.pollDuration.observe((answeredAt - started) / 1000);
      deps.upstream.answered();
      const polls = progress.polls + sent;
      const status = response.taskStatus;
      deps.metrics.polls.inc({ outcome: status.toLowerCase() });
      const history = appendHistory(progress.history, status);
      if (TERMINAL_TASK_STATUSES.has(status)) {
        const finished = FINISHED_AT_ASPOSE.has(status) ? () => learnFinished(answeredAt) : undefined;
        return decide(resultFromResponse(response, context(polls)), history, finished);
      }
      // Known pending from the last "not yet" until this GET went out (an expired task is censored: no completion).
      await learn(() => learner?.pending(data.kind, { fromMs: pendingForMs, toMs: started - submittedMs }));
      if (lastPoll) return decide(expiredResult(context(polls), deps.config.TASK_DEADLINE_MS, status), history);
      if (status !== progress.lastStatus) log.info({ status, polls }, 'task status changed');
      const next: PollProgress = {
        ...progress,
        polls,
        lastPollAt: started,
        lastStatus: status,
        lastError: undefined,
        invalidSince: undefined,
        invalidAnswers: undefined,
        history,
      };
      if (estimate) {
        const plan = planNextPoll({
          config: deps.config,
          estimate,
          submittedAt: submittedMs,
          trackedAt: job.timestamp,
          polls,
          lastPollAt: started,
          now: now(),
          random,
        });
        return reschedule(next, 0, { at: plan.at, priority: plan.priority });
      }
      return reschedule(next, nextPollDelay(polls, deps.config, random));
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      const failure = classifyPollFailure(error);
      if (!failure) throw error; // unexpected: BullMQ's attempts/backoff budget applies
      deps.metrics.polls.inc({ outcome: failure.outcome });
      const { delay } = failure;
      if (delay.basis === 'held-back') {
        // No request went out. At the deadline, wait a little for a budget slot to make the last GET;
        // not for a throttled account's pause (that can last an hour).
        if (lastPoll && (delay.reason === 'paused' || started - deadline > LAST_POLL_GRACE_MS)) {
          return decide(expiredResult(context(progress.polls), deps.config.TASK_DEADLINE_MS, progress.lastStatus), progress.history);
        }
        return reschedule(progress, heldBackDelay(delay.retryAfterMs), { pastDeadline: lastPoll });
      }
      deps.metrics.pollDuration.observe((now() - started) / 1000);
      const { reason, statusCode } = error as { reason?: string; statusCode?: number };
      const message = truncateText((error as Error).message);
      if (failure.pauseMs !== undefined) await pauseEveryone(failure.pauseMs);
      if (failure.problem) deps.upstream.failed(failure.problem.reason, failure.problem.scope, taskId, message, error);
      const polls = progress.polls + sent;
      if (lastPoll) return decide(expiredResult(context(polls), deps.config.TASK_DEADLINE_MS, progress.lastStatus), progress.history);

      if (delay.basis === 'transient-errors') {
        if (!failure.problem) log.warn({ reason, statusCode, retryAfterMs: delay.retryAfterMs }, message);
        const transientErrors = progress.transientErrors + 1;
        const next = { ...progress, polls, transientErrors, lastError: message };
        const wait =
          failure.pauseMs === undefined
            ? nextPollDelay(transientErrors, deps.config, random, delay.retryAfterMs)
            : Math.max(heldBackDelay(failure.pauseMs), deps.config.POLL_INITIAL_DELAY_MS);
        return reschedule(next, wait);
      }

      // An answer we cannot read: a transient upstream fault, on the task's normal back-off, until
      // such answers have lasted ASPOSE_INVALID_GRACE_MS.
      const invalidSince = progress.invalidSince ?? started;
      const invalidAnswers = (progress.invalidAnswers ?? 0) + 1;
      if (started - invalidSince >= grace) {
        const why =
          `Aspose answered ${invalidAnswers} unreadable bodies over ${started - invalidSince} ms ` +
          `(ASPOSE_INVALID_GRACE_MS is ${grace}); last: ${message}`;
        return decide(malformedResponseResult(context(polls), [why]), progress.history);
      }
      const next = {
        ...progress,
        polls,
        lastPollAt: sent > 0 ? started : progress.lastPollAt,
        invalidSince,
        invalidAnswers,
        lastError: message,
      };
      return reschedule(next, nextPollDelay(polls, deps.config, random));
    }

    /** A held-back poll comes back when the wait ends, plus jitter: the waiting tasks must not all return at once. */
    function heldBackDelay(waitMs: number): number {
      return Math.ceil(waitMs + random() * Math.max(50, Math.min(waitMs / 2, 30_000)));
    }

    async function pauseEveryone(ms: number): Promise<void> {
      try {
        await deps.pause?.pause(ms);
      } catch (error) {
        log.warn({ err: error }, 'could not share the pause Aspose asked for (Redis); this task backs off alone');
      }
    }

    /**
     * `at`: an absolute time instead of `delayMs` (a learned plan). `priority`: BullMQ's promotion
     * priority, when priorities are on; otherwise the job's stays as it was (held-back and failed
     * polls keep the odds of their last plan).
     */
    async function reschedule(
      next: PollProgress,
      delayMs: number,
      options: { pastDeadline?: boolean; at?: number; priority?: number } = {},
    ): Promise<never> {
      // One reading of the clock: the delay stored must be the one scheduled (never negative).
      const at0 = now();
      const due = options.at === undefined ? at0 + delayMs : Math.max(at0, options.at);
      // Never schedule past the deadline (the run at the deadline makes the last poll), except a
      // last poll held back by the rate budget.
      const at = options.pastDeadline ? due : Math.min(due, Math.max(deadline, at0));
      const stored = { ...next, nextDelayMs: at - at0, nextPollAt: at };
      if (!(await deps.reschedule(job, token as string, at0, at - at0, stored, priorityToWrite(options.priority)))) lockLost('re-delay');
      throw new DelayedError();
    }

    /** The priority a re-delay writes (`planned`: the plan's, if any); undefined leaves the job's as it is. */
    function priorityToWrite(planned: number | undefined): number | undefined {
      // Priorities off (no ASPOSE_MAX_RPS): a priority the producer gave a learned first poll is cleared, so the job's
      // later polls go through the wait list (cheaper for BullMQ than the prioritized set).
      if (!deps.priorities) return job.priority > 0 ? 0 : undefined;
      if (planned === undefined) return undefined;
      return agedPriority(planned, agingPromotions);
    }

    async function estimateFor(kind: string | undefined): Promise<CompletionEstimate | undefined> {
      try {
        const learned = await learner?.estimate(kind);
        return learned?.usable ? learned : undefined;
      } catch (error) {
        // Redis could not be read: this poll goes on the exponential back-off (the next read retries).
        log.warn({ err: error }, 'could not read the learned completion times: exponential back-off for this poll');
        return undefined;
      }
    }

    /** A learner call; one Redis refused stays in the learner's batch for its next flush, and the poll goes on. */
    async function learn(call: () => Promise<unknown> | undefined): Promise<void> {
      try {
        await call();
      } catch (error) {
        log.warn({ err: error }, 'could not send learned completion times (kept for the next flush)');
      }
    }

    /** Once per task, when its decision is written: the completion interval, polls per task and the lag bound. */
    async function learnFinished(answeredAt: number): Promise<void> {
      const previous = progress.lastPollAt ?? submittedMs;
      deps.metrics.detectionLag.observe(Math.max(0, answeredAt - previous) / 1000);
      await learn(() => learner?.observe(data.kind, { afterMs: pendingForMs, atMostMs: Math.max(0, answeredAt - submittedMs) }));
    }

    function lockLost(step: string): never {
      // A stalled run of ours: another replica took the job over and goes on; leave the job alone
      // (DelayedError tells BullMQ the processor already moved it).
      log.warn({ step }, 'the job is not ours any more (lock lost after a stall): leaving it to its new owner');
      throw new DelayedError();
    }

    async function decide(result: RegionResult, history: StatusHistory, finished?: () => Promise<void>): Promise<PollReturn> {
      const destinations: Destinations = {
        results: deps.config.RESULTS_QUEUE === '' ? null : deps.config.RESULTS_QUEUE,
        webhooks: [data.webhookUrl ?? deps.config.WEBHOOK_URL].filter((url): url is string => url !== undefined),
      };
      const body = recordBodyFor(result, history, destinations);
      const decided: PollProgress = {
        ...progress,
        polls: result.polls,
        lastStatus: result.status,
        history,
        phase: 'decided',
        nextPollAt: undefined,
        nextDelayMs: undefined,
      };
      const outcome = await deps.records.decide({ taskId, token: token as string, chain, body, progressJson: JSON.stringify(decided) });
      switch (outcome.kind) {
        case 'lock-lost':
          return lockLost('decide');
        case 'other-chain':
          log.info({ decidedBy: outcome.chain }, 'task already decided by another poll job: this one completes without delivering');
          return { taskId, duplicateOf: outcome.chain };
        case 'already-decided':
          progress = decided;
          return handOn(outcome.record, undefined);
        case 'written':
          progress = decided;
          deps.metrics.tasksFinished.inc({ status: result.status });
          deps.metrics.pollsPerTask.observe(result.polls);
          await finished?.();
          return handOn(
            { chain, body: { ...body, destinations: withExtraWebhooks(destinations, outcome.extraWebhooks) }, handed: new Set() },
            result,
          );
      }
    }

    async function handOn(record: TaskRecord, fresh: RegionResult | undefined): Promise<PollReturn> {
      const result = fresh ?? resultFromRecord(taskId, record.body);
      const outcome = await deps.handOff({ result, chain, destinations: record.body.destinations, handed: record.handed });
      if (!outcome.complete) {
        log.warn({ waitingFor: outcome.waitingFor }, 'hand-off waits for an earlier result of this task to be released');
        return reschedule({ ...progress, phase: 'decided' }, HAND_OFF_RETRY_MS, { pastDeadline: true });
      }
      deps.metrics.timeToResult.observe(Math.max(0, Date.parse(result.finishedAt) - Date.parse(result.submittedAt)) / 1000);
      log.info(
        {
          status: result.status,
          polls: result.polls,
          regionCount: result.regions.length,
          errors: result.errors.slice(0, 3),
          ...(result.errors.length > 3 ? { moreErrors: result.errors.length - 3 } : {}),
        },
        'task finished',
      );
      return { taskId, status: result.status };
    }
  };
}

import {
  pollJobDataSchema,
  readProgress,
  redactUrl,
  redactUrlsDeep,
  regionResultSchema,
  resultFromRecord,
  webhookDeliveryStateSchema,
  webhookJobSchema,
  POLL_QUEUE,
  type RegionResult,
  type TaskRecord,
} from '@regionwatch/core';
import type { Job } from 'bullmq';
import { TaskNotFoundError } from '../errors/task-not-found-error.js';
import type { DashboardQueues } from '../queues/dashboard-queues.js';
import { isoOrNull, summariseJob } from './job-summary.js';
import { parseTaskId } from './parse-task-id.js';
import type { DeliveryReceiptView, DeliveryStateView, PollJobView, TaskView, WebhookDeliveryView } from './task-view.js';

/**
 * Reads everything about one task from the three queues (job id = task id everywhere) and its task
 * record, with every URL redacted (core's redactUrl). Throws `InvalidTaskIdError` for an id that
 * cannot be a task id and `TaskNotFoundError` when neither a queue nor a record holds it.
 */
export async function lookupTask(queues: DashboardQueues, rawTaskId: string, boardBasePath: string): Promise<TaskView> {
  const taskId = parseTaskId(rawTaskId);
  const [pollJob, resultJob, webhookJob, record] = await Promise.all([
    queues.pollOf(taskId).getJob(taskId),
    queues.results?.getJob(taskId),
    queues.webhooksOf(taskId).getJob(taskId),
    queues.records.read(taskId),
  ]);
  if (!pollJob && !resultJob && !webhookJob && !record) throw new TaskNotFoundError(taskId);

  const [poll, resultSummary, webhook] = await Promise.all([
    pollJob
      ? describePollJob(pollJob, boardBasePath, queues.boardName(queues.pollOf(taskId)))
      : record
        ? describeDecidedTask(taskId, record)
        : null,
    resultJob ? summariseJob(resultJob, boardBasePath) : null,
    webhookJob ? describeWebhookJob(webhookJob, boardBasePath, queues.boardName(queues.webhooksOf(taskId))) : null,
  ]);
  // Everything here comes from other services (producers' metadata, Aspose's messages, receivers'
  // failures): any URL in any field is redacted, as in Bull Board's views.
  return redactUrlsDeep({
    taskId,
    poll,
    // The task record holds the decided result for 25 h (the poll job is removed when it completes);
    // the results queue's job is a copy, kept until consumed (and an hour after).
    result: record ? resultFromRecord(taskId, record.body) : firstResult(resultJob?.data),
    resultsQueue: { enabled: queues.results !== undefined, name: queues.results?.name ?? null, job: resultSummary },
    webhook,
    checkedAt: new Date().toISOString(),
  });
}

async function describePollJob(job: Job, boardBasePath: string, boardName: string): Promise<PollJobView> {
  const summary = await summariseJob(job, boardBasePath, boardName);
  const parsed = pollJobDataSchema.safeParse(job.data);
  // A producer in another language may store data the worker will refuse; show what is there.
  const data = parsed.success ? parsed.data : undefined;
  // Progress lives in the job's own `progress` field, written only by the worker (never in data).
  const progress = readProgress(job.progress);
  return {
    ...summary,
    submittedAt: data?.submittedAt ?? null,
    webhookUrl: data?.webhookUrl === undefined ? null : redactUrl(data.webhookUrl),
    metadata: data?.metadata ?? {},
    progress: {
      polls: progress?.polls ?? 0,
      transientErrors: progress?.transientErrors ?? 0,
      invalidResponses: progress?.invalidAnswers ?? 0,
      lastStatus: progress?.lastStatus ?? null,
      lastError: progress?.lastError ?? null,
      history: progress?.history ?? [],
      nextPollAt: isoOrNull(progress?.nextPollAt),
      nextDelayMs: progress?.nextDelayMs ?? null,
    },
    dataProblem: parsed.success
      ? null
      : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'data'}: ${issue.message}`).join('; '),
  };
}

/**
 * A decided task whose poll job completed (and was removed at once: its record stands for it). Shown as
 * the completed poll job it was, from the record: polls, history, metadata and the webhook it went to.
 */
function describeDecidedTask(taskId: string, record: TaskRecord): PollJobView {
  const { body } = record;
  const webhookUrl = body.destinations.webhooks[0];
  return {
    queue: POLL_QUEUE,
    jobId: taskId,
    state: 'completed',
    boardPath: null, // removed from the poll queue when it completed: Bull Board has no page for it
    attemptsMade: 0,
    failedReason: null,
    createdAt: body.submittedAt,
    finishedAt: body.finishedAt,
    submittedAt: body.submittedAt,
    webhookUrl: webhookUrl === undefined ? null : redactUrl(webhookUrl),
    metadata: body.metadata ?? {},
    progress: {
      polls: body.polls,
      transientErrors: 0,
      invalidResponses: 0,
      lastStatus: body.status,
      lastError: null,
      history: body.history ?? [],
      nextPollAt: null,
      nextDelayMs: null,
    },
    dataProblem: null,
  };
}

async function describeWebhookJob(job: Job, boardBasePath: string, boardName: string): Promise<WebhookDeliveryView> {
  const summary = await summariseJob(job, boardBasePath, boardName);
  const parsed = webhookJobSchema.safeParse(job.data);
  const state = webhookDeliveryStateSchema.safeParse(job.progress);
  const delivery = state.success ? state.data : undefined;
  return {
    ...summary,
    url: parsed.success ? redactUrl(parsed.data.url) : null,
    eventType: parsed.success ? parsed.data.event.type : null,
    maxAttempts: delivery ? delivery.plannedRetries + 1 : (job.opts.attempts ?? 1),
    delivery: delivery ? describeDelivery(delivery) : null,
    deadLetter: summary.state === 'failed',
    receipt: asReceipt(job.returnvalue),
  };
}

function describeDelivery(d: NonNullable<ReturnType<typeof webhookDeliveryStateSchema.safeParse>['data']>): DeliveryStateView {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    endpoint: redactUrl(d.endpoint),
    attempts: d.attempts,
    lastAttemptAt: d.lastAttemptAt === undefined ? null : iso(d.lastAttemptAt),
    lastResult: d.lastResult ?? null,
    nextAttemptAt: d.nextAttemptAt === undefined || d.ended ? null : iso(d.nextAttemptAt),
    held: d.held && !d.ended ? { since: iso(d.held.since), reason: d.held.reason } : null,
    givesUpAt: iso(d.deadlineAt),
    ended: d.ended ? { at: iso(d.ended.at), reason: d.ended.reason, message: d.ended.message } : null,
    replays: d.replays ?? 0,
  };
}

function firstResult(...candidates: unknown[]): RegionResult | null {
  for (const candidate of candidates) {
    const parsed = regionResultSchema.safeParse(candidate);
    if (parsed.success) return parsed.data;
  }
  return null;
}

/** The webhook processor's return value: `{ statusCode, attempt, deliveredAt }`. */
function asReceipt(value: unknown): DeliveryReceiptView | null {
  if (typeof value !== 'object' || value === null) return null;
  const { statusCode, attempt, deliveredAt } = value as Record<string, unknown>;
  if (typeof statusCode !== 'number' || typeof attempt !== 'number' || typeof deliveredAt !== 'string') return null;
  return { statusCode, attempt, deliveredAt };
}

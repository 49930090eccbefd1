import {
  MAX_WEBHOOK_DESTINATIONS,
  readProgress,
  resultFromRecord,
  WEBHOOK_QUEUE,
  webhookDeliveryStateSchema,
  webhookJobId,
  type RedisClient,
  type RegionResult,
  type TaskRecordStore,
  type WebhookDeliveryState,
} from '@regionwatch/core';

/** Where one webhook destination of a finished task stands. */
export type WebhookDeliveryStatus = {
  url: string;
  /** Its job in `regions-webhooks`: the task id for the first destination, `<taskId>+<n>` after it. */
  jobId: string;
  /**
   * `delivered` (a 2xx), `dead-letter` (ended without one: replayable), `delivering` (attempts or
   * retries under way), `not-handed` (the hand-off has not added it yet), `removed` (handed, its job
   * since removed: completed deliveries are kept a week).
   */
  state: 'delivered' | 'dead-letter' | 'delivering' | 'not-handed' | 'removed';
  /** The worker's delivery state (attempts, last result, hold, end), once an attempt failed or was held. */
  delivery?: WebhookDeliveryState;
  /** The receiver's answer of a delivered one (its job's return value). */
  receipt?: { statusCode: number; attempt: number; deliveredAt: string };
};

/** Where a task is, as `producer.status(id)` sees it. */
export type TaskStatus =
  | { taskId: string; state: 'unknown' }
  | {
      taskId: string;
      state: 'pending';
      /** GETs Aspose answered so far, and failed attempts apart from them. */
      polls: number;
      transientErrors: number;
      /** The last status Aspose answered (`Pending`, `Processing`), none before the first poll. */
      lastStatus?: string;
      lastError?: string;
      /** When the next poll is due (epoch ms; absent before the first one or while a poll runs). */
      nextPollAt?: number;
      /** A replica is polling it right now. */
      active: boolean;
      /** `untrack` asked to stop it: the next run ends it `Cancelled`. */
      cancelRequested: boolean;
      /** The URLs this task's result will be POSTed to (WEBHOOK_URL, the worker's default, is not known here). */
      webhookUrls: string[];
      /** Set when the poll job failed on an unexpected error (kept a week; look at the worker's logs). */
      failedReason?: string;
    }
  | {
      taskId: string;
      state: 'finished';
      result: RegionResult;
      delivery: {
        /** `handed`: a job went to the results queue; `disabled`: RESULTS_QUEUE was empty when it was decided. */
        results: 'handed' | 'not-handed' | 'disabled';
        webhooks: WebhookDeliveryStatus[];
      };
    };

/** The webhook processor's return value of a delivered job: `{ statusCode, attempt, deliveredAt }`. */
const receiptSchema = {
  safeParse(value: unknown): { success: boolean; data?: WebhookDeliveryStatus['receipt'] } {
    const r = value as Record<string, unknown> | null;
    const ok =
      typeof r === 'object' &&
      r !== null &&
      typeof r.statusCode === 'number' &&
      typeof r.attempt === 'number' &&
      typeof r.deliveredAt === 'string';
    return ok
      ? { success: true, data: { statusCode: r.statusCode as number, attempt: r.attempt as number, deliveredAt: r.deliveredAt as string } }
      : { success: false };
  },
};

const JOB_FIELDS = ['data', 'progress', 'failedReason', 'finishedOn'] as const;
const DELIVERY_FIELDS = ['timestamp', 'progress', 'finishedOn', 'returnvalue'] as const;

/**
 * Reads where `taskId` is in ONE pipeline (in its shard's slot) of 3 + 8 commands, each O(1) or O(fields of one hash): the
 * task record (GET), the poll job's fields (HMGET), its lock (EXISTS), and the delivery jobs of
 * every possible webhook destination (HMGET ×8; ids are known without reading the record first). No
 * scan, no list: the cost is the same with ten or ten million tasks in the queue.
 */
export async function readTaskStatus(
  connection: RedisClient,
  records: TaskRecordStore,
  prefix: string,
  taskId: string,
): Promise<TaskStatus> {
  const jobKey = records.jobKey(taskId);
  // The task's record, poll job and webhook deliveries are all in its shard (one hash tag): one pipeline.
  const pipeline = connection.pipeline();
  pipeline.get(records.key(taskId));
  pipeline.hmget(jobKey, ...JOB_FIELDS);
  pipeline.exists(`${jobKey}:lock`);
  const shardPrefix = records.shardPrefix(taskId);
  for (let n = 0; n < MAX_WEBHOOK_DESTINATIONS; n += 1) {
    pipeline.hmget(`${shardPrefix}:${WEBHOOK_QUEUE}:${webhookJobId(taskId, n)}`, ...DELIVERY_FIELDS);
  }
  const answers = (await pipeline.exec()) ?? [];
  const value = <T>(i: number): T => {
    const [error, answer] = answers[i] ?? [new Error('no answer from Redis'), undefined];
    if (error) throw error;
    return answer as T;
  };

  const record = await records.fromGetAnswer(taskId, answers[0] ?? [new Error('no answer from Redis'), null]);
  if (record) {
    const webhooks = record.body.destinations.webhooks.map((url, n): WebhookDeliveryStatus => {
      const jobId = webhookJobId(taskId, n);
      const [timestamp, progress, finishedOn, returnvalue] = value<(string | null)[]>(3 + n);
      if (!record.handed.has(`webhook:${n}`)) return { url, jobId, state: 'not-handed' };
      if (timestamp === null || timestamp === undefined) return { url, jobId, state: 'removed' };
      const delivery = parseJson(progress, webhookDeliveryStateSchema);
      const state = delivery?.ended ? 'dead-letter' : finishedOn ? 'delivered' : 'delivering';
      const receipt = state === 'delivered' ? parseJson(returnvalue, receiptSchema) : undefined;
      return { url, jobId, state, ...(delivery ? { delivery } : {}), ...(receipt ? { receipt } : {}) };
    });
    const results = record.body.destinations.results === null ? 'disabled' : record.handed.has('results') ? 'handed' : 'not-handed';
    return { taskId, state: 'finished', result: resultFromRecord(taskId, record.body), delivery: { results, webhooks } };
  }

  const [data, progressJson, failedReason] = value<(string | null)[]>(1);
  if (data === null || data === undefined) return { taskId, state: 'unknown' };
  const job = parseJson<{ webhookUrl?: unknown; extraWebhookUrls?: unknown; cancelRequestedAt?: unknown }>(data, undefined);
  const progress = readProgress(parseJson(progressJson, undefined));
  const extra: unknown[] = Array.isArray(job?.extraWebhookUrls) ? (job.extraWebhookUrls as unknown[]) : [];
  const webhookUrls = [job?.webhookUrl, ...extra].filter((url): url is string => typeof url === 'string');
  return {
    taskId,
    state: 'pending',
    polls: progress?.polls ?? 0,
    transientErrors: progress?.transientErrors ?? 0,
    ...(progress?.lastStatus === undefined ? {} : { lastStatus: progress.lastStatus }),
    ...(progress?.lastError === undefined ? {} : { lastError: progress.lastError }),
    ...(progress?.nextPollAt === undefined ? {} : { nextPollAt: progress.nextPollAt }),
    active: value<number>(2) === 1,
    cancelRequested: typeof job?.cancelRequestedAt === 'number',
    webhookUrls,
    ...(failedReason ? { failedReason } : {}),
  };
}

function parseJson<T>(
  text: string | null | undefined,
  schema: { safeParse(value: unknown): { success: boolean; data?: T } } | undefined,
): T | undefined {
  if (text === null || text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!schema) return json as T;
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

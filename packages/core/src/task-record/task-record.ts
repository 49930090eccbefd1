import { z } from 'zod';
import { rawResultItemSchema, resultStatusSchema, type RegionResult } from '../contract/region-result.js';
import { decodeRegions } from '../regions/decode-regions.js';
import { RegionDecodeError } from '../errors/region-decode-error.js';
import { historySchema, type StatusHistory } from '../contract/poll-progress.js';
import { MAX_WEBHOOK_DESTINATIONS } from '../contract/poll-job.js';

/**
 * How long a task's record is kept after its result was decided: a little over Aspose's 24-hour
 * retention. While it exists, tracking the id again is a `duplicate`; after it, a new chain polls
 * and its result is delivered (see README, "Tracking the same task again").
 */
export const TASK_RECORD_TTL_MS = 25 * 60 * 60 * 1000;

/**
 * Where a decided result goes, frozen when it is decided (so a repeat after a crash hands on to the
 * same places even if WEBHOOK_URL or RESULTS_QUEUE changed in between): the results queue's name, or
 * null when it was disabled, and the webhook URLs, in order (the first one's job id is the task id).
 */
export const destinationsSchema = z.object({
  results: z.string().max(256).nullable(),
  webhooks: z.array(z.string().max(2_048)).max(MAX_WEBHOOK_DESTINATIONS),
});
export type Destinations = z.infer<typeof destinationsSchema>;

/**
 * The destinations with the webhook URLs later `track` calls added, in order, each once (a URL equal
 * to one before it, e.g. WEBHOOK_URL added again by hand, is delivered once), at most 8.
 */
export function withExtraWebhooks(destinations: Destinations, extras: readonly string[]): Destinations {
  if (extras.length === 0) return destinations;
  const webhooks = [...new Set([...destinations.webhooks, ...extras])].slice(0, MAX_WEBHOOK_DESTINATIONS);
  return { ...destinations, webhooks };
}

/**
 * The finished task, compact: raw result items (regions are decoded from them again when read),
 * Aspose's messages as bounded when decided, the task's metadata once, its poll history and where
 * the result went. Stored as JSON in the record hash's `body` field.
 */
export const taskRecordBodySchema = z.object({
  status: resultStatusSchema,
  polls: z.number().int().nonnegative(),
  submittedAt: z.string(),
  finishedAt: z.string(),
  responseStatusCode: z.string().nullable().optional(),
  results: z.array(rawResultItemSchema).optional(),
  errors: z.array(z.string()).optional(),
  warnings: z.array(z.string()).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  history: historySchema.optional(),
  destinations: destinationsSchema,
});
export type TaskRecordBody = z.infer<typeof taskRecordBodySchema>;

/** A hand-off target: the results queue, or the n-th webhook destination. */
export type HandOffTarget = 'results' | `webhook:${number}`;

/** A task record as read back: who decided it, what, and which targets it was handed to. */
export type TaskRecord = {
  /** The poll chain that decided it (`trackingId`, or the poll job's creation time for other producers). */
  chain: string;
  body: TaskRecordBody;
  handed: ReadonlySet<HandOffTarget>;
};

/** The record's body for a decided result (empty lists and maps left out: bytes per finished task count). */
export function recordBodyFor(result: RegionResult, history: StatusHistory, destinations: Destinations): TaskRecordBody {
  return {
    status: result.status,
    polls: result.polls,
    submittedAt: result.submittedAt,
    finishedAt: result.finishedAt,
    ...(result.responseStatusCode === null ? {} : { responseStatusCode: result.responseStatusCode }),
    ...(result.results.length > 0 ? { results: result.results } : {}),
    ...(result.errors.length > 0 ? { errors: result.errors } : {}),
    ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
    ...(Object.keys(result.metadata).length > 0 ? { metadata: result.metadata } : {}),
    ...(history.length > 0 ? { history } : {}),
    destinations,
  };
}

/**
 * The `RegionResult` a record stands for, the same one the hand-off delivered: regions are decoded
 * from the raw items again (they decoded when the task was decided, so they decode the same way).
 */
export function resultFromRecord(taskId: string, body: TaskRecordBody): RegionResult {
  let regions: RegionResult['regions'] = [];
  if (body.status === 'Completed') {
    try {
      regions = decodeRegions(body.results);
    } catch (error) {
      if (!(error instanceof RegionDecodeError)) throw error;
    }
  }
  return {
    taskId,
    status: body.status,
    regions,
    results: body.results ?? [],
    responseStatusCode: body.responseStatusCode ?? null,
    errors: body.errors ?? [],
    warnings: body.warnings ?? [],
    metadata: body.metadata ?? {},
    submittedAt: body.submittedAt,
    finishedAt: body.finishedAt,
    polls: body.polls,
  };
}

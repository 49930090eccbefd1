import { z } from 'zod';
import { isoDateSchema, metadataSchema, pollKindSchema, taskIdSchema, webhookUrlSchema } from './fields.js';
import { regionResultSchema } from './region-result.js';

/** What a producer (in any language) writes to `regions-poll`, job id = task id. */
export const pollJobSchema = z.object({
  taskId: taskIdSchema,
  /** When the image was sent to Aspose; default: tracking time. */
  submittedAt: isoDateSchema.optional(),
  /** Overrides WEBHOOK_URL for this task. */
  webhookUrl: webhookUrlSchema.optional(),
  /** Passed through untouched to the result. */
  metadata: metadataSchema.optional(),
  /** Short label; completion times are learned per kind (adaptive polling). Default: the shared estimate. */
  kind: pollKindSchema.optional(),
});
export type PollJob = z.infer<typeof pollJobSchema>;

/** Progress the worker keeps inside the poll job's data between polls (step-job pattern). */
export const pollProgressSchema = z.object({
  /** GET requests that got an answer for this task. */
  polls: z.number().int().nonnegative(),
  /** Failed attempts (network, timeout, 5xx, 429, auth) — counted apart from polls. */
  transientErrors: z.number().int().nonnegative(),
  /** Consecutive answers that did not match the API schema. */
  invalidResponses: z.number().int().nonnegative(),
  lastStatus: z.string().optional(),
  lastError: z.string().optional(),
  /** Statuses seen, in order, collapsed when repeated: e.g. Pending×3 → Processing×1. */
  history: z.array(z.object({ status: z.string(), count: z.number().int().positive() })),
  nextPollAt: z.number().int().optional(),
  nextDelayMs: z.number().int().nonnegative().optional(),
});
export type PollProgress = z.infer<typeof pollProgressSchema>;

/**
 * A poll job's data as the worker reads it: the contract's `PollJob` plus its own progress and,
 * once decided, the result (kept so a re-run after a crash hands on the same result, not a new one).
 */
export const pollJobDataSchema = pollJobSchema.extend({
  /** A bad label must not stop a task from being polled: the worker then uses the shared estimate. */
  kind: pollKindSchema.optional().catch(undefined),
  /** Set by regionwatch's producer to tell a job it created from an existing one (optional for others). */
  trackingId: z.string().optional(),
  progress: pollProgressSchema.optional(),
  result: regionResultSchema.optional(),
});
export type PollJobData = z.infer<typeof pollJobDataSchema>;

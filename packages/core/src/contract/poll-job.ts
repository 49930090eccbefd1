import { z } from 'zod';
import { isoDateSchema, metadataSchema, pollKindSchema, taskIdSchema, webhookUrlSchema } from './fields.js';

/** Webhook destinations a task may have in all (the first one's and the extra ones added by `track` merges). */
export const MAX_WEBHOOK_DESTINATIONS = 8;

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

/** Longest `trackingId` accepted (regionwatch's producer writes a UUID). */
export const MAX_TRACKING_ID_LENGTH = 64;

/**
 * A poll job's data as the worker reads it: the contract's `PollJob` plus what regionwatch's own
 * producer adds. Anything else in the data is dropped unread — in particular a `result` or `progress`
 * placed there by someone else: results come only from polling, progress only from the job's own
 * lock-checked `progress` field.
 */
export const pollJobDataSchema = pollJobSchema.extend({
  /** A bad label must not stop a task from being polled: the worker then uses the shared estimate. */
  kind: pollKindSchema.optional().catch(undefined),
  /** Set by regionwatch's producer: names the poll chain (tells a job it created from an older one). */
  trackingId: z.string().min(1).max(MAX_TRACKING_ID_LENGTH).optional(),
  /**
   * Set by the producer's `untrack` (epoch ms): the next run ends the task `Cancelled` without polling.
   * A bad value is ignored (the task is polled on) rather than failing the job.
   */
  cancelRequestedAt: z.number().int().nonnegative().optional().catch(undefined),
  /**
   * Set by the producer when it delayed the job to the learned first poll (epoch ms; POLL_STRATEGY=adaptive): the
   * first run polls at once instead of re-delaying the job to the plan again. Without it (another language's
   * producer, or nothing learned yet) the first run waits for the learned first poll itself, without a GET.
   */
  firstPollAt: z.number().int().nonnegative().optional().catch(undefined),
  /**
   * Webhook URLs added by later `track` calls for this pending task (each its own delivery). The worker
   * never trusts this copy: the decision reads the job's current data inside the DECIDE script.
   */
  extraWebhookUrls: z
    .array(z.string())
    .max(MAX_WEBHOOK_DESTINATIONS - 1)
    .optional()
    .catch(undefined),
});
export type PollJobData = z.infer<typeof pollJobDataSchema>;

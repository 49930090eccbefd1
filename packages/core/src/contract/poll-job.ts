import { z } from 'zod';

/** Aspose issues UUIDs; this also keeps ids safe as BullMQ job ids (no ':'; never all digits). */
export const TASK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const MAX_METADATA_BYTES = 16 * 1024;

export const taskIdSchema = z
  .string({ message: 'must be a string' })
  .regex(TASK_ID_PATTERN, 'must be 1-128 characters of A-Z a-z 0-9 . _ - starting with a letter or digit')
  .refine((id) => !/^\d+$/.test(id), 'must not be all digits (BullMQ reserves numeric job ids)');

export const webhookUrlSchema = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });

export const metadataSchema = z
  .record(z.string(), z.string({ message: 'metadata values must be strings' }))
  .refine((m) => Buffer.byteLength(JSON.stringify(m)) <= MAX_METADATA_BYTES, `must be at most ${MAX_METADATA_BYTES} bytes as JSON`);

export const isoDateSchema = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' });

/** What a producer (in any language) writes to `regions-poll`, job id = task id. */
export const pollJobSchema = z.object({
  taskId: taskIdSchema,
  /** When the image was sent to Aspose; default: tracking time. */
  submittedAt: isoDateSchema.optional(),
  /** Overrides WEBHOOK_URL for this task. */
  webhookUrl: webhookUrlSchema.optional(),
  /** Passed through untouched to the result. */
  metadata: metadataSchema.optional(),
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

/** A poll job's data as the worker reads it: the contract's `PollJob` plus its own progress. */
export const pollJobDataSchema = pollJobSchema.extend({ progress: pollProgressSchema.optional() });
export type PollJobData = z.infer<typeof pollJobDataSchema>;

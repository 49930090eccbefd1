import { z } from 'zod';
import { isoDateSchema, taskIdSchema } from './fields.js';
import { regionSchema } from './region.js';

/** `Cancelled`: stopped by the producer's `untrack` (README, "Following a task"); delivered like the others. */
export const RESULT_STATUSES = ['Completed', 'Error', 'NotExist', 'Expired', 'Malformed', 'Cancelled'] as const;
export const resultStatusSchema = z.enum(RESULT_STATUSES);
export type ResultStatus = z.infer<typeof resultStatusSchema>;

/** A raw result item as Aspose returned it (kept so nothing is lost, even when malformed). */
export const rawResultItemSchema = z.object({ type: z.string(), data: z.string() });

/** The one result every tracked task ends with: the body of the results queue and of webhooks. */
export const regionResultSchema = z.object({
  taskId: taskIdSchema,
  status: resultStatusSchema,
  /** Every rectangle of every result item, in order; [] unless Completed. */
  regions: z.array(regionSchema),
  results: z.array(rawResultItemSchema),
  /** Aspose's, as returned (Ok, PartiallyNotFound, NoAnyResultData, ...). */
  responseStatusCode: z.string().nullable(),
  errors: z.array(z.string()),
  warnings: z.array(z.string()),
  metadata: z.record(z.string(), z.string()),
  submittedAt: isoDateSchema,
  finishedAt: isoDateSchema,
  /** GET requests Aspose answered (200) for this task; failed attempts (errors, timeouts, refusals) are not counted. */
  polls: z.number().int().nonnegative(),
});
export type RegionResult = z.infer<typeof regionResultSchema>;

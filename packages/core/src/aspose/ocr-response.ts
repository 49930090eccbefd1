import { z } from 'zod';

export const TASK_STATUSES = ['Pending', 'Processing', 'Completed', 'Error', 'NotExist'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TERMINAL_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set(['Completed', 'Error', 'NotExist']);

/**
 * Size limits of an answer we accept (the body itself is capped at 4 MiB before it is parsed). Real
 * answers carry one result item per detected image part and a few messages; far more is not an
 * answer we can use, and parsing it item by item would cost time and memory for nothing.
 */
export const OCR_RESPONSE_LIMITS = { resultItems: 10_000, messages: 1_000 } as const;

/**
 * `OCRResponse` from Aspose OCR Cloud 5.0 (the README says how regionwatch uses it). Nullable fields are nullable;
 * `responseStatusCode` stays an open string (the contract passes it through as returned), while an
 * unknown `taskStatus` is rejected: completion is decided from it alone.
 */
export const ocrResponseSchema = z.object({
  id: z.string().nullish(),
  responseStatusCode: z.string().nullish(),
  taskStatus: z.string(),
  results: z
    .array(z.object({ type: z.string().nullish(), data: z.string().nullish() }))
    .max(OCR_RESPONSE_LIMITS.resultItems)
    .nullish(),
  error: z
    .object({
      messages: z.array(z.string()).max(OCR_RESPONSE_LIMITS.messages).nullish(),
      warnings: z.array(z.string()).max(OCR_RESPONSE_LIMITS.messages).nullish(),
    })
    .nullish(),
});

/** A validated `OCRResponse` with a known task status. */
export type OcrResponse = Omit<z.infer<typeof ocrResponseSchema>, 'taskStatus'> & { taskStatus: TaskStatus };

export function isTaskStatus(value: string): value is TaskStatus {
  return (TASK_STATUSES as readonly string[]).includes(value);
}

import { z } from 'zod';

export const TASK_STATUSES = ['Pending', 'Processing', 'Completed', 'Error', 'NotExist'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TERMINAL_TASK_STATUSES: ReadonlySet<TaskStatus> = new Set(['Completed', 'Error', 'NotExist']);

/**
 * `OCRResponse` from Aspose OCR Cloud 5.0 (the README says how regionwatch uses it). Nullable fields are nullable;
 * `responseStatusCode` stays an open string (the contract passes it through as returned), while an
 * unknown `taskStatus` is rejected: completion is decided from it alone.
 */
export const ocrResponseSchema = z.object({
  id: z.string().nullish(),
  responseStatusCode: z.string().nullish(),
  taskStatus: z.string(),
  results: z.array(z.object({ type: z.string().nullish(), data: z.string().nullish() })).nullish(),
  error: z
    .object({
      messages: z.array(z.string()).nullish(),
      warnings: z.array(z.string()).nullish(),
    })
    .nullish(),
});

/** A validated `OCRResponse` with a known task status. */
export type OcrResponse = Omit<z.infer<typeof ocrResponseSchema>, 'taskStatus'> & { taskStatus: TaskStatus };

export function isTaskStatus(value: string): value is TaskStatus {
  return (TASK_STATUSES as readonly string[]).includes(value);
}

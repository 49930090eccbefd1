import { listIssues, taskIdSchema } from '@regionwatch/core';
import { InvalidTaskIdError } from '../errors/invalid-task-id-error.js';

/** The contract's task id rules (also what keeps an id safe as a BullMQ job id). */
export function parseTaskId(raw: string): string {
  const parsed = taskIdSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidTaskIdError(raw, listIssues(parsed.error)[0]?.message ?? 'invalid');
  return parsed.data;
}

import type { OCRResult, OCRTaskStatus } from './ocr-types.js';

/** A task's outcome once scripts and defaults are applied: exactly what its terminal GET returns. */
export type ResolvedOutcome =
  | { status: 'Completed'; results: OCRResult[]; warnings: string[]; responseStatusCode: string }
  | { status: 'Error'; messages: string[]; warnings: string[]; responseStatusCode: string }
  | { status: 'NotExist' };

/** A task as the simulator keeps it; its status is derived from the clock, never stored. */
export type StoredTask = {
  id: string;
  createdAt: number;
  pendingMs: number;
  processingMs: number;
  outcome: ResolvedOutcome;
  rawBody: string | null;
  cancelledAt: number | null;
  polls: number;
};

/** The `taskStatus` of `task` at time `at`, given how long Aspose keeps results. */
export function statusAt(task: StoredTask, at: number, retentionMs: number): OCRTaskStatus {
  if (task.cancelledAt !== null && at >= task.cancelledAt) return 'NotExist';
  if (at - task.createdAt >= retentionMs) return 'NotExist';
  if (task.outcome.status === 'NotExist') return 'NotExist';
  if (at < task.createdAt + task.pendingMs) return 'Pending';
  if (at < task.createdAt + task.pendingMs + task.processingMs) return 'Processing';
  return task.outcome.status;
}

/** When `task` became (or will become) terminal; a cancel before that counts as the end. */
export function terminalAt(task: StoredTask): number {
  const scheduled = task.outcome.status === 'NotExist' ? task.createdAt : task.createdAt + task.pendingMs + task.processingMs;
  return task.cancelledAt === null ? scheduled : Math.min(scheduled, task.cancelledAt);
}

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
  /** When set, the first this-many GETs read Pending whatever the clock says (benchmarks count polls). */
  notReadyPolls: number | null;
  /** When a `notReadyPolls` task answered its last Pending GET, i.e. became terminal. */
  readyAt: number | null;
  /** The workload component its completion time was drawn from (a producer may pass it on as `kind`). */
  kind: string | null;
};

/**
 * The `taskStatus` GET number `poll` (1-based) of `task` reads at time `at`, given how long Aspose
 * keeps results.
 */
export function statusAt(task: StoredTask, at: number, retentionMs: number, poll: number = task.polls + 1): OCRTaskStatus {
  if (task.cancelledAt !== null && at >= task.cancelledAt) return 'NotExist';
  if (at - task.createdAt >= retentionMs) return 'NotExist';
  if (task.outcome.status === 'NotExist') return 'NotExist';
  if (task.notReadyPolls !== null) return poll <= task.notReadyPolls ? 'Pending' : task.outcome.status;
  if (at < task.createdAt + task.pendingMs) return 'Pending';
  if (at < task.createdAt + task.pendingMs + task.processingMs) return 'Processing';
  return task.outcome.status;
}

/**
 * When `task` became (or will become) terminal; a cancel before that counts as the end. Null for a
 * `notReadyPolls` task that has not yet answered its last Pending GET.
 */
export function terminalAt(task: StoredTask): number | null {
  let scheduled: number | null;
  if (task.outcome.status === 'NotExist') scheduled = task.createdAt;
  else if (task.notReadyPolls !== null) scheduled = task.notReadyPolls === 0 ? task.createdAt : task.readyAt;
  else scheduled = task.createdAt + task.pendingMs + task.processingMs;
  if (task.cancelledAt === null) return scheduled;
  return scheduled === null ? task.cancelledAt : Math.min(scheduled, task.cancelledAt);
}

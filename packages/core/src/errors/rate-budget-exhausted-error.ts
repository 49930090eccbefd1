import { RegionwatchError } from './regionwatch-error.js';

/**
 * Our own `ASPOSE_MAX_RPS` budget is spent for now, so no request was sent. Not Aspose's doing and
 * not the task's: the poll is simply re-delayed until a slot frees (`retryAfterMs`).
 */
export class RateBudgetExhaustedError extends RegionwatchError {
  readonly code = 'RATE_BUDGET_EXHAUSTED';
  readonly taskId: string | undefined;
  /** When a request slot frees, in ms from now (at least 1). */
  readonly retryAfterMs: number;

  constructor(budget: { max: number; windowMs: number }, context: { taskId?: string | undefined; retryAfterMs: number }) {
    super(
      `ASPOSE_MAX_RPS reached (${budget.max} per ${budget.windowMs} ms across all replicas)` +
        `${context.taskId === undefined ? '' : ` for task ${context.taskId}`}: ` +
        `the request waits ${context.retryAfterMs} ms for a free slot; raise ASPOSE_MAX_RPS if your Aspose plan allows more`,
    );
    this.taskId = context.taskId;
    this.retryAfterMs = context.retryAfterMs;
  }
}

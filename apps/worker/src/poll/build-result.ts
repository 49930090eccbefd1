import {
  boundMessages,
  decodeRegions,
  RegionDecodeError,
  type OcrResponse,
  type PollJob,
  type RegionResult,
  type ResultStatus,
} from '@regionwatch/core';

/** What every result carries whatever the outcome. */
export type ResultContext = { job: PollJob; submittedAt: string; polls: number; finishedAt: Date };

function base(context: ResultContext, status: ResultStatus): RegionResult {
  return {
    taskId: context.job.taskId,
    status,
    regions: [],
    results: [],
    responseStatusCode: null,
    errors: [],
    warnings: [],
    metadata: context.job.metadata ?? {},
    submittedAt: context.submittedAt,
    finishedAt: context.finishedAt.toISOString(),
    polls: context.polls,
  };
}

/**
 * The result of a terminal answer. `Completed` with an item that does not decode becomes
 * `Malformed`: the raw items are kept and `errors` says which item and why.
 */
export function resultFromResponse(response: OcrResponse, context: ResultContext): RegionResult {
  const status = response.taskStatus;
  if (status !== 'Completed' && status !== 'Error' && status !== 'NotExist') {
    throw new Error(`resultFromResponse called with non-terminal status ${status}`);
  }
  const result: RegionResult = {
    ...base(context, status),
    // Aspose's schema allows null type/data; the contract's raw items are strings.
    results: (response.results ?? []).map((item) => ({ type: item.type ?? '', data: item.data ?? '' })),
    responseStatusCode: response.responseStatusCode ?? null,
    // Aspose's messages, bounded: the first TEXT_LIMITS.messages, each about a kilobyte.
    errors: boundMessages(response.error?.messages),
    warnings: boundMessages(response.error?.warnings),
  };
  if (status !== 'Completed') return { ...result, results: result.results };
  try {
    return { ...result, regions: decodeRegions(response.results) };
  } catch (error) {
    if (!(error instanceof RegionDecodeError)) throw error;
    return { ...result, status: 'Malformed', errors: [...result.errors, error.message] };
  }
}

/** Polling stopped at the deadline without a terminal status. */
export function expiredResult(context: ResultContext, deadlineMs: number, lastStatus: string | undefined): RegionResult {
  return {
    ...base(context, 'Expired'),
    errors: [`no terminal status within TASK_DEADLINE_MS (${deadlineMs} ms) of submittedAt; last status seen: ${lastStatus ?? 'none'}`],
  };
}

/** Aspose answered what we cannot read for longer than ASPOSE_INVALID_GRACE_MS. */
export function malformedResponseResult(context: ResultContext, errors: string[]): RegionResult {
  return { ...base(context, 'Malformed'), errors };
}

/** The producer's `untrack` stopped the task (at `requestedAt`, epoch ms); `errors` says so for every consumer. */
export function cancelledResult(context: ResultContext, requestedAt: number): RegionResult {
  return { ...base(context, 'Cancelled'), errors: [`untracked by the producer at ${new Date(requestedAt).toISOString()}`] };
}

import { AsposeAuthError, AsposePermanentError, AsposeTransientError, RateBudgetExhaustedError } from '@regionwatch/core';
import type { PollOutcome } from '../metrics/worker-metrics.js';

/** What the next poll's delay is computed from. */
export type DelayBasis =
  /** Our own ASPOSE_MAX_RPS budget was spent and nothing was sent: come back when a slot frees. */
  | { basis: 'rate-budget'; retryAfterMs: number }
  /** Exponential back-off on the task's transient failures; the server's `Retry-After` is a lower bound. */
  | { basis: 'transient-errors'; retryAfterMs: number | undefined }
  /** Exponential back-off on consecutive invalid answers; the task ends `Malformed` after MAX_INVALID_RESPONSES. */
  | { basis: 'invalid-responses' };

/** How the poll processor handles a failed poll. */
export type PollFailure = {
  /** The `outcome` label of regionwatch_polls_total. */
  outcome: Extract<PollOutcome, 'rate_limited' | 'transient_error' | 'auth_error' | 'invalid_response'>;
  /**
   * Set when the fault is ours or Aspose's rather than the task's (refused credentials, a wrong URL):
   * `/readyz` names it until a poll gets an answer again, and the task waits.
   */
  readinessProblem?: 'aspose';
  delay: DelayBasis;
  /** Whether Aspose answered (a 2xx whose body we could not use): counted in the task's `polls`. */
  answered: boolean;
};

/** One row of the table: errors of `type` for which `applies` holds are handled as `classify` says. */
type Row = (error: unknown) => PollFailure | undefined;
function row<E>(type: abstract new (...args: never[]) => E, applies: (error: E) => boolean, classify: (error: E) => PollFailure): Row {
  return (error) => (error instanceof type && applies(error) ? classify(error) : undefined);
}
const always = () => true;

/** The first row that matches decides; keep them ordered from the most specific. */
const ROWS: readonly Row[] = [
  row(RateBudgetExhaustedError, always, (error) => ({
    outcome: 'rate_limited',
    delay: { basis: 'rate-budget', retryAfterMs: error.retryAfterMs },
    answered: false,
  })),
  // The token endpoint failing is an auth problem for every task at once, even when it is only down.
  row(
    AsposeTransientError,
    (error) => error.reason === 'token-endpoint',
    (error) => ({
      outcome: 'auth_error',
      readinessProblem: 'aspose',
      delay: { basis: 'transient-errors', retryAfterMs: error.retryAfterMs },
      answered: false,
    }),
  ),
  row(AsposeTransientError, always, (error) => ({
    outcome: 'transient_error',
    delay: { basis: 'transient-errors', retryAfterMs: error.retryAfterMs },
    answered: false,
  })),
  row(AsposeAuthError, always, () => ({
    outcome: 'auth_error',
    readinessProblem: 'aspose',
    delay: { basis: 'transient-errors', retryAfterMs: undefined },
    answered: false,
  })),
  // A 4xx other than 401/403/408/429 says the request is wrong (e.g. ASPOSE_BASE_URL points at the
  // wrong place), not the task: like refused credentials, the task waits and /readyz says why.
  row(
    AsposePermanentError,
    (error) => error.reason === 'client-error',
    () => ({
      outcome: 'auth_error',
      readinessProblem: 'aspose',
      delay: { basis: 'transient-errors', retryAfterMs: undefined },
      answered: false,
    }),
  ),
  // An answer we cannot read (not JSON, not the schema, an unknown status, too large).
  row(AsposePermanentError, always, (error) => ({
    outcome: 'invalid_response',
    delay: { basis: 'invalid-responses' },
    answered: error.statusCode === undefined,
  })),
];

/**
 * How a failed poll is handled, decided from the error alone (a pure function, tested as a table).
 * `undefined`: not a failure we expect; the processor rethrows it and BullMQ's attempts apply.
 */
export function classifyPollFailure(error: unknown): PollFailure | undefined {
  for (const classify of ROWS) {
    const failure = classify(error);
    if (failure) return failure;
  }
  return undefined;
}

import {
  AsposeAuthError,
  AsposePausedError,
  AsposePermanentError,
  AsposeTransientError,
  RateBudgetExhaustedError,
} from '@regionwatch/core';
import type { PollOutcome } from '../metrics/worker-metrics.js';

/** What the next poll's delay is computed from. */
export type DelayBasis =
  /**
   * Nothing was sent: our own ASPOSE_MAX_RPS budget was spent (`rate-budget`), or every replica is
   * pausing after Aspose throttled the account (`paused`). Come back then; the task's progress is untouched.
   */
  | { basis: 'held-back'; reason: 'rate-budget' | 'paused'; retryAfterMs: number }
  /** Exponential back-off on the task's transient failures; the server's `Retry-After` is a lower bound. */
  | { basis: 'transient-errors'; retryAfterMs: number | undefined }
  /**
   * Aspose answered something we cannot read: the task's normal back-off, as if it said "not yet";
   * the task ends `Malformed` only when such answers last ASPOSE_INVALID_GRACE_MS.
   */
  | { basis: 'unreadable-answer' };

/** Readiness reasons a failed poll can raise (the fixed set of `/readyz` and `regionwatch_not_ready`). */
export type UpstreamProblem = 'aspose_auth' | 'aspose_misconfigured' | 'aspose_invalid_response';

/** How the poll processor handles a failed poll. */
export type PollFailure = {
  /** The `outcome` label of regionwatch_polls_total. */
  outcome: Extract<PollOutcome, 'rate_limited' | 'transient_error' | 'auth_error' | 'client_error' | 'invalid_response'>;
  /**
   * A fault that may be ours or Aspose's rather than the task's. `global`: it is (refused credentials,
   * the token endpoint failing), so `/readyz` names it at once. `spell`: one task's answer could be the
   * task's own problem, so `/readyz` names it only when the answers of two or more tasks in a row fail
   * this way (a wrong ASPOSE_BASE_URL, a maintenance page), never for one task among working ones.
   */
  problem?: { reason: UpstreamProblem; scope: 'global' | 'spell' };
  delay: DelayBasis;
  /** Aspose throttles the whole account: every replica pauses its requests this long (ms). */
  pauseMs?: number;
};

/** Without `Retry-After`, a 429 pauses every replica this long. */
export const DEFAULT_THROTTLE_PAUSE_MS = 1_000;

/** One row of the table: errors of `type` for which `applies` holds are handled as `classify` says. */
type Row = (error: unknown) => PollFailure | undefined;
function row<E>(type: abstract new (...args: never[]) => E, applies: (error: E) => boolean, classify: (error: E) => PollFailure): Row {
  return (error) => (error instanceof type && applies(error) ? classify(error) : undefined);
}
const always = () => true;
const AUTH = { reason: 'aspose_auth', scope: 'global' } as const;

/** The first row that matches decides; keep them ordered from the most specific. */
const ROWS: readonly Row[] = [
  row(RateBudgetExhaustedError, always, (error) => ({
    outcome: 'rate_limited',
    delay: { basis: 'held-back', reason: 'rate-budget', retryAfterMs: error.retryAfterMs },
  })),
  row(AsposePausedError, always, (error) => ({
    outcome: 'rate_limited',
    delay: { basis: 'held-back', reason: 'paused', retryAfterMs: error.retryAfterMs },
  })),
  // The token endpoint failing is an auth problem for every task at once, even when it is only down.
  row(
    AsposeTransientError,
    (error) => error.reason === 'token-endpoint',
    (error) => ({
      outcome: 'auth_error',
      problem: AUTH,
      delay: { basis: 'transient-errors', retryAfterMs: error.retryAfterMs },
    }),
  ),
  // 429, or 503 with Retry-After: the account is throttled, not this task. Every replica pauses.
  row(
    AsposeTransientError,
    (error) => error.reason === 'rate-limited' || (error.statusCode === 503 && error.retryAfterMs !== undefined),
    (error) => ({
      outcome: 'transient_error',
      delay: { basis: 'transient-errors', retryAfterMs: error.retryAfterMs },
      pauseMs: error.retryAfterMs ?? DEFAULT_THROTTLE_PAUSE_MS,
    }),
  ),
  row(AsposeTransientError, always, (error) => ({
    outcome: 'transient_error',
    delay: { basis: 'transient-errors', retryAfterMs: error.retryAfterMs },
  })),
  row(AsposeAuthError, always, () => ({
    outcome: 'auth_error',
    problem: AUTH,
    delay: { basis: 'transient-errors', retryAfterMs: undefined },
  })),
  // A 4xx other than 401/403/408/429 says the request is wrong: for one task (its id) or for all (a
  // wrong ASPOSE_BASE_URL). Either way the task waits; /readyz says so once two tasks in a row get one.
  row(
    AsposePermanentError,
    (error) => error.reason === 'client-error',
    () => ({
      outcome: 'client_error',
      problem: { reason: 'aspose_misconfigured', scope: 'spell' },
      delay: { basis: 'transient-errors', retryAfterMs: undefined },
    }),
  ),
  // An answer we cannot read (not JSON, not the schema, an unknown status, too large).
  row(AsposePermanentError, always, () => ({
    outcome: 'invalid_response',
    problem: { reason: 'aspose_invalid_response', scope: 'spell' },
    delay: { basis: 'unreadable-answer' },
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

import type { CompletionEstimate } from './completion-estimate.js';
import { PollPolicy } from './poll-policy.js';

export const POLL_STRATEGIES = ['adaptive', 'exponential'] as const;
export type PollStrategy = (typeof POLL_STRATEGIES)[number];

export type PlanConfig = {
  POLL_INITIAL_DELAY_MS: number;
  POLL_MAX_DELAY_MS: number;
  TASK_DEADLINE_MS: number;
  POLL_STRATEGY: PollStrategy;
  POLL_LAG_PER_POLL_MS: number;
};

export type PlanInput = {
  config: PlanConfig;
  /** From `learner.estimate(kind)`; omitted or `source: 'none'` → the exponential back-off. */
  estimate?: CompletionEstimate | undefined;
  /** Epoch ms the image was sent to Aspose (completion times are learned from here). */
  submittedAt: number;
  /** Epoch ms the task was tracked (the poll job's timestamp); the first poll is due no sooner than this + POLL_INITIAL_DELAY_MS. */
  trackedAt?: number;
  /** Polls answered so far, every one "not yet". */
  polls: number;
  /** Epoch ms the last of them was sent (undefined before the first poll). */
  lastPollAt?: number | undefined;
  now: number;
  /** A server's Retry-After: the poll is not due before now + this (even past POLL_MAX_DELAY_MS). */
  retryAfterMs?: number | undefined;
  /** [0, 1); seeded in tests. @defaultValue Math.random */
  random?: () => number;
  /** ± share of the delay. @defaultValue 0.2 */
  jitter?: number;
};

/** Why the poll is due when it is (logged, and counted by the bench). */
export type PlanBasis = 'learned' | 'beyond-learned' | 'exponential' | 'retry-after' | 'deadline';

export type PollPlan = {
  /** Epoch ms the next poll is due (integer). */
  at: number;
  /** BullMQ priority for when the job is promoted: 1 (surely done by then) … PRIORITY_LEVELS (surely not). */
  priority: number;
  /** P(done by `at` | not done at the last poll) under the estimate; undefined without one. */
  hitProbability: number | undefined;
  basis: PlanBasis;
};

/** ±20 %: spreads tasks tracked in one burst, and makes the learner see varied intervals. */
export const DEFAULT_JITTER = 0.2;
/**
 * Priorities are quantised to this many levels (BullMQ allows 1 … 2^21 − 1): tasks whose chances
 * differ by less than 0.1 % keep their arrival order (BullMQ is FIFO within one priority).
 */
export const PRIORITY_LEVELS = 1_000;
/** The priority of a poll whose chance is unknown (no estimate): the middle, "even odds". */
export const UNKNOWN_PRIORITY = priorityFor(0.5);

/**
 * When to poll a task next, and how urgent that poll is once due.
 *
 * Adaptive (a usable estimate): the poll the cost model picks (`PollPolicy`): the schedule that
 * minimises E[polls] + E[detection lag] / POLL_LAG_PER_POLL_MS for the learned distribution, read at
 * the task's age at its last poll (0 before the first). So the first poll comes where completion
 * becomes likely, later ones are dense where tasks finish and sparse across a lull or in the tail.
 * POLL_LAG_PER_POLL_MS is the one knob: lower = more polls, less lag. Past everything observed (less
 * than half an observation's worth of tasks left) the gap is the task's age (doubling), as the
 * exponential back-off would do.
 *
 * Exponential (no estimate yet, or POLL_STRATEGY=exponential): today's curve, POLL_INITIAL_DELAY_MS
 * doubling per poll.
 *
 * Then, in this order: the gap since the last poll (or since tracking) is clamped to
 * [POLL_INITIAL_DELAY_MS, POLL_MAX_DELAY_MS]; jitter is drawn uniformly in ±jitter around the clamped
 * gap, intersected with the same range (so no delay piles up on a bound, unlike jitter applied
 * before clamping, and none leaves it); Retry-After is a lower bound; the deadline an upper one (the
 * run at the deadline ends the task). Never before `now`.
 */
export function planNextPoll(input: PlanInput): PollPlan {
  const { config, submittedAt, now, polls } = input;
  const random = input.random ?? Math.random;
  const jitter = input.jitter ?? DEFAULT_JITTER;
  const min = config.POLL_INITIAL_DELAY_MS;
  const max = Math.max(config.POLL_MAX_DELAY_MS, min);
  const anchor = input.lastPollAt ?? input.trackedAt ?? submittedAt;
  const age = input.lastPollAt === undefined ? 0 : Math.max(0, input.lastPollAt - submittedAt);
  const estimate = config.POLL_STRATEGY === 'adaptive' && input.estimate?.usable ? input.estimate : undefined;

  let gap: number;
  let basis: PlanBasis;
  const nextAge = estimate
    ? PollPolicy.for(estimate, { lagPerPollMs: config.POLL_LAG_PER_POLL_MS, minGapMs: min, maxGapMs: max }).nextAge(age)
    : undefined;
  if (nextAge !== undefined) {
    gap = submittedAt + nextAge - anchor;
    basis = 'learned';
  } else if (estimate) {
    gap = age;
    basis = 'beyond-learned';
  } else {
    gap = input.lastPollAt === undefined ? min : min * 2 ** Math.min(Math.max(polls - 1, 0), 30);
    basis = 'exponential';
  }
  const clamped = Math.min(Math.max(gap, min), max);
  const low = Math.max(min, clamped * (1 - jitter));
  const high = Math.min(max, clamped * (1 + jitter));
  let at = Math.max(now, anchor + low + (high - low) * random());
  if (input.retryAfterMs !== undefined && now + input.retryAfterMs > at) {
    at = now + input.retryAfterMs;
    if (basis !== 'beyond-learned') basis = 'retry-after';
  }
  const deadline = submittedAt + config.TASK_DEADLINE_MS;
  if (at >= deadline) {
    // The run at the deadline decides the task either way (done, or Expired): it goes first.
    return { at: Math.max(now, Math.ceil(deadline)), priority: 1, hitProbability: estimate ? 1 : undefined, basis: 'deadline' };
  }
  at = Math.ceil(at);
  // Past the learned data the estimate's tail is a handful of observations: no odds worth ranking by.
  if (!estimate || basis === 'beyond-learned') return { at, priority: UNKNOWN_PRIORITY, hitProbability: undefined, basis };
  const doneBefore = estimate.cdf(age);
  const remaining = 1 - doneBefore;
  const hitProbability = remaining > 0 ? Math.min(1, Math.max(0, (estimate.cdf(at - submittedAt) - doneBefore) / remaining)) : 1;
  return { at, priority: priorityFor(hitProbability), hitProbability, basis };
}

/** 1 for a poll sure to find the task done, PRIORITY_LEVELS for one sure not to (lower = sooner in BullMQ). */
export function priorityFor(hitProbability: number): number {
  const p = Math.min(1, Math.max(0, hitProbability));
  return 1 + Math.round((1 - p) * (PRIORITY_LEVELS - 1));
}

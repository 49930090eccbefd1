import { z } from 'zod';
import { LEARNER_DEFAULTS } from '../schedule/completion-learner.js';
import { POLL_STRATEGIES } from '../schedule/plan-next-poll.js';

// Environment values are strings (blank = unset, see loadConfig).
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

/**
 * How the worker schedules polls (issue 12): the variables of adaptive polling, a self-contained piece
 * of the config schema. Each default comes from the offline bench (`npm run bench -- --only adaptive`).
 */
export const pollingEnvShape = {
  /**
   * `adaptive`: poll where the learned completion times say the task is likely done (falls back to
   * the exponential back-off while too little is learned); `exponential`: the fixed back-off only.
   */
  POLL_STRATEGY: z.enum(POLL_STRATEGIES, { message: 'must be adaptive or exponential' }).default('adaptive'),
  /**
   * Adaptive only: how much mean detection lag one more poll per task must save (ms). The schedule
   * minimises polls + lag / this, so lower = more polls and less lag, higher = fewer polls. 2500: about
   * half today's polls at about half today's p95 lag on the bench's workloads.
   */
  POLL_LAG_PER_POLL_MS: wholeNumber(1, 3_600_000).default(2_500),
  /** Completions (of one kind, or of all for the shared estimate) after which an observation weighs half. */
  POLL_LEARN_HALF_LIFE: wholeNumber(10, 1_000_000).default(LEARNER_DEFAULTS.halfLifeCompletions),
  /**
   * Effective observations before the learned estimate is used (until then: exponential back-off);
   * also the weight, in observations, of the shared estimate inside a kind's.
   */
  POLL_LEARN_MIN_SAMPLES: wholeNumber(1, 100_000).default(LEARNER_DEFAULTS.minSamples),
  /** Kinds learned separately; tasks of further kinds use the shared estimate. Bounds Redis memory (2.5-5 KB per kind). */
  POLL_MAX_KINDS: wholeNumber(1, 10_000).default(LEARNER_DEFAULTS.maxKinds),
};

/**
 * The variables a poll's time is planned from: the worker's for every poll, and a producer's for a new task's first
 * poll — POLL_INITIAL_DELAY_MS, and with POLL_STRATEGY=adaptive the learned first poll (the workers' plan for it,
 * from what they learned in Redis), so the first run of the job makes a GET instead of only re-delaying it (issue 12).
 * A producer must have them as the workers do.
 */
export const POLL_PLAN_VARIABLE_NAMES = [
  'POLL_INITIAL_DELAY_MS',
  'POLL_MAX_DELAY_MS',
  'POLL_STRATEGY',
  'POLL_LAG_PER_POLL_MS',
  'POLL_LEARN_HALF_LIFE',
  'POLL_LEARN_MIN_SAMPLES',
  'POLL_MAX_KINDS',
  'TASK_DEADLINE_MS',
] as const;

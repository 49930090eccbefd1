import { PRIORITY_LEVELS } from './plan-next-poll.js';

/**
 * BullMQ 6 orders its prioritized set by `priority × 2^32 + counter` (`getPriorityScore.lua`), the
 * counter being one per queue, incremented at every promotion of a due job with a priority. One unit of
 * the counter is one promotion; a priority step of 2^-32 is worth exactly one.
 */
export const PROMOTION_COUNTER_SPAN = 2 ** 32;

/**
 * The promotion priority of a due poll that AGES: likeliest-done first, but a poll never waits behind
 * likelier ones promoted more than `agingPromotions` promotions after it.
 *
 * BullMQ's priorities are fixed once a job is in the prioritized set, and integer levels never age: with
 * one level per chance, a poll unlikely to find its task done waits behind every likelier poll that
 * becomes due, for as long as they keep coming — under a standing backlog, the slow tail starves. So all
 * learned polls share the integer part 1, and the odds go into the fraction, in units of the promotion
 * counter: `1 + k / 2^32` with k = (level − 1) / (PRIORITY_LEVELS − 1) × agingPromotions. Its score is the
 * counter at its promotion + k: a poll is ordered as if it had become due k promotions later. A sure poll
 * (level 1, and the deadline's deciding run) has k = 0; the least likely waits for at most
 * `agingPromotions` later promotions, then it is ahead of every poll promoted after that. With the cap
 * binding, due polls are promoted at least as fast as they are served (ASPOSE_MAX_RPS per second, less
 * what new tasks take), so `agingPromotions` = ASPOSE_MAX_RPS × the aging bound in seconds bounds the wait
 * in time too. Within the bound the order is by odds, as before.
 *
 * Outside BullMQ's documented range (whole numbers 1 … 2^21): BullMQ only checks that in `add` and
 * `changePriority`; its Lua reads the job hash's `priority` with `tonumber`, so a fraction is kept, and the
 * score stays an exact integer below 2^34. A real-Redis test pins this (apps/worker/test/priority-aging.test.ts).
 * New tasks (priority 0) are in BullMQ's wait list, served before any prioritized job, as before.
 */
export function agedPriority(level: number, agingPromotions: number): number {
  const share = Math.min(1, Math.max(0, (level - 1) / (PRIORITY_LEVELS - 1)));
  const k = Math.round(share * Math.max(0, Math.min(agingPromotions, MAX_AGING_PROMOTIONS)));
  return 1 + k / PROMOTION_COUNTER_SPAN;
}

/** Far beyond any useful bound (a day at 10,000 requests per second), and keeps the score exact. */
export const MAX_AGING_PROMOTIONS = 2 ** 30;

/** The aging bound in promotions for a cap of `maxRps` requests per second and a bound of `agingMs`. */
export function agingPromotionsFor(maxRps: number, agingMs: number): number {
  return Math.max(1, Math.round((maxRps * agingMs) / 1_000));
}

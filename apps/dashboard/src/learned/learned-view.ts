import { createCompletionLearner, type RedisClient } from '@regionwatch/core';

/** One kind's learned completion times (seconds from submittedAt); `_shared` is the estimate of all tasks. */
export type LearnedKindView = { kind: string; p50Seconds: number; p90Seconds: number; p99Seconds: number };

export type LearnedView = {
  checkedAt: string;
  /** `_shared` first, then the kinds by name; only estimates with enough completions to steer the schedule. */
  kinds: LearnedKindView[];
};

const QUANTILES = [0.5, 0.9, 0.99] as const;
const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

/**
 * What adaptive polling has learned, as the workers read it (the same Redis keys, `…:regions-poll:learn:*`):
 * two HGETALLs per kind, at most POLL_MAX_KINDS kinds. Read-only: the learner here never flushes (it
 * observes nothing). Estimates with fewer than the default 20 effective completions are not shown: the
 * workers do not use them either.
 */
export async function readLearned(connection: RedisClient, prefix: string, now = Date.now()): Promise<LearnedView> {
  const learner = createCompletionLearner(connection, prefix, { refreshMs: 0, now: () => now });
  const rows = await learner.learnedQuantiles(QUANTILES);
  const byKind = new Map<string, LearnedKindView>();
  for (const { kind, quantile, seconds } of rows) {
    const view = byKind.get(kind) ?? { kind, p50Seconds: Number.NaN, p90Seconds: Number.NaN, p99Seconds: Number.NaN };
    if (quantile === 0.5) view.p50Seconds = round(seconds);
    else if (quantile === 0.9) view.p90Seconds = round(seconds);
    else view.p99Seconds = round(seconds);
    byKind.set(kind, view);
  }
  const kinds = [...byKind.values()].sort((a, b) => (a.kind === '_shared' ? -1 : b.kind === '_shared' ? 1 : a.kind.localeCompare(b.kind)));
  return { checkedAt: new Date(now).toISOString(), kinds };
}

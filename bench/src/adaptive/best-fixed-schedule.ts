/** Tasks that share one schedule: a share of the run and their completion-time CDF (ms since submission). */
export type Population = { kind: string | undefined; weight: number; cdf: (ms: number) => number };

export type BestFixedOptions = {
  /** The detection lag to meet … */
  lagMs: number;
  /** … for this share of tasks (0.95: the p95 lag is at most lagMs). */
  share: number;
  /** Poll gaps allowed (POLL_INITIAL_DELAY_MS … POLL_MAX_DELAY_MS), the first poll counted from submission. */
  minGapMs: number;
  maxGapMs: number;
  /** Time grid points per population (resolution of the search). @defaultValue 2500 */
  gridPoints?: number;
};

export type BestFixed = {
  /** Poll ages (ms since submission) per population kind. */
  ages: Map<string | undefined, number[]>;
  /** Expected polls per task under the known distribution. */
  expectedPolls: number;
  /** Expected share of tasks detected later than lagMs after completion. */
  lateShare: number;
  /** False when no schedule within the gap limits meets the lag for that share. */
  feasible: boolean;
};

type Grid = { times: Float64Array; survival: Float64Array; cdf: Float64Array; cdfMinusLag: Float64Array; kMin: number; kMax: number };

/**
 * The best schedule a poller can fix in advance knowing the distribution (not each task's time):
 * the fewest expected polls per task such that at most (1 − share) of tasks are detected more than
 * lagMs after they finished. Exact dynamic programming on a time grid for the Lagrangian
 * E[polls] + λ·P(lag > lagMs) — a schedule's cost is a sum over consecutive polls (a, b]: every task
 * not done by a pays the poll at b, and the tasks done in (a, b − lagMs) are late — then bisection
 * on λ for the smallest weight that meets the constraint. Several populations (kinds, whose
 * distribution a poller may know separately) each get their own schedule under one shared λ, which
 * is the optimum for the combined constraint.
 */
export function bestFixedSchedule(populations: readonly Population[], options: BestFixedOptions): BestFixed {
  const total = populations.reduce((s, p) => s + p.weight, 0);
  const grids = populations.map((p) => grid(p.cdf, options));
  const solve = (lambda: number) => {
    let polls = 0;
    let late = 0;
    const ages = new Map<string | undefined, number[]>();
    populations.forEach((p, i) => {
      const g = grids[i];
      if (!g) return;
      const path = optimalPath(g, lambda);
      polls += (p.weight / total) * path.polls;
      late += (p.weight / total) * path.late;
      ages.set(p.kind, path.ages);
    });
    return { ages, expectedPolls: polls, lateShare: late };
  };
  const allowed = 1 - options.share;
  let high = 1;
  let best = solve(high);
  while (best.lateShare > allowed && high < 1e7) {
    high *= 4;
    best = solve(high);
  }
  if (best.lateShare > allowed) return { ...best, feasible: false };
  let low = 0;
  for (let i = 0; i < 30; i++) {
    const mid = (low + high) / 2;
    const attempt = solve(mid);
    if (attempt.lateShare <= allowed) {
      high = mid;
      best = attempt;
    } else low = mid;
  }
  return { ...best, feasible: true };
}

function grid(cdf: (ms: number) => number, options: BestFixedOptions): Grid {
  // Far enough that the tasks left over cannot matter (1e-7 of them).
  let horizon = Math.max(options.maxGapMs, 1_000);
  while (1 - cdf(horizon) > 1e-7 && horizon < 1e10) horizon *= 1.25;
  const points = options.gridPoints ?? 2_500;
  const step = horizon / points;
  const times = new Float64Array(points + 1);
  const survival = new Float64Array(points + 1);
  const cdfs = new Float64Array(points + 1);
  const cdfMinusLag = new Float64Array(points + 1);
  for (let j = 0; j <= points; j++) {
    const t = j * step;
    times[j] = t;
    cdfs[j] = j === 0 ? 0 : cdf(t);
    survival[j] = 1 - (cdfs[j] ?? 0);
    cdfMinusLag[j] = t - options.lagMs > 0 ? cdf(t - options.lagMs) : 0;
  }
  return {
    times,
    survival,
    cdf: cdfs,
    cdfMinusLag,
    kMin: Math.max(1, Math.ceil(options.minGapMs / step)),
    kMax: Math.max(1, Math.floor(options.maxGapMs / step)),
  };
}

function optimalPath(g: Grid, lambda: number): { ages: number[]; polls: number; late: number } {
  const n = g.times.length;
  const value = new Float64Array(n);
  const next = new Int32Array(n).fill(-1);
  for (let j = n - 1; j >= 0; j--) {
    const s = g.survival[j] ?? 0;
    const f = g.cdf[j] ?? 0;
    let bestCost = Number.POSITIVE_INFINITY;
    let bestK = -1;
    const last = Math.min(n - 1, j + g.kMax);
    for (let k = j + g.kMin; k <= last; k++) {
      const cost = s + lambda * Math.max(0, (g.cdfMinusLag[k] ?? 0) - f) + (value[k] ?? 0);
      if (cost < bestCost) {
        bestCost = cost;
        bestK = k;
      }
    }
    // Past the horizon (no successor on the grid) nothing is left to pay for.
    value[j] = bestK < 0 ? 0 : bestCost;
    next[j] = bestK;
  }
  const ages: number[] = [];
  let polls = 0;
  let late = 0;
  for (let j = 0, k = next[0] ?? -1; k >= 0; j = k, k = next[k] ?? -1) {
    polls += g.survival[j] ?? 0;
    late += Math.max(0, (g.cdfMinusLag[k] ?? 0) - (g.cdf[j] ?? 0));
    ages.push(g.times[k] ?? 0);
  }
  return { ages, polls, late };
}

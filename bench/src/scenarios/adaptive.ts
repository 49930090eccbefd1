import { LEARNER_DEFAULTS, type CompletionEstimate, type PlanConfig } from '@regionwatch/core';
import { Prng, sampleCompletion, WORKLOADS, workloadCdf, workloadQuantile, type CompletionWorkload } from '@regionwatch/simulator';
import { bestFixedSchedule, type Population } from '../adaptive/best-fixed-schedule.js';
import { estimateOfTruth, scheduleCost } from '../adaptive/schedule-cost.js';
import {
  adaptiveStrategy,
  exponentialStrategy,
  fixedIntervalStrategy,
  scheduleStrategy,
  simulate,
  type SimTask,
  type Strategy,
  type TaskOutcome,
} from '../adaptive/offline-simulation.js';

export type StrategyRow = {
  strategy: string;
  meanPolls: number;
  p50LagMs: number;
  p95LagMs: number;
  p99LagMs: number;
  /** Tasks finished per second when ASPOSE_MAX_RPS = capRps binds: the budget divided by polls per task. */
  tasksPerSecondAtCap: number;
  /** Best-fixed rows: the p95 lag it was searched for, and whether any schedule meets it. */
  searchedForP95LagMs?: number;
  feasible?: boolean;
};

export type GoalCheck = { name: string; value: number; target: string; met: boolean };

export type WorkloadFigures = {
  workload: string;
  description: string;
  kindsGiven: boolean;
  tasks: number;
  rows: StrategyRow[];
  goals: GoalCheck[];
  /** Shift workload: post-shift completions until the learned schedule costs within 10 % of the best for the new truth. */
  recoveryCompletions?: number | null;
  /** … and until the learned median is within 15 % of the new one. */
  medianRecoveryCompletions?: number | null;
  /** Learned vs true quantiles when the last task is submitted (the learner's accuracy in the loop). */
  learned: { quantile: number; learnedMs: number; trueMs: number }[];
};

export type AdaptiveFigures = {
  tasksPerWorkload: number;
  seed: number;
  capRps: number;
  meanInterArrivalMs: number;
  lagPerPollMs: number;
  latencyLagPerPollMs: number;
  halfLifeCompletions: number;
  minSamples: number;
  config: Pick<PlanConfig, 'POLL_INITIAL_DELAY_MS' | 'POLL_MAX_DELAY_MS'>;
  workloads: WorkloadFigures[];
};

export type AdaptiveOptions = {
  tasks: number;
  seed?: number;
  /** POLL_LAG_PER_POLL_MS of the default adaptive row, and of the latency-tuned one. */
  lagPerPollMs?: number;
  latencyLagPerPollMs?: number;
  halfLifeCompletions?: number;
  log?: (line: string) => void;
};

/** ASPOSE_MAX_RPS for the "tasks/s under a binding cap" column. */
const CAP_RPS = 10;
/** Tasks arrive as a Poisson stream (10 a second): ~30-100 in flight, as a busy worker would have. */
const MEAN_INTER_ARRIVAL_MS = 100;
const BASE_CONFIG = {
  POLL_INITIAL_DELAY_MS: 1_000,
  POLL_MAX_DELAY_MS: 30_000,
  TASK_DEADLINE_MS: 86_400_000,
} as const;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

/**
 * Offline evaluation of adaptive polling (issue 12): pure, deterministic, seconds. For each workload,
 * the same sampled tasks run under each strategy in simulated time; the adaptive one learns as the
 * worker would (from what its own polls saw, in completion order). Anchors from the same samples:
 * the oracle (1 poll, 0 lag) and the best fixed schedule for the known distribution.
 */
export async function measureAdaptive(options: AdaptiveOptions): Promise<AdaptiveFigures> {
  const seed = options.seed ?? 12;
  const q = options.lagPerPollMs ?? 2_500;
  const qLatency = options.latencyLagPerPollMs ?? 600;
  const halfLifeCompletions = options.halfLifeCompletions ?? LEARNER_DEFAULTS.halfLifeCompletions;
  const log = options.log ?? (() => {});
  const workloads: { workload: CompletionWorkload; kindsGiven: boolean }[] = [
    { workload: WORKLOADS.lognormal, kindsGiven: false },
    { workload: WORKLOADS.bimodal, kindsGiven: false },
    { workload: WORKLOADS.bimodal, kindsGiven: true },
    { workload: WORKLOADS.shift, kindsGiven: false },
  ];
  const figures: WorkloadFigures[] = [];
  for (const { workload, kindsGiven } of workloads) {
    log(`  adaptive (offline): ${workload.name}${kindsGiven ? ' with kinds' : ''}, ${options.tasks} tasks`);
    figures.push(await evaluateWorkload(workload, kindsGiven, options.tasks, seed, q, qLatency, halfLifeCompletions));
  }
  return {
    tasksPerWorkload: options.tasks,
    seed,
    capRps: CAP_RPS,
    meanInterArrivalMs: MEAN_INTER_ARRIVAL_MS,
    lagPerPollMs: q,
    latencyLagPerPollMs: qLatency,
    halfLifeCompletions,
    minSamples: LEARNER_DEFAULTS.minSamples,
    config: { POLL_INITIAL_DELAY_MS: BASE_CONFIG.POLL_INITIAL_DELAY_MS, POLL_MAX_DELAY_MS: BASE_CONFIG.POLL_MAX_DELAY_MS },
    workloads: figures,
  };
}

/** The same tasks for every strategy: Poisson arrivals, completion times from the workload. */
export function sampleTasks(workload: CompletionWorkload, kindsGiven: boolean, n: number, seed: number): SimTask[] {
  const prng = Prng.stream(seed, `tasks-${workload.name}`);
  const random = () => prng.next();
  let at = 1_700_000_000_000;
  return Array.from({ length: n }, (_, i) => {
    at += -Math.log(1 - random()) * MEAN_INTER_ARRIVAL_MS;
    const { completionMs, kind } = sampleCompletion(workload, random, i, n);
    return { submittedAt: Math.round(at), completionMs, kind: kindsGiven ? kind : undefined };
  });
}

async function evaluateWorkload(
  workload: CompletionWorkload,
  kindsGiven: boolean,
  n: number,
  seed: number,
  q: number,
  qLatency: number,
  halfLifeCompletions: number,
): Promise<WorkloadFigures> {
  const tasks = sampleTasks(workload, kindsGiven, n, seed);
  const config = (lagPerPollMs: number): PlanConfig => ({ ...BASE_CONFIG, POLL_STRATEGY: 'adaptive', POLL_LAG_PER_POLL_MS: lagPerPollMs });
  const row = (name: string, outcomes: TaskOutcome[]): StrategyRow => summarise(name, outcomes);
  const rows: StrategyRow[] = [{ strategy: 'oracle', meanPolls: 1, p50LagMs: 0, p95LagMs: 0, p99LagMs: 0, tasksPerSecondAtCap: CAP_RPS }];

  const exponential = row('exponential (today)', await simulate(tasks, exponentialStrategy(config(q), seed)));
  rows.push(exponential);
  for (const interval of [1_000, 5_000])
    rows.push(row(`fixed ${interval / 1000} s`, await simulate(tasks, fixedIntervalStrategy(interval))));

  // The shift workload: counting the post-shift tasks that finished, how many it takes until the
  // schedule the estimate produces costs (polls + lag / POLL_LAG_PER_POLL_MS, on the new truth) within
  // 10 % of what the schedule from the true new distribution costs; and (reported too) until the
  // learned median is within 15 % of the new one.
  const shiftIndex = workload.shift ? Math.floor(workload.shift.at * n) : Number.POSITIVE_INFINITY;
  const newMedian = workloadQuantile(workload, 0.5, 'after');
  const newCdf = (ms: number) => workloadCdf(workload, ms, 'after');
  const optimum = workload.shift ? scheduleCost(estimateOfTruth(newCdf), newCdf, config(q)).cost : 0;
  let lastChecked: CompletionEstimate | undefined;
  let postShift = 0;
  let recovery: number | null = null;
  let medianRecovery: number | null = null;
  const learnerOptions = { halfLifeCompletions };
  const adaptive = adaptiveStrategy(`adaptive (${q / 1000} s per poll)`, config(q), seed, learnerOptions);
  // The learner's accuracy is read when the last task is submitted: after that only slow tasks are
  // left to finish, and the estimate (rightly) leans toward them.
  const lastSubmittedAt = tasks.at(-1)?.submittedAt ?? 0;
  let snapshot: CompletionEstimate | undefined;
  const adaptiveRow = row(
    adaptive.name,
    await simulate(tasks, adaptive, async (outcome) => {
      if (!snapshot && outcome.detectedAt >= lastSubmittedAt) snapshot = await adaptive.learner.estimate();
      if (outcome.index < shiftIndex || (recovery !== null && medianRecovery !== null)) return;
      postShift++;
      const estimate = await adaptive.learner.estimate();
      if (recovery === null && estimate !== lastChecked && estimate.usable) {
        lastChecked = estimate; // a new estimate every refresh, not every completion
        if (scheduleCost(estimate, newCdf, config(q)).cost <= 1.1 * optimum) recovery = postShift;
      }
      if (medianRecovery === null && Math.abs(estimate.quantile(0.5) / newMedian - 1) <= 0.15) medianRecovery = postShift;
    }),
  );
  rows.push(adaptiveRow);
  const latency = adaptiveStrategy(`adaptive, latency-tuned (${qLatency / 1000} s per poll)`, config(qLatency), seed, learnerOptions);
  const latencyRow = row(latency.name, await simulate(tasks, latency));
  rows.push(latencyRow);

  const populations: Population[] = kindsGiven
    ? workload.components.map((c) => ({ kind: c.kind, weight: c.weight, cdf: (ms: number) => workloadCdf(workload, ms, 'all', c.kind) }))
    : [{ kind: undefined, weight: 1, cdf: (ms: number) => workloadCdf(workload, ms, 'all') }];
  const bestFixed = async (label: string, p95: number) => {
    const best = bestFixedSchedule(populations, {
      lagMs: p95,
      share: 0.95,
      minGapMs: BASE_CONFIG.POLL_INITIAL_DELAY_MS,
      maxGapMs: BASE_CONFIG.POLL_MAX_DELAY_MS,
    });
    const strategy: Strategy = scheduleStrategy(label, (kind) => best.ages.get(kind) ?? [], BASE_CONFIG.POLL_MAX_DELAY_MS);
    return { ...row(label, await simulate(tasks, strategy)), searchedForP95LagMs: p95, feasible: best.feasible };
  };
  const fixedForAdaptive = await bestFixed("best fixed @ adaptive's p95", adaptiveRow.p95LagMs);
  const fixedForLatency = await bestFixed("best fixed @ latency-tuned's p95", latencyRow.p95LagMs);
  const fixedForExponential = await bestFixed("best fixed @ exponential's p95", exponential.p95LagMs);
  rows.push(fixedForAdaptive, fixedForLatency, fixedForExponential);

  const goals: GoalCheck[] = [
    check('adaptive polls ÷ exponential', adaptiveRow.meanPolls / exponential.meanPolls, '≤ 0.65', (v) => v <= 0.65),
    check('adaptive p95 lag ÷ exponential', adaptiveRow.p95LagMs / exponential.p95LagMs, '≤ 1', (v) => v <= 1),
    check('latency-tuned polls ÷ exponential', latencyRow.meanPolls / exponential.meanPolls, '≤ 1', (v) => v <= 1),
    check('latency-tuned p95 lag ÷ exponential', latencyRow.p95LagMs / exponential.p95LagMs, '≤ 0.5', (v) => v <= 0.5),
    check('adaptive polls ÷ best fixed (same p95)', adaptiveRow.meanPolls / fixedForAdaptive.meanPolls, '≤ 1.2', (v) => v <= 1.2),
    check('latency-tuned polls ÷ best fixed (same p95)', latencyRow.meanPolls / fixedForLatency.meanPolls, '≤ 1.2', (v) => v <= 1.2),
    check(
      'tasks/s under the cap ÷ exponential',
      adaptiveRow.tasksPerSecondAtCap / exponential.tasksPerSecondAtCap,
      '≥ 1.5',
      (v) => v >= 1.5,
    ),
  ];
  const recoveryCompletions: number | null = recovery;
  if (workload.shift) {
    goals.push(check('completions to follow the shift', recoveryCompletions ?? Number.POSITIVE_INFINITY, '≤ 300', (v) => v <= 300));
  }
  const final = snapshot ?? (await adaptive.learner.estimate());
  const phase = workload.shift ? 'after' : 'all';
  return {
    workload: workload.name,
    description: workload.description,
    kindsGiven,
    tasks: n,
    rows,
    goals,
    ...(workload.shift ? { recoveryCompletions, medianRecoveryCompletions: medianRecovery as number | null } : {}),
    learned: [0.5, 0.9, 0.99].map((quantile) => ({
      quantile,
      learnedMs: final.quantile(quantile),
      trueMs: workloadQuantile(workload, quantile, phase),
    })),
  };
}

function summarise(strategy: string, outcomes: TaskOutcome[]): StrategyRow {
  const lags = outcomes.map((o) => o.lagMs).sort((a, b) => a - b);
  const meanPolls = outcomes.reduce((s, o) => s + o.polls, 0) / Math.max(1, outcomes.length);
  return {
    strategy,
    meanPolls,
    p50LagMs: percentile(lags, 50),
    p95LagMs: percentile(lags, 95),
    p99LagMs: percentile(lags, 99),
    tasksPerSecondAtCap: CAP_RPS / meanPolls,
  };
}

function check(name: string, value: number, target: string, ok: (v: number) => boolean): GoalCheck {
  return { name, value, target, met: ok(value) };
}

import { capacityWithin, type Capacity, type CapacityPoint } from '../adaptive/capacity.js';
import type { BenchContext } from '../context.js';
import { budgetUse, runTasks, summary, TIME_SCALE, type LiveStrategy } from './adaptive-live.js';

/** Sizes of the capacity scan (`loads` empty: no scan). */
export type AdaptiveCapacitySizes = {
  /** Arrival rates to try, as fractions of ASPOSE_MAX_RPS (tasks per second ÷ requests per second), lowest first. */
  loads: readonly number[];
  /** Seconds of arrivals per rate (scaled time): the measured tasks are this × the rate, or `minTasks` if more. */
  secondsPerLoad: number;
  /** Measured tasks at least, per rate: at low rates a p95 needs more tasks than a few seconds bring. */
  minTasks: number;
  /** Tasks before the measured ones at each rate (the learner learns from them; not reported). */
  warmupTasks: number;
};

export type CapacityScan = { strategy: LiveStrategy; points: CapacityPoint[]; capacity: Capacity | undefined };

export type AdaptiveCapacityFigures = {
  timeScale: number;
  maxRps: number;
  secondsPerLoad: number;
  minTasks: number;
  /** The p95 lag bound: BOUND_FACTOR × exponential's p95 lag at the lowest rate (where the cap does not bind it). */
  boundMs: number;
  boundFactor: number;
  scans: CapacityScan[];
};

/** The same cap as the saturated capped runs (40 per scaled second: 10 per second unscaled). */
const MAX_RPS = 40;
/** How much worse than exponential's own p95 lag without a binding cap the bound allows. */
const BOUND_FACTOR = 1.25;
/** Rates and lags over the arrivals from this fraction of their span on (the first ones meet an empty queue). */
const STEADY_FROM = 0.3;

/**
 * 11c. Capacity under a binding cap at a latency bound: log-normal tasks arriving at rising rates under ASPOSE_MAX_RPS,
 * each strategy's p95 lag at each rate, and the highest rate each carries with its p95 lag within 1.25× exponential's
 * p95 lag at the lowest rate. A saturated run (section 9b's capped table) cannot show what fewer polls per task buy:
 * with a standing backlog the queue's wait spaces every strategy's polls to about one per task, so both finish the cap
 * ÷ ~1.1 tasks per second. Below saturation, the strategy that needs fewer polls per task reaches the cap at a higher
 * arrival rate, and its lag stays low up to there. Each strategy's scan stops at the first rate beyond the bound.
 */
export async function measureAdaptiveCapacity(ctx: BenchContext, sizes: AdaptiveCapacitySizes): Promise<AdaptiveCapacityFigures> {
  const scans: CapacityScan[] = [];
  let boundMs = Number.NaN;
  for (const strategy of ['exponential', 'adaptive'] as const) {
    const points: CapacityPoint[] = [];
    for (const load of sizes.loads) {
      const arrivalsPerSecond = load * MAX_RPS;
      const tasks = Math.max(sizes.minTasks, Math.round(arrivalsPerSecond * sizes.secondsPerLoad));
      ctx.log(`  adaptive capacity: ${strategy}, ${arrivalsPerSecond} arrivals/s (${tasks} tasks), ASPOSE_MAX_RPS ${MAX_RPS}`);
      const run = await runTasks(ctx, {
        workload: 'lognormal',
        strategy,
        warmupTasks: sizes.warmupTasks,
        tasks,
        meanInterArrivalMs: 1_000 / arrivalsPerSecond,
        maxRps: MAX_RPS,
      });
      const from = run.started + STEADY_FROM * (run.lastArrival - run.started);
      const seconds = (run.lastArrival - from) / 1000;
      const steady = run.outcomes.slice(Math.floor(STEADY_FROM * run.outcomes.length));
      const lag = summary(steady);
      const point: CapacityPoint = {
        arrivalsPerSecond,
        tasksPerSecond: run.outcomes.filter((o) => o.decidedAt >= from && o.decidedAt <= run.lastArrival).length / seconds,
        getsPerSecond: budgetUse(run, from, MAX_RPS).getsPerSecond,
        meanPolls: lag.meanPolls,
        p50LagMs: lag.p50LagMs,
        p95LagMs: lag.p95LagMs,
      };
      ctx.log(
        `    ${point.tasksPerSecond.toFixed(1)} results/s, ${point.getsPerSecond.toFixed(1)} GETs/s, ` +
          `${point.meanPolls.toFixed(2)} polls/task, lag p95 ${(point.p95LagMs / TIME_SCALE / 1000).toFixed(2)} s unscaled`,
      );
      points.push(point);
      if (strategy === 'exponential' && points.length === 1) boundMs = BOUND_FACTOR * point.p95LagMs;
      if (point.p95LagMs > boundMs) break; // lag only grows with the rate from here: the rest would be cost without a figure
    }
    scans.push({ strategy, points, capacity: capacityWithin(points, boundMs) });
  }
  return {
    timeScale: TIME_SCALE,
    maxRps: MAX_RPS,
    secondsPerLoad: sizes.secondsPerLoad,
    minTasks: sizes.minTasks,
    boundMs,
    boundFactor: BOUND_FACTOR,
    scans,
  };
}

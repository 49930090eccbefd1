import { beforeAll, describe, expect, it } from 'vitest';
import { measureAdaptive, type AdaptiveFigures, type WorkloadFigures } from '../src/scenarios/adaptive.js';

// The offline evaluation of adaptive polling, a quarter of the bench's size, with a fixed seed: the
// learner and the schedule run exactly as the worker will, in simulated time, against the simulator's
// workloads. Deterministic (no clock, no Redis, no I/O): assertions about the design, not timing.
let figures: AdaptiveFigures;
beforeAll(async () => {
  figures = await measureAdaptive({ tasks: 5_000, seed: 12 });
}, 300_000);

function row(w: WorkloadFigures, prefix: string) {
  const found = w.rows.find((r) => r.strategy.startsWith(prefix));
  if (!found) throw new Error(`no row "${prefix}" for ${w.workload}`);
  return found;
}
const byName = (name: string, kindsGiven = false) => {
  const w = figures.workloads.find((x) => x.workload === name && x.kindsGiven === kindsGiven);
  if (!w) throw new Error(`no workload ${name}`);
  return w;
};

describe('adaptive polling, offline (issue 12 goals)', () => {
  it.each([
    ['lognormal', false],
    ['bimodal', false],
    ['bimodal', true],
    ['shift', false],
  ] as const)(
    '%s (kinds given: %s): Pareto-dominates the exponential back-off both ways, and finishes ≥ 1.5× the tasks under a binding cap',
    (name, kindsGiven) => {
      const w = byName(name, kindsGiven);
      const exponential = row(w, 'exponential');
      const adaptive = row(w, 'adaptive (');
      const latency = row(w, 'adaptive, latency-tuned');
      expect(adaptive.meanPolls / exponential.meanPolls).toBeLessThanOrEqual(0.65);
      expect(adaptive.p95LagMs).toBeLessThanOrEqual(exponential.p95LagMs);
      expect(latency.meanPolls).toBeLessThanOrEqual(exponential.meanPolls);
      expect(latency.p95LagMs / exponential.p95LagMs).toBeLessThanOrEqual(0.5);
      expect(adaptive.tasksPerSecondAtCap / exponential.tasksPerSecondAtCap).toBeGreaterThanOrEqual(1.5);
      // Nobody beats the oracle: one poll, no lag.
      for (const r of w.rows) {
        expect(r.meanPolls).toBeGreaterThanOrEqual(1);
        expect(r.p50LagMs).toBeGreaterThanOrEqual(0);
      }
    },
  );

  it('log-normal: within 1.2× of the best fixed schedule for the known distribution at the same p95 lag', () => {
    const w = byName('lognormal');
    expect(row(w, 'adaptive (').meanPolls / row(w, "best fixed @ adaptive's").meanPolls).toBeLessThanOrEqual(1.2);
    expect(row(w, 'adaptive, latency-tuned').meanPolls / row(w, "best fixed @ latency-tuned's").meanPolls).toBeLessThanOrEqual(1.2);
  });

  it('bimodal and shift: near the best fixed schedule, by a bounded margin, at a much lower median lag', () => {
    // Reported in the README: the full bench (20 000 tasks) puts shift within 1.2× and bimodal at
    // 1.25-1.3× (the p95-optimal schedule lets the median lag approach the p95; the cost model keeps
    // it low). These bounds catch a regression; they do not claim the goal.
    for (const w of [byName('shift'), byName('bimodal'), byName('bimodal', true)]) {
      const adaptive = row(w, 'adaptive (');
      const best = row(w, "best fixed @ adaptive's");
      expect(adaptive.meanPolls / best.meanPolls, w.workload).toBeLessThanOrEqual(1.35);
      expect(adaptive.p50LagMs, w.workload).toBeLessThan(0.7 * best.p50LagMs);
    }
  });

  it('follows a 3× slowdown within a few hundred completions', () => {
    const w = byName('shift');
    expect(w.recoveryCompletions).not.toBeNull();
    expect(w.recoveryCompletions).toBeLessThanOrEqual(300);
  });

  it('learns the distribution it polls (not its own schedule): quantiles near the truth', () => {
    for (const w of [byName('lognormal'), byName('shift'), byName('bimodal')]) {
      for (const l of w.learned.filter((x) => x.quantile <= 0.9)) {
        expect(Math.abs(l.learnedMs / l.trueMs - 1), `${w.workload} p${l.quantile * 100}`).toBeLessThan(0.15);
      }
    }
  });
});

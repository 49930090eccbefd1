import { InvalidSimulatorOptionsError } from './errors/invalid-options-error.js';

/** One log-normal population of tasks, given by its median and 99th percentile (ms after submission). */
export type LogNormalComponent = {
  /** Share of tasks (the components' weights are normalised). */
  weight: number;
  medianMs: number;
  p99Ms: number;
  /** A label for tasks of this component (e.g. a size class); a producer may pass it on as `kind`. */
  kind?: string;
};

/**
 * How long Aspose takes, by completion TIME (not by a count of Pending answers): a mixture of
 * log-normals, optionally slowed down by `shift.factor` for every task from `shift.at` (a share of
 * the run) on.
 */
export type CompletionWorkload = {
  name: string;
  description: string;
  components: readonly LogNormalComponent[];
  shift?: { at: number; factor: number };
};

export const WORKLOAD_NAMES = ['lognormal', 'bimodal', 'shift'] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

/** z of the 99th percentile of the standard normal. */
const Z99 = 2.326_347_874;

export const WORKLOADS: Readonly<Record<WorkloadName, CompletionWorkload>> = {
  lognormal: {
    name: 'lognormal',
    description: 'log-normal, median 3 s, p99 20 s',
    components: [{ weight: 1, medianMs: 3_000, p99Ms: 20_000 }],
  },
  bimodal: {
    name: 'bimodal',
    description: '80 % fast (median 1.5 s, p99 5 s), 20 % slow (median 15 s, p99 40 s)',
    components: [
      { weight: 0.8, medianMs: 1_500, p99Ms: 5_000, kind: 'small' },
      { weight: 0.2, medianMs: 15_000, p99Ms: 40_000, kind: 'large' },
    ],
  },
  shift: {
    name: 'shift',
    description: 'log-normal (median 3 s, p99 20 s); from halfway on Aspose is 3× slower',
    components: [{ weight: 1, medianMs: 3_000, p99Ms: 20_000 }],
    shift: { at: 0.5, factor: 3 },
  },
};

/** The workload with every time multiplied by `timeScale` (e.g. 1/20 to run a bench 20× faster). */
export function scaleWorkload(workload: CompletionWorkload, timeScale: number): CompletionWorkload {
  if (!(timeScale > 0) || !Number.isFinite(timeScale))
    throw new InvalidSimulatorOptionsError(`timeScale must be positive, got ${timeScale}`);
  if (timeScale === 1) return workload;
  return {
    ...workload,
    description: `${workload.description} (times ×${timeScale})`,
    components: workload.components.map((c) => ({ ...c, medianMs: c.medianMs * timeScale, p99Ms: c.p99Ms * timeScale })),
  };
}

/** Which tasks a distribution is about: before the shift, after it, or the whole run (a mixture). */
export type WorkloadPhase = 'before' | 'after' | 'all';

/**
 * Completion time of task number `index` (0-based) of a run of `total`, with the component it came
 * from (its `kind`, if any). `random` returns [0, 1); two draws per task.
 */
export function sampleCompletion(
  workload: CompletionWorkload,
  random: () => number,
  index: number,
  total: number,
): { completionMs: number; kind: string | undefined } {
  const component = pick(workload.components, random());
  const sigma = Math.log(component.p99Ms / component.medianMs) / Z99;
  const factor = isShifted(workload, index, total) ? (workload.shift?.factor ?? 1) : 1;
  return { completionMs: component.medianMs * Math.exp(sigma * inverseNormal(random())) * factor, kind: component.kind };
}

/** Whether task `index` of `total` comes after the workload's shift. */
export function isShifted(workload: CompletionWorkload, index: number, total: number): boolean {
  return workload.shift !== undefined && index >= Math.floor(workload.shift.at * total);
}

/** P(a task finishes within `ms`), for tasks of `phase`, optionally of one component `kind`. */
export function workloadCdf(workload: CompletionWorkload, ms: number, phase: WorkloadPhase = 'all', kind?: string): number {
  if (!(ms > 0)) return 0;
  const shift = workload.shift;
  const cdfAt = (factor: number) => mixtureCdf(workload.components, ms / factor, kind);
  if (!shift || phase === 'before') return cdfAt(1);
  if (phase === 'after') return cdfAt(shift.factor);
  return shift.at * cdfAt(1) + (1 - shift.at) * cdfAt(shift.factor);
}

/** The time by which a share `p` of tasks of `phase` is done (bisection on the CDF; ms). */
export function workloadQuantile(workload: CompletionWorkload, p: number, phase: WorkloadPhase = 'all', kind?: string): number {
  let low = 0;
  let high = 1;
  while (workloadCdf(workload, high, phase, kind) < p && high < 1e12) high *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (low + high) / 2;
    if (workloadCdf(workload, mid, phase, kind) < p) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** A scripted task that turns terminal `completionMs` after creation: Pending for the first 30 %, then Processing. */
export function taskTimingFor(completionMs: number): { pendingMs: number; processingMs: number } {
  const pendingMs = Math.round(completionMs * 0.3);
  return { pendingMs, processingMs: Math.max(0, Math.round(completionMs) - pendingMs) };
}

function mixtureCdf(components: readonly LogNormalComponent[], ms: number, kind?: string): number {
  let weight = 0;
  let cdf = 0;
  for (const c of components) {
    if (kind !== undefined && c.kind !== kind) continue;
    const sigma = Math.log(c.p99Ms / c.medianMs) / Z99;
    weight += c.weight;
    cdf += c.weight * normalCdf(Math.log(ms / c.medianMs) / sigma);
  }
  return weight > 0 ? cdf / weight : 0;
}

function pick(components: readonly LogNormalComponent[], u: number): LogNormalComponent {
  const total = components.reduce((s, c) => s + c.weight, 0);
  let ticket = u * total;
  for (const c of components) {
    ticket -= c.weight;
    if (ticket < 0) return c;
  }
  const last = components.at(-1);
  if (!last) throw new InvalidSimulatorOptionsError('a workload needs at least one component');
  return last;
}

/** Φ(z), from erfc with Numerical Recipes' Chebyshev fit (relative error < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Φ⁻¹(p) (Acklam's rational approximation, relative error < 1.2e-9), for sampling by inversion. */
export function inverseNormal(p: number): number {
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  if (q < 0.02425 || q > 1 - 0.02425) {
    const r = Math.sqrt(-2 * Math.log(Math.min(q, 1 - q)));
    const tail = horner(ACKLAM_C, r) / horner(ACKLAM_D, r);
    return q < 0.5 ? tail : -tail;
  }
  const r = q - 0.5;
  return (horner(ACKLAM_A, r * r) * r) / horner(ACKLAM_B, r * r);
}

const ACKLAM_A = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
const ACKLAM_B = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572, 1];
const ACKLAM_C = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const ACKLAM_D = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416, 1];

/** c[0]·xⁿ + … + c[n]. */
function horner(coefficients: readonly number[], x: number): number {
  return coefficients.reduce((acc, c) => acc * x + c, 0);
}

import type { AdaptiveCapacityFigures } from '../scenarios/adaptive-capacity.js';

const n = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—';
const table = (header: string[], rows: string[][]) =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** Section 9c: the capacity scan (`npm run bench -- --only adaptive-capacity`). */
export function renderAdaptiveCapacity(c: AdaptiveCapacityFigures): string[] {
  const unscaled = (ms: number) => n(ms / c.timeScale / 1000, 2);
  const parts = [
    `**9c. Tasks per second under a binding cap, at a latency bound** — \`npm run bench -- --only adaptive-capacity\`: ` +
      `log-normal tasks arriving (Poisson) at rising rates for ${n(c.secondsPerLoad)} s each (${n(c.minTasks)} tasks at least), ` +
      `ASPOSE_MAX_RPS ${c.maxRps}, ` +
      `times ×${c.timeScale} as in 9b (lags shown unscaled). Rates and lags over the arrivals from 30 % of their span on. ` +
      `The bound: p95 lag ≤ ${n(c.boundFactor, 2)} × exponential's at the lowest rate = ${unscaled(c.boundMs)} s. Capacity = ` +
      "the arrival rate where a strategy's p95 lag reaches the bound (interpolated between the two rates around it). " +
      "This is the figure a saturated run cannot give: with a standing backlog the queue's wait spaces every strategy's " +
      'polls to about one per task (9b).',
  ];
  const rows = c.scans.flatMap((scan) =>
    scan.points.map((p) => [
      scan.strategy,
      n(p.arrivalsPerSecond, 1),
      n(p.tasksPerSecond, 1),
      n(p.getsPerSecond, 1),
      `${n((p.getsPerSecond / c.maxRps) * 100)} %`,
      n(p.meanPolls, 2),
      unscaled(p.p50LagMs),
      unscaled(p.p95LagMs),
      p.p95LagMs > c.boundMs ? 'beyond' : 'within',
    ]),
  );
  parts.push(
    table(['strategy', 'arrivals/s', 'results/s', 'GETs/s', 'budget used', 'polls/task', 'lag p50 s', 'lag p95 s', 'bound'], rows),
  );
  const capacityText = (strategy: string) => {
    const capacity = c.scans.find((s) => s.strategy === strategy)?.capacity;
    if (!capacity) return `${strategy}: beyond the bound at the lowest rate`;
    return capacity.beyond === undefined
      ? `${strategy}: ≥ ${n(capacity.arrivalsPerSecond, 1)} tasks/s (within the bound at every rate scanned)`
      : `${strategy}: ${n(capacity.arrivalsPerSecond, 1)} tasks/s (within at ${n(capacity.within, 1)}, beyond at ${n(capacity.beyond, 1)})`;
  };
  const exp = c.scans.find((s) => s.strategy === 'exponential')?.capacity;
  const ada = c.scans.find((s) => s.strategy === 'adaptive')?.capacity;
  const ratio = exp && ada ? ada.arrivalsPerSecond / exp.arrivalsPerSecond : Number.NaN;
  const lowerBound = ada?.beyond === undefined && Number.isFinite(ratio) ? '≥ ' : '';
  parts.push(
    `Capacity within the bound — ${capacityText('exponential')}; ${capacityText('adaptive')}. ` +
      `Adaptive ÷ exponential: ${lowerBound}${n(ratio, 2)} (issue 12's goal ≥ 1.5).`,
  );
  return parts;
}

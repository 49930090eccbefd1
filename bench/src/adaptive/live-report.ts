import type { AdaptiveLiveFigures, LiveRow } from '../scenarios/adaptive-live.js';

const n = (value: number, digits = 0) =>
  Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—';
const table = (header: string[], rows: string[][]) =>
  [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
/** Scaled milliseconds shown in real-time seconds (÷ the time scale), next to the offline figures. */
const realSeconds = (ms: number, scale: number) => n(ms / scale / 1000, 2);

/** Section 9b: adaptive polling live (the built worker against the simulator), next to section 9's offline figures. */
export function renderAdaptiveLive(a: AdaptiveLiveFigures): string[] {
  const scale = a.timeScale;
  const parts = [
    `**9b. Adaptive polling, live** — \`npm run bench -- --only adaptive-live\`: the built worker (one process, C = 64) against ` +
      `the simulator's completion-time workloads (\`SIMULATOR_WORKLOAD\`), every time ×${scale} (workload and worker delays: ` +
      `POLL_INITIAL_DELAY_MS ${a.config.POLL_INITIAL_DELAY_MS}, POLL_MAX_DELAY_MS ${a.config.POLL_MAX_DELAY_MS}, ` +
      `POLL_LAG_PER_POLL_MS ${a.config.POLL_LAG_PER_POLL_MS}), Poisson arrivals every ${a.meanInterArrivalMs} ms on average; every ` +
      'strategy on the same sampled tasks, each with a fresh prefix (nothing learned before). Each run first tracks warm-up tasks ' +
      "(not reported) and waits 6.5 s for the learner's flush and every replica's re-read (real time, not scaled), then the " +
      'measured tasks; lag = result decided − completion at the simulator, shown in unscaled seconds (÷ ' +
      `${scale}) to compare with section 9. ` +
      (a.workloads.some((w) => w.rows.some((r) => r.kindsGiven))
        ? 'Kinds are given to the learner only in the rows marked "kinds given" (each task tracked with the ' +
          "simulator's label of the workload component it was drawn from), as section 9's table of that name."
        : 'Kinds are not given to the learner here.'),
  ];
  const lagRow = (row: LiveRow) => [
    row.kindsGiven ? `${row.strategy}, kinds given` : row.strategy,
    n(row.meanPolls, 2),
    realSeconds(row.p50LagMs, scale),
    realSeconds(row.p95LagMs, scale),
    realSeconds(row.p99LagMs, scale),
  ];
  for (const w of a.workloads) {
    parts.push(`*${w.workload}* — ${w.description}; ${n(w.warmup)} warm-up + ${n(w.tasks)} measured tasks`);
    parts.push(table(['strategy', 'polls/task', 'lag p50 s', 'lag p95 s', 'lag p99 s'], w.rows.map(lagRow)));
    const exp = w.rows.find((r) => r.strategy === 'exponential');
    const ada = w.rows.find((r) => r.strategy === 'adaptive' && !r.kindsGiven);
    if (exp && ada) {
      parts.push(
        `Adaptive ÷ exponential: polls ${n(ada.meanPolls / exp.meanPolls, 2)} (goal ≤ 0.65), p95 lag ` +
          `${n(ada.p95LagMs / exp.p95LagMs, 2)} (goal ≤ 1).`,
      );
    }
  }
  const steadyFrom = a.capped?.steadyFrom;
  if (a.capped && steadyFrom === undefined) parts.push(...renderPhaseBCapped(a.capped, scale));
  else if (a.capped && steadyFrom !== undefined) {
    const rows = a.capped.rows;
    parts.push(
      `*Under a binding cap* — log-normal, ASPOSE_MAX_RPS ${a.capped.maxRps} (${n(a.capped.maxRps * scale)} per second unscaled), ` +
        `Poisson arrivals every ${a.capped.meanInterArrivalMs} ms on average ` +
        `(${n(1_000 / a.capped.meanInterArrivalMs)} per second: faster than either strategy finishes tasks under the cap, ` +
        'so a backlog stands while tasks arrive); priorities on (adaptive, aging). ' +
        `Tasks/s = results decided in the steady window (from ${n(steadyFrom * 100)} % of the arrivals to the last one) ÷ its ` +
        'length: the capacity under the cap, not the arrival rate. Lag over every measured task, the backlog drained.',
    );
    parts.push(
      table(
        ['strategy', 'tasks', 'window s', 'tasks/s', 'backlog at last arrival', 'polls/task', 'lag p50 s', 'lag p95 s', 'lag p99 s'],
        rows.map((r) => [
          cappedLabel(r),
          n(r.tasks),
          n(r.seconds, 2),
          n(r.tasksPerSecond, 1),
          n(r.backlogAtLastArrival ?? Number.NaN),
          n(r.meanPolls, 2),
          realSeconds(r.p50LagMs, scale),
          realSeconds(r.p95LagMs, scale),
          realSeconds(r.p99LagMs, scale),
        ]),
      ),
    );
    if (rows.some((r) => r.budget)) {
      parts.push(
        `Where the budget went in the steady window, per second (scaled time): GETs Aspose received, budget used = GETs/s ÷ ` +
          `ASPOSE_MAX_RPS ${a.capped.maxRps}; the worker's poll runs (BullMQ job starts of the poll queue, what its limiter ` +
          'counts), those held back by the request window (no GET), and first runs that only waited for the learned first poll ' +
          '(no GET).',
      );
      parts.push(
        table(
          ['strategy', 'GETs/s', 'budget used', 'job starts/s', 'held back/s', 'first-run waits/s'],
          rows.map((r) => [
            cappedLabel(r),
            n(r.budget?.getsPerSecond ?? Number.NaN, 1),
            r.budget ? `${n(r.budget.used * 100)} %` : '—',
            n(r.budget?.startsPerSecond ?? Number.NaN, 1),
            n(r.budget?.refusedPerSecond ?? Number.NaN, 1),
            n(r.budget?.firstWaitsPerSecond ?? Number.NaN, 1),
          ]),
        ),
      );
    }
    const exp = rows.find((r) => r.strategy === 'exponential');
    const ada = rows.find((r) => r.strategy === 'adaptive' && !r.firstPollBy);
    if (exp && ada) {
      parts.push(
        `Tasks/s adaptive ÷ exponential: ${n(ada.tasksPerSecond / exp.tasksPerSecond, 2)} (goal ≥ 1.5); p95 lag adaptive ÷ ` +
          `exponential: ${n(ada.p95LagMs / exp.p95LagMs, 2)} (goal ≤ 1).`,
      );
    }
  }
  return parts;
}

/** A capped row's strategy, and who placed the first poll when it was not the producer. */
const cappedLabel = (r: { strategy: string; firstPollBy?: 'worker' }) =>
  r.firstPollBy === 'worker' ? `${r.strategy}, first poll placed by the worker (a producer without firstPollAt)` : r.strategy;

/** The capped runs as phase B measured them (results files before the standing-backlog window), rendered as they were. */
function renderPhaseBCapped(capped: NonNullable<AdaptiveLiveFigures['capped']>, scale: number): string[] {
  const rows = capped.rows;
  const parts = [
    `*Under a binding cap* — log-normal, ASPOSE_MAX_RPS ${capped.maxRps} (${n(capped.maxRps * scale)} per second unscaled), ` +
      `Poisson arrivals every ${capped.meanInterArrivalMs} ms on average (45 % of the cap per second: more than ~3 polls per task ` +
      'can serve); priorities on (adaptive). Tasks/s = measured tasks ÷ (last result − first arrival).',
    table(
      ['strategy', 'tasks', 'seconds', 'tasks/s', 'polls/task', 'lag p50 s', 'lag p95 s'],
      rows.map((r) => [
        r.strategy,
        n(r.tasks),
        n(r.seconds, 2),
        n(r.tasksPerSecond, 1),
        n(r.meanPolls, 2),
        realSeconds(r.p50LagMs, scale),
        realSeconds(r.p95LagMs, scale),
      ]),
    ),
  ];
  const exp = rows.find((r) => r.strategy === 'exponential');
  const ada = rows.find((r) => r.strategy === 'adaptive');
  if (exp && ada) parts.push(`Tasks/s adaptive ÷ exponential: ${n(ada.tasksPerSecond / exp.tasksPerSecond, 2)} (goal ≥ 1.5).`);
  return parts;
}

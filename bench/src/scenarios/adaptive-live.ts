import type { RegionResult } from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { startSimulator, WORKLOADS, type Simulator, type WorkloadName } from '@regionwatch/simulator';
import { startWorkerProcess, stopWorkerProcesses } from '@regionwatch/testkit';
import { Queue } from 'bullmq';
import { until } from '../child-process.js';
import type { BenchContext } from '../context.js';

/** Sizes of the live adaptive-polling scenario (`--tiny`: the smoke test's, a few seconds). */
export type AdaptiveLiveSizes = {
  /** Tasks per run before the measured ones (the learner learns from them; not reported; 0: none, no pause). */
  warmupTasks: number;
  /** Measured tasks per (workload, strategy) run without a rate cap. */
  tasks: number;
  /** Measured tasks per strategy with ASPOSE_MAX_RPS binding (log-normal; 0: no capped runs). */
  cappedTasks: number;
  workloads: readonly WorkloadName[];
  /** Workloads (of `workloads`) with one more adaptive run whose tasks carry their kind (the simulator's component label). */
  kindsGiven: readonly WorkloadName[];
  /** Strategies side by side ('fixed 1 s': exponential with POLL_INITIAL_DELAY_MS = POLL_MAX_DELAY_MS). */
  strategies: readonly LiveStrategy[];
};

export type LiveStrategy = 'exponential' | 'adaptive' | 'fixed 1 s';

export type LiveRow = {
  strategy: LiveStrategy;
  /** Each task tracked with its kind (the workload component it was drawn from), learned separately. */
  kindsGiven?: boolean;
  /** Tasks whose figures are reported (after the warm-up tasks; the same tasks for every strategy). */
  measured: number;
  meanPolls: number;
  p50LagMs: number;
  p95LagMs: number;
  p99LagMs: number;
};

export type LiveWorkload = { workload: WorkloadName; description: string; tasks: number; warmup: number; rows: LiveRow[] };

export type CappedRow = LiveRow & {
  /** 'worker': the producer did not place the first poll (as another language's would not); absent: it did, when adaptive. */
  firstPollBy?: 'worker';
  tasks: number;
  /** Length of the steady window (s): from `STEADY_FROM` of the arrival span to the last arrival, while the backlog stands. */
  seconds: number;
  /** Results decided in the steady window ÷ its length: the strategy's capacity under the cap, not the arrival rate. */
  tasksPerSecond: number;
  /** Tasks still without a result when the last one arrived: the backlog the window was measured over (absent in phase B's files). */
  backlogAtLastArrival?: number;
  /** Where the ASPOSE_MAX_RPS budget went in the steady window, per second (absent in files before issue 12's budget work). */
  budget?: BudgetUse;
};

/**
 * Per second of the steady window: GETs the simulator received, and the worker's poll runs (BullMQ job starts of
 * the poll queue, which its limiter counts), those held back by the request window (no GET) and first runs that only
 * waited for the learned first poll (no GET). `used` = GETs/s ÷ ASPOSE_MAX_RPS.
 */
export type BudgetUse = {
  getsPerSecond: number;
  used: number;
  startsPerSecond: number;
  refusedPerSecond: number;
  firstWaitsPerSecond: number;
};

export type AdaptiveLiveFigures = {
  timeScale: number;
  meanInterArrivalMs: number;
  config: { POLL_INITIAL_DELAY_MS: number; POLL_MAX_DELAY_MS: number; POLL_LAG_PER_POLL_MS: number };
  workloads: LiveWorkload[];
  /**
   * log-normal, Poisson arrivals every `meanInterArrivalMs` (faster than either strategy can finish tasks under the cap),
   * ASPOSE_MAX_RPS = `maxRps` (priorities on for adaptive); tasks/s over the steady window from `steadyFrom` of the arrivals on.
   * Results files of phase B have no `steadyFrom`: tasks/s there was measured tasks ÷ (last result − first arrival).
   */
  capped: { maxRps: number; meanInterArrivalMs: number; steadyFrom?: number; rows: CappedRow[] } | undefined;
};

/**
 * Times ×0.25: the workloads' seconds become 250 ms, and every delay of the worker with them. (×0.1 was
 * tried: on a loaded 2-core machine a poll runs 50–150 ms late, which is most of a scaled second.)
 */
export const TIME_SCALE = 0.25;
const scaled = (ms: number) => Math.round(ms * TIME_SCALE);
export const CONFIG = { POLL_INITIAL_DELAY_MS: scaled(1_000), POLL_MAX_DELAY_MS: scaled(30_000), POLL_LAG_PER_POLL_MS: scaled(2_500) };
/** Poisson arrivals, as the offline scenario (100 ms on average, scaled). */
const MEAN_INTER_ARRIVAL_MS = scaled(100);
/** At ×0.25 this is 10 requests per second in real-time terms. */
const CAPPED_RPS = 40;
/**
 * Under the cap, arrivals at CAPPED_LOAD of it per second: more than either strategy can finish (exponential
 * ~3 polls per task: ~30 % of the cap; adaptive ~1.6 polls plus the first run's re-delay without a GET, which
 * BullMQ's limiter counts too), so a backlog builds and stands while tasks arrive, and the results per second
 * in that window are each strategy's capacity, not the arrival rate. (45 % was measured before: slower than
 * adaptive's capacity, so both finished the arrivals. A burst was tried too: every task then waits in line
 * longer than it takes, so both strategies poll each about once.)
 */
const CAPPED_LOAD = 1;
const CAPPED_INTER_ARRIVAL_MS = Math.round(1_000 / (CAPPED_LOAD * CAPPED_RPS));
/** The steady window starts this far into the arrivals (the backlog builds before it) and ends at the last arrival. */
const STEADY_FROM = 0.3;
/** The learner's flush (1 s) and estimate refresh (5 s) run on real time: wait them out after the warm-up tasks. */
const LEARN_SETTLE_MS = 6_500;

const strategyEnv = (strategy: LiveStrategy): Record<string, string> =>
  strategy === 'fixed 1 s'
    ? { POLL_STRATEGY: 'exponential', POLL_INITIAL_DELAY_MS: String(scaled(1_000)), POLL_MAX_DELAY_MS: String(scaled(1_000)) }
    : {
        POLL_STRATEGY: strategy,
        POLL_INITIAL_DELAY_MS: String(CONFIG.POLL_INITIAL_DELAY_MS),
        POLL_MAX_DELAY_MS: String(CONFIG.POLL_MAX_DELAY_MS),
        POLL_LAG_PER_POLL_MS: String(CONFIG.POLL_LAG_PER_POLL_MS),
      };

type TaskOutcome = { polls: number; lagMs: number; decidedAt: number };

/** The worker's counters at one moment (scraped from its /metrics while the measured tasks run). */
type CounterSample = { at: number; runs: number; refused: number; firstWaits: number };

export type RunOutcome = {
  outcomes: TaskOutcome[];
  started: number;
  lastArrival: number;
  backlogAtLastArrival: number;
  /** Arrival times (simulator clock = Date.now) of the GETs the simulator received during the measured tasks. */
  getTimes: number[];
  samples: CounterSample[];
};

/** How often the worker's counters are read during the measured tasks. */
const SAMPLE_EVERY_MS = 200;

/**
 * 11. Adaptive polling, live: the built worker (a child process, as production runs it) against the
 * simulator's completion-time workloads, time scaled ×0.25, each strategy on the same sampled tasks
 * (same seed, same arrival times). Polls per task and detection lag (result decided − completion at
 * the simulator) without a cap; then tasks per second with ASPOSE_MAX_RPS binding (priorities on).
 */
export async function measureAdaptiveLive(ctx: BenchContext, sizes: AdaptiveLiveSizes): Promise<AdaptiveLiveFigures> {
  const { strategies } = sizes;
  const workloads: LiveWorkload[] = [];
  for (const workload of sizes.workloads) {
    const rows: LiveRow[] = [];
    for (const strategy of strategies) {
      ctx.log(`  adaptive, live: ${workload}, ${strategy}, ${sizes.warmupTasks} + ${sizes.tasks} tasks (times ×${TIME_SCALE})`);
      const run = await runTasks(ctx, {
        workload,
        strategy,
        warmupTasks: sizes.warmupTasks,
        tasks: sizes.tasks,
        meanInterArrivalMs: MEAN_INTER_ARRIVAL_MS,
      });
      rows.push({ strategy, ...summary(run.outcomes) });
    }
    // As the offline bench's "kinds given" table: the same tasks, each tracked with its kind.
    if (sizes.kindsGiven.includes(workload) && strategies.includes('adaptive')) {
      ctx.log(`  adaptive, live: ${workload}, adaptive with kinds, ${sizes.warmupTasks} + ${sizes.tasks} tasks (times ×${TIME_SCALE})`);
      const run = await runTasks(ctx, {
        workload,
        strategy: 'adaptive',
        warmupTasks: sizes.warmupTasks,
        tasks: sizes.tasks,
        meanInterArrivalMs: MEAN_INTER_ARRIVAL_MS,
        kindsGiven: true,
      });
      rows.push({ strategy: 'adaptive', kindsGiven: true, ...summary(run.outcomes) });
    }
    workloads.push({ workload, description: WORKLOADS[workload].description, tasks: sizes.tasks, warmup: sizes.warmupTasks, rows });
  }
  let capped: AdaptiveLiveFigures['capped'];
  if (sizes.cappedTasks > 0) {
    const rows: CappedRow[] = [];
    // Adaptive twice: the producer placing the first poll (regionwatch's), and not (another language's producer, a job
    // added without firstPollAt: the worker's first run waits for the learned first poll without a GET).
    type CappedRun = { strategy: LiveStrategy; firstPollBy?: 'worker' };
    const runs = strategies
      .filter((s) => s !== 'fixed 1 s')
      .flatMap((strategy): CappedRun[] => (strategy === 'adaptive' ? [{ strategy }, { strategy, firstPollBy: 'worker' }] : [{ strategy }]));
    for (const { strategy, firstPollBy } of runs) {
      const label = firstPollBy ? `${strategy} (first poll placed by the worker)` : strategy;
      ctx.log(`  adaptive, live: lognormal, ${label}, ${sizes.warmupTasks} + ${sizes.cappedTasks} tasks, ASPOSE_MAX_RPS ${CAPPED_RPS}`);
      const run = await runTasks(ctx, {
        workload: 'lognormal',
        strategy,
        warmupTasks: sizes.warmupTasks,
        tasks: sizes.cappedTasks,
        meanInterArrivalMs: CAPPED_INTER_ARRIVAL_MS,
        maxRps: CAPPED_RPS,
        ...(firstPollBy ? { firstPollBy } : {}),
      });
      const from = run.started + STEADY_FROM * (run.lastArrival - run.started);
      const decided = run.outcomes.filter((o) => o.decidedAt >= from && o.decidedAt <= run.lastArrival).length;
      const seconds = (run.lastArrival - from) / 1000;
      ctx.log(
        `    ${decided} results in the steady window (${seconds.toFixed(1)} s), backlog ${run.backlogAtLastArrival} at the last arrival`,
      );
      const budget = budgetUse(run, from, CAPPED_RPS);
      ctx.log(
        `    GETs ${budget.getsPerSecond.toFixed(1)}/s (budget used ${(budget.used * 100).toFixed(0)} %), job starts ` +
          `${budget.startsPerSecond.toFixed(1)}/s, refused by the request window ${budget.refusedPerSecond.toFixed(1)}/s, ` +
          `first-run waits ${budget.firstWaitsPerSecond.toFixed(1)}/s`,
      );
      rows.push({
        strategy,
        ...(firstPollBy ? { firstPollBy } : {}),
        tasks: sizes.cappedTasks,
        seconds,
        tasksPerSecond: decided / seconds,
        backlogAtLastArrival: run.backlogAtLastArrival,
        budget,
        ...summary(run.outcomes),
      });
    }
    capped = { maxRps: CAPPED_RPS, meanInterArrivalMs: CAPPED_INTER_ARRIVAL_MS, steadyFrom: STEADY_FROM, rows };
  }
  return { timeScale: TIME_SCALE, meanInterArrivalMs: MEAN_INTER_ARRIVAL_MS, config: CONFIG, workloads, capped };
}

/**
 * One worker process: `warmupTasks` tasks (not reported), a pause for the learner to flush and every
 * replica to re-read it (its intervals are real time, not scaled), then `tasks` tasks; per measured
 * task (in arrival order) its polls and detection lag.
 */
export async function runTasks(
  ctx: BenchContext,
  options: {
    workload: WorkloadName;
    strategy: LiveStrategy;
    warmupTasks: number;
    tasks: number;
    meanInterArrivalMs: number;
    maxRps?: number;
    kindsGiven?: boolean;
    firstPollBy?: 'worker';
  },
): Promise<RunOutcome> {
  const simulator: Simulator = await startSimulator({
    seed: 12,
    completionTimes: { workload: options.workload, timeScale: TIME_SCALE, tasks: options.warmupTasks + options.tasks },
  });
  const prefix = ctx.freshPrefix('adaptive-live');
  const worker = await startWorkerProcess({
    REDIS_URL: ctx.redisUrl,
    REGIONWATCH_PREFIX: prefix,
    ASPOSE_BASE_URL: simulator.url,
    ASPOSE_CLIENT_ID: simulator.credentials.clientId,
    ASPOSE_CLIENT_SECRET: simulator.credentials.clientSecret,
    WORKER_CONCURRENCY: '64',
    LOG_LEVEL: 'warn',
    ...strategyEnv(options.strategy),
    ...(options.maxRps === undefined ? {} : { ASPOSE_MAX_RPS: String(options.maxRps) }),
  });
  const env = strategyEnv(options.strategy);
  // The producer reads the workers' polling variables (it places a learned first poll with POLL_STRATEGY=adaptive).
  const producer = new RegionTaskProducer({
    connection: ctx.redisUrl,
    prefix,
    polling: {
      POLL_STRATEGY: options.firstPollBy === 'worker' || env.POLL_STRATEGY !== 'adaptive' ? 'exponential' : 'adaptive',
      POLL_INITIAL_DELAY_MS: Number(env.POLL_INITIAL_DELAY_MS),
      POLL_MAX_DELAY_MS: Number(env.POLL_MAX_DELAY_MS),
      POLL_LAG_PER_POLL_MS: CONFIG.POLL_LAG_PER_POLL_MS,
    },
  });
  const results = new Queue('regions-results', { connection: { url: ctx.redisUrl }, prefix });
  // The same arrival times for every strategy (seeded), so each strategy polls the same tasks.
  let seed = 12;
  const random = () => {
    seed = (seed * 16_807) % 2_147_483_647;
    return (seed - 1) / 2_147_483_646;
  };
  /** `count` Poisson arrivals; resolves with their ids once every one has its result. */
  const batch = async (count: number): Promise<{ ids: string[]; started: number; lastArrival: number; backlogAtLastArrival: number }> => {
    const before = await results.count();
    const ids: string[] = [];
    const tracking: Promise<unknown>[] = [];
    const started = Date.now();
    let due = started;
    for (let i = 0; i < count; i++) {
      due += -Math.log(1 - random()) * options.meanInterArrivalMs;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      // Created at the simulator ("sent to Aspose") and tracked at once, as submit() does.
      const taskId = simulator.createTask({ outcome: { status: 'Completed', rectangles: [[[0, 0, 1, 1]]] } });
      ids.push(taskId);
      const kind = options.kindsGiven ? (simulator.taskState(taskId)?.kind ?? undefined) : undefined;
      // Not awaited one by one: a slow track must not delay the next arrival (submittedAt is the creation time).
      tracking.push(producer.track(taskId, { submittedAt: new Date().toISOString(), ...(kind === undefined ? {} : { kind }) }));
    }
    const lastArrival = Date.now();
    await Promise.all(tracking);
    const backlogAtLastArrival = count - ((await results.count()) - before);
    await until('every result', async () => (await results.count()) - before >= count, 10 * 60_000, 20);
    return { ids, started, lastArrival, backlogAtLastArrival };
  };
  try {
    // One task first, not counted: the worker's token, connections and code are warm when the measured ones come.
    const warm = simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed', rectangles: [[[0, 0, 1, 1]]] } });
    await producer.track(warm);
    await until('the warm-up result', async () => (await results.getJob(warm)) !== undefined, 60_000, 20);
    if (options.warmupTasks > 0) {
      await batch(options.warmupTasks);
      await new Promise((resolve) => setTimeout(resolve, LEARN_SETTLE_MS));
    }
    // The worker's counters, read on a timer while the measured tasks run (interpolated at the window's ends).
    const samples: CounterSample[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const sample = await readCounters(worker.healthPort).catch(() => undefined);
        if (sample) samples.push(sample);
        await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
      }
    })();
    simulator.resetCounters();
    const { ids, started, lastArrival, backlogAtLastArrival } = await batch(options.tasks).finally(() => (sampling = false));
    await sampler;
    const getTimes = simulator
      .requestLog()
      .filter((entry) => entry.endpoint === 'get')
      .map((entry) => entry.at);
    const outcomes: TaskOutcome[] = [];
    for (const id of ids) {
      const result = (await results.getJob(id))?.data as RegionResult | undefined;
      const terminalAt = simulator.taskState(id)?.terminalAt;
      if (!result || terminalAt === undefined || terminalAt === null) throw new Error(`no result or completion time for ${id}`);
      const finishedAt = Date.parse(result.finishedAt);
      outcomes.push({ polls: result.polls, lagMs: Math.max(0, finishedAt - terminalAt), decidedAt: finishedAt });
    }
    return { outcomes, started, lastArrival, backlogAtLastArrival, getTimes, samples };
  } finally {
    await stopWorkerProcesses([worker]);
    await Promise.all([producer.close(), results.close()]);
    await simulator.close();
  }
}

/** The worker's poll-run counters from its /metrics text (summed over label sets). */
async function readCounters(port: number): Promise<CounterSample> {
  const at = Date.now();
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const sum = (name: string, labelFilter?: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .filter((line) => labelFilter === undefined || line.includes(labelFilter))
      .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  return {
    at,
    runs: sum('regionwatch_poll_runs_total'),
    refused: sum('regionwatch_polls_total', 'outcome="rate_limited"'),
    firstWaits: sum('regionwatch_first_poll_waits_total'),
  };
}

/** A counter's value at `at`, linear between the samples around it. */
function counterAt(samples: readonly CounterSample[], at: number, field: Exclude<keyof CounterSample, 'at'>): number {
  const after = samples.findIndex((s) => s.at >= at);
  if (after === -1) return samples.at(-1)?.[field] ?? Number.NaN;
  const b = samples[after] as CounterSample;
  const a = samples[after - 1];
  if (!a) return b[field];
  return a[field] + ((b[field] - a[field]) * (at - a.at)) / Math.max(1, b.at - a.at);
}

/** Where the budget went between `from` and the last arrival (the steady window). */
export function budgetUse(run: RunOutcome, from: number, maxRps: number): BudgetUse {
  const seconds = (run.lastArrival - from) / 1000;
  const rate = (field: Exclude<keyof CounterSample, 'at'>) =>
    (counterAt(run.samples, run.lastArrival, field) - counterAt(run.samples, from, field)) / seconds;
  const getsPerSecond = run.getTimes.filter((at) => at >= from && at <= run.lastArrival).length / seconds;
  return {
    getsPerSecond,
    used: getsPerSecond / maxRps,
    startsPerSecond: rate('runs'),
    refusedPerSecond: rate('refused'),
    firstWaitsPerSecond: rate('firstWaits'),
  };
}

export function summary(outcomes: readonly TaskOutcome[]): Omit<LiveRow, 'strategy'> {
  const lags = outcomes.map((o) => o.lagMs).sort((a, b) => a - b);
  return {
    measured: outcomes.length,
    meanPolls: outcomes.reduce((sum, o) => sum + o.polls, 0) / outcomes.length,
    p50LagMs: quantile(lags, 0.5),
    p95LagMs: quantile(lags, 0.95),
    p99LagMs: quantile(lags, 0.99),
  };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

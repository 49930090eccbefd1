import type { RegionResult } from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { startSimulator, WORKLOADS, type Simulator, type WorkloadName } from '@regionwatch/simulator';
import { startWorkerProcess, stopWorkerProcesses } from '@regionwatch/testkit';
import { Queue } from 'bullmq';
import { until } from '../child-process.js';
import type { BenchContext } from '../context.js';

/** Sizes of the live adaptive-polling scenario (`--tiny`: the smoke test's, a few seconds). */
export type AdaptiveLiveSizes = {
  /** Tasks per (workload, strategy) run without a rate cap. */
  tasks: number;
  /** Tasks tracked in one burst per strategy with ASPOSE_MAX_RPS binding (0: no capped runs). */
  cappedTasks: number;
  workloads: readonly WorkloadName[];
  /** Strategies side by side ('fixed 1 s': exponential with POLL_INITIAL_DELAY_MS = POLL_MAX_DELAY_MS). */
  strategies: readonly LiveStrategy[];
};

export type LiveStrategy = 'exponential' | 'adaptive' | 'fixed 1 s';

export type LiveRow = {
  strategy: LiveStrategy;
  /** Tasks whose figures are reported: all but the first `warmup` (the same tasks for every strategy). */
  measured: number;
  meanPolls: number;
  p50LagMs: number;
  p95LagMs: number;
  p99LagMs: number;
};

export type LiveWorkload = { workload: WorkloadName; description: string; tasks: number; warmup: number; rows: LiveRow[] };

export type CappedRow = { strategy: LiveStrategy; tasks: number; seconds: number; tasksPerSecond: number; meanPolls: number };

export type AdaptiveLiveFigures = {
  timeScale: number;
  meanInterArrivalMs: number;
  config: { POLL_INITIAL_DELAY_MS: number; POLL_MAX_DELAY_MS: number; POLL_LAG_PER_POLL_MS: number };
  workloads: LiveWorkload[];
  /** log-normal, every task tracked at once, ASPOSE_MAX_RPS = `maxRps` (the adaptive worker starts with what it learned uncapped). */
  capped: { maxRps: number; rows: CappedRow[] } | undefined;
};

/**
 * Times ×0.25: the workloads' seconds become 250 ms, and every delay of the worker with them. (×0.1 was
 * tried: on a loaded 2-core machine a poll runs 50–150 ms late, which is most of a scaled second.)
 */
const TIME_SCALE = 0.25;
const scaled = (ms: number) => Math.round(ms * TIME_SCALE);
const CONFIG = { POLL_INITIAL_DELAY_MS: scaled(1_000), POLL_MAX_DELAY_MS: scaled(30_000), POLL_LAG_PER_POLL_MS: scaled(2_500) };
/** Poisson arrivals, as the offline scenario (100 ms on average, scaled). */
const MEAN_INTER_ARRIVAL_MS = scaled(100);
/** At ×0.25 this is 10 requests per second in real-time terms; the burst needs several times that. */
const CAPPED_RPS = 40;

const strategyEnv = (strategy: LiveStrategy): Record<string, string> =>
  strategy === 'fixed 1 s'
    ? { POLL_STRATEGY: 'exponential', POLL_INITIAL_DELAY_MS: String(scaled(1_000)), POLL_MAX_DELAY_MS: String(scaled(1_000)) }
    : {
        POLL_STRATEGY: strategy,
        POLL_INITIAL_DELAY_MS: String(CONFIG.POLL_INITIAL_DELAY_MS),
        POLL_MAX_DELAY_MS: String(CONFIG.POLL_MAX_DELAY_MS),
        POLL_LAG_PER_POLL_MS: String(CONFIG.POLL_LAG_PER_POLL_MS),
      };

type TaskOutcome = { polls: number; lagMs: number };

/**
 * 11. Adaptive polling, live: the built worker (a child process, as production runs it) against the
 * simulator's completion-time workloads, time scaled ×0.25, each strategy on the same sampled tasks
 * (same seed, same arrival times). Polls per task and detection lag (result decided − completion at
 * the simulator) without a cap; then tasks per second with ASPOSE_MAX_RPS binding (priorities on).
 */
export async function measureAdaptiveLive(ctx: BenchContext, sizes: AdaptiveLiveSizes): Promise<AdaptiveLiveFigures> {
  const { strategies } = sizes;
  const workloads: LiveWorkload[] = [];
  const learnedPrefix = new Map<LiveStrategy, string>();
  for (const workload of sizes.workloads) {
    const warmup = Math.floor(sizes.tasks / 5);
    const rows: LiveRow[] = [];
    for (const strategy of strategies) {
      ctx.log(`  adaptive, live: ${workload}, ${strategy}, ${sizes.tasks} tasks (times ×${TIME_SCALE})`);
      const prefix = ctx.freshPrefix('adaptive-live');
      if (workload === 'lognormal') learnedPrefix.set(strategy, prefix);
      const outcomes = (await runTasks(ctx, { workload, strategy, prefix, tasks: sizes.tasks, arrivals: 'poisson' })).outcomes;
      const measured = outcomes.slice(warmup);
      const lags = measured.map((o) => o.lagMs).sort((a, b) => a - b);
      rows.push({
        strategy,
        measured: measured.length,
        meanPolls: measured.reduce((sum, o) => sum + o.polls, 0) / measured.length,
        p50LagMs: quantile(lags, 0.5),
        p95LagMs: quantile(lags, 0.95),
        p99LagMs: quantile(lags, 0.99),
      });
    }
    workloads.push({ workload, description: WORKLOADS[workload].description, tasks: sizes.tasks, warmup, rows });
  }
  let capped: AdaptiveLiveFigures['capped'];
  if (sizes.cappedTasks > 0 && sizes.workloads.includes('lognormal')) {
    const rows: CappedRow[] = [];
    for (const strategy of strategies.filter((s) => s !== 'fixed 1 s')) {
      ctx.log(`  adaptive, live: lognormal, ${strategy}, ${sizes.cappedTasks} tasks at once, ASPOSE_MAX_RPS ${CAPPED_RPS}`);
      // The same prefix as its uncapped run: the adaptive worker starts with what it learned there (a steady state).
      const prefix = learnedPrefix.get(strategy) ?? ctx.freshPrefix('adaptive-live');
      const run = await runTasks(ctx, {
        workload: 'lognormal',
        strategy,
        prefix,
        tasks: sizes.cappedTasks,
        arrivals: 'burst',
        maxRps: CAPPED_RPS,
      });
      rows.push({
        strategy,
        tasks: sizes.cappedTasks,
        seconds: run.seconds,
        tasksPerSecond: sizes.cappedTasks / run.seconds,
        meanPolls: run.outcomes.reduce((sum, o) => sum + o.polls, 0) / run.outcomes.length,
      });
    }
    capped = { maxRps: CAPPED_RPS, rows };
  }
  return { timeScale: TIME_SCALE, meanInterArrivalMs: MEAN_INTER_ARRIVAL_MS, config: CONFIG, workloads, capped };
}

/** One worker process polling `tasks` simulator tasks; per task (in arrival order) its polls and detection lag. */
async function runTasks(
  ctx: BenchContext,
  options: {
    workload: WorkloadName;
    strategy: LiveStrategy;
    prefix: string;
    tasks: number;
    arrivals: 'poisson' | 'burst';
    maxRps?: number;
  },
): Promise<{ outcomes: TaskOutcome[]; seconds: number }> {
  const simulator: Simulator = await startSimulator({
    seed: 12,
    completionTimes: { workload: options.workload, timeScale: TIME_SCALE, tasks: options.tasks },
  });
  const { prefix } = options;
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
  const initialDelayMs = Number(strategyEnv(options.strategy).POLL_INITIAL_DELAY_MS);
  const producer = new RegionTaskProducer({ connection: ctx.redisUrl, prefix, initialDelayMs });
  const results = new Queue('regions-results', { connection: { url: ctx.redisUrl }, prefix });
  try {
    // One task first, not counted: the worker's token, connections and code are warm when the measured ones come.
    const warm = simulator.createTask({ pendingMs: 0, processingMs: 0, outcome: { status: 'Completed', rectangles: [[[0, 0, 1, 1]]] } });
    await producer.track(warm);
    await until('the warm-up result', async () => (await results.getJob(warm)) !== undefined, 60_000, 20);
    const before = await results.count();
    // The same arrival times for every strategy (seeded), so each strategy polls the same tasks.
    let seed = 12;
    const random = () => {
      seed = (seed * 16_807) % 2_147_483_647;
      return (seed - 1) / 2_147_483_646;
    };
    const ids: string[] = [];
    const tracking: Promise<unknown>[] = [];
    const started = Date.now();
    let due = started;
    for (let i = 0; i < options.tasks; i++) {
      if (options.arrivals === 'poisson') {
        due += -Math.log(1 - random()) * MEAN_INTER_ARRIVAL_MS;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      // Created at the simulator ("sent to Aspose") and tracked at once, as submit() does.
      const taskId = simulator.createTask({ outcome: { status: 'Completed', rectangles: [[[0, 0, 1, 1]]] } });
      ids.push(taskId);
      // Not awaited one by one: a slow track must not delay the next arrival (submittedAt is the creation time).
      tracking.push(producer.track(taskId, { submittedAt: new Date().toISOString() }));
    }
    await Promise.all(tracking);
    await until('every result', async () => (await results.count()) - before >= options.tasks, 10 * 60_000, 20);
    const outcomes: TaskOutcome[] = [];
    let last = started;
    for (const id of ids) {
      const result = (await results.getJob(id))?.data as RegionResult | undefined;
      const terminalAt = simulator.taskState(id)?.terminalAt;
      if (!result || terminalAt === undefined || terminalAt === null) throw new Error(`no result or completion time for ${id}`);
      const finishedAt = Date.parse(result.finishedAt);
      last = Math.max(last, finishedAt);
      outcomes.push({ polls: result.polls, lagMs: Math.max(0, finishedAt - terminalAt) });
    }
    return { outcomes, seconds: (last - started) / 1000 };
  } finally {
    await stopWorkerProcesses([worker]);
    await Promise.all([producer.close(), results.close()]);
    await simulator.close();
  }
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

import type { AdaptiveCapacitySizes } from './scenarios/adaptive-capacity.js';
import type { AdaptiveLiveSizes } from './scenarios/adaptive-live.js';

/** Every size the benchmark uses; `--quick` shrinks them to fit about a minute. */
export type Sizes = {
  /** Tasks per throughput run, and polls each task needs (k − 1 Pending, then Completed). */
  throughputTasks: number;
  /** C = 1 polls one at a time: fewer tasks keep the run bounded (its N is reported). */
  throughputTasksAtC1: number;
  pollsPerTask: number;
  concurrencies: number[];
  /** Requests per bare HTTP client loop. */
  httpRequests: number;
  /** Tasks in the Redis command-cost run (through a counting proxy). */
  redisCostTasks: number;
  /** Pending tasks for memory per tracked task. */
  memoryPendingTasks: number;
  /** Finished tasks for memory per retained result. */
  memoryFinishedTasks: number;
  enqueueIds: number;
  latencyTasks: number;
  /** Detection latency: tasks complete uniformly within this window. */
  latencyWindowMs: number;
  scaleOutTasks: number;
  profileTasks: number;
  /** Adaptive polling, offline: tasks per workload (simulated time, no Redis). */
  adaptiveTasks: number;
  /** Adaptive polling, live: the real worker against the simulator's workloads (time ×0.25). */
  adaptiveLive: AdaptiveLiveSizes;
  /** Capacity under a binding cap at a latency bound: rising arrival rates per strategy (`--only adaptive-capacity`). */
  adaptiveCapacity: AdaptiveCapacitySizes;
};

export const FULL: Sizes = {
  throughputTasks: 20_000,
  throughputTasksAtC1: 2_000,
  pollsPerTask: 4,
  concurrencies: [1, 16, 64, 256],
  httpRequests: 40_000,
  redisCostTasks: 2_000,
  memoryPendingTasks: 100_000,
  memoryFinishedTasks: 10_000,
  enqueueIds: 100_000,
  latencyTasks: 1_000,
  latencyWindowMs: 8_000,
  scaleOutTasks: 20_000,
  profileTasks: 10_000,
  adaptiveTasks: 20_000,
  adaptiveLive: {
    warmupTasks: 200,
    tasks: 1_000,
    cappedTasks: 1_000,
    workloads: ['lognormal', 'bimodal', 'shift'],
    kindsGiven: ['bimodal'],
    strategies: ['exponential', 'fixed 1 s', 'adaptive'],
  },
  adaptiveCapacity: { loads: [0.15, 0.3, 0.45, 0.6, 0.7, 0.8, 0.9], secondsPerLoad: 30, minTasks: 400, warmupTasks: 200 },
};

export const QUICK: Sizes = {
  throughputTasks: 1_000,
  throughputTasksAtC1: 200,
  pollsPerTask: 4,
  concurrencies: [1, 16, 64, 256],
  httpRequests: 4_000,
  redisCostTasks: 300,
  memoryPendingTasks: 5_000,
  memoryFinishedTasks: 1_000,
  enqueueIds: 10_000,
  latencyTasks: 200,
  latencyWindowMs: 3_000,
  scaleOutTasks: 1_000,
  profileTasks: 1_000,
  adaptiveTasks: 5_000,
  adaptiveLive: {
    warmupTasks: 100,
    tasks: 200,
    cappedTasks: 300,
    workloads: ['lognormal', 'bimodal', 'shift'],
    kindsGiven: ['bimodal'],
    strategies: ['exponential', 'fixed 1 s', 'adaptive'],
  },
  adaptiveCapacity: { loads: [0.15, 0.3, 0.45, 0.6, 0.75, 0.9], secondsPerLoad: 12, minTasks: 150, warmupTasks: 100 },
};

/** `--tiny`: for the smoke test in `npm test` only (seconds, not minutes; no figure is meaningful). */
export const TINY: Sizes = {
  throughputTasks: 60,
  throughputTasksAtC1: 20,
  pollsPerTask: 2,
  concurrencies: [1, 16],
  httpRequests: 200,
  redisCostTasks: 30,
  memoryPendingTasks: 200,
  memoryFinishedTasks: 50,
  enqueueIds: 500,
  latencyTasks: 20,
  latencyWindowMs: 300,
  scaleOutTasks: 60,
  profileTasks: 60,
  adaptiveTasks: 1_000,
  // One short uncapped run of the adaptive worker: the scenario works end to end (too few tasks for the learner to steer).
  adaptiveLive: { warmupTasks: 0, tasks: 12, cappedTasks: 0, workloads: ['lognormal'], kindsGiven: [], strategies: ['adaptive'] },
  adaptiveCapacity: { loads: [], secondsPerLoad: 0, minTasks: 0, warmupTasks: 0 },
};

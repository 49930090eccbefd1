import type { Simulator } from '@regionwatch/simulator';
import type { Redis } from 'ioredis';
import type { Sizes } from './sizes.js';

/** What every scenario gets: one Redis, one simulator (zero added latency), the sizes, a logger. */
export type BenchContext = {
  redisUrl: string;
  redis: Redis;
  simulator: Simulator;
  sizes: Sizes;
  log: (line: string) => void;
  /** A prefix no earlier run used, so runs never see each other's jobs. */
  freshPrefix(label: string): string;
};

import { cpus, totalmem } from 'node:os';
import type { Redis } from 'ioredis';

export type Machine = { cores: number; cpu: string; memoryGiB: number; node: string; redis: string; platform: string };

/** What every figure is measured on: printed with the table and stored in the JSON (offline runs: no Redis). */
export async function describeMachine(redis?: Redis): Promise<Machine> {
  const info = redis ? await redis.info('server') : 'redis_version:none';
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    platform: `${process.platform}-${process.arch}`,
  };
}

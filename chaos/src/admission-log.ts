import { createRedisConnection, type RedisClient, type RedisTarget } from '@regionwatch/core';

/** One request's time from its admission by the ASPOSE_MAX_RPS window (Redis TIME) to its arrival at the simulator. */
export type AdmissionDelays = {
  /** GETs matched to an admission of the same task. */
  matched: number;
  /** GETs with no admission seen (the sampler missed it, or the request went without the window). */
  unmatched: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
};

/**
 * Copies the request window's sorted set (`RequestRateLimiter`: member `<limiter>:<n>:<task id>`, score = admission
 * time in Redis's clock) every `intervalMs`, before admissions leave it (they stay at least a window), so a scenario can
 * tell how late each request reached Aspose after it was admitted — the delay ARRIVAL_MARGIN_MS must cover. Redis and
 * the simulator run on this machine: one clock.
 */
export class AdmissionLog {
  private readonly client: RedisClient;
  private readonly admitted = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(
    target: RedisTarget | string,
    private readonly key: string,
    private readonly intervalMs = 100,
  ) {
    this.client = createRedisConnection(target, 'fail-fast').on('error', () => {});
  }

  start(): this {
    this.timer = setInterval(() => void this.read(), this.intervalMs);
    return this;
  }

  private async read(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const flat = await this.client.zrange(this.key, 0, '-1', 'WITHSCORES');
      for (let i = 0; i + 1 < flat.length; i += 2) this.admitted.set(flat[i] as string, Number(flat[i + 1]));
    } catch {
      // Redis down in a scenario that stops it: those admissions go unmatched.
    } finally {
      this.reading = false;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.read();
    this.client.disconnect();
  }

  /** Each GET paired with its task's latest admission at or before it arrived. */
  delays(gets: readonly { taskId?: string | undefined; at: number }[]): AdmissionDelays {
    const byTask = new Map<string, number[]>();
    for (const [member, at] of this.admitted) {
      const taskId = member.split(':').slice(2).join(':');
      if (taskId) byTask.set(taskId, [...(byTask.get(taskId) ?? []), at]);
    }
    const delays: number[] = [];
    let unmatched = 0;
    for (const get of gets) {
      const times = get.taskId === undefined ? undefined : byTask.get(get.taskId);
      const admittedAt = times?.filter((at) => at <= get.at).reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
      if (admittedAt === undefined || admittedAt === Number.NEGATIVE_INFINITY) unmatched += 1;
      else delays.push(get.at - admittedAt);
    }
    delays.sort((a, b) => a - b);
    const quantile = (q: number) => delays[Math.min(delays.length - 1, Math.floor(q * delays.length))] ?? 0;
    return { matched: delays.length, unmatched, p50Ms: quantile(0.5), p99Ms: quantile(0.99), maxMs: delays.at(-1) ?? 0 };
  }
}

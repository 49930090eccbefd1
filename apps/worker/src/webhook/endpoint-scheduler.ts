import type { Logger } from '@regionwatch/core';
import type { RedisClient } from '@regionwatch/core';
import type { EndpointBreaker, EndpointShard } from './endpoint-breaker.js';
import type { WebhookQueues } from './webhook-queues.js';

/** Endpoints stepped per look at the timers; more wait for the next tick (a few ms later). */
const ENDPOINTS_PER_TICK = 50;
/**
 * Ticks while something was due, and while nothing was. An idle tick is one ZRANGEBYSCORE per replica and
 * poll shard, on that shard's primary (REGIONWATCH_PREFIX's without shards): 4 per second per replica and shard. The cost of the longer
 * idle tick: a delivery that joins an idle endpoint's line waits up to 250 ms more for its release.
 */
const BUSY_TICK_MS = 25;
const IDLE_TICK_MS = 250;
/** After an error (Redis away), wait this long before looking again. */
const ERROR_TICK_MS = 1_000;
/** Endpoints idle this long, holding nothing, are forgotten; checked this often. */
const IDLE_ENDPOINT_MS = 7 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 10 * 60_000;

export type EndpointSchedulerDeps = {
  redis: RedisClient;
  breaker: EndpointBreaker;
  /** Every shard's `regions-webhooks` queue: released deliveries are promoted from delayed to waiting in theirs. */
  webhookQueues: WebhookQueues;
  logger: Logger;
  now?: () => number;
};

/**
 * Runs in every replica: looks at the endpoints whose timers are due (one sorted-set read per tick,
 * whatever the number of held deliveries) and steps each — a probe when an open breaker's cooldown is
 * over, held deliveries released oldest first at WEBHOOK_ENDPOINT_MAX_RPS when it is closed. Held
 * deliveries sleep as delayed jobs until then, so they cost no worker slot and no Redis command.
 */
export class EndpointScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private failing = false;
  private lastPrune = 0;
  private readonly now: () => number;
  private readonly queues: WebhookQueues;

  constructor(private readonly deps: EndpointSchedulerDeps) {
    this.now = deps.now ?? Date.now;
    this.queues = deps.webhookQueues;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops ticking and waits for a tick in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * One look at the timers of every shard's endpoint states (one read per shard, each on its shard's slot):
   * steps every due endpoint; returns how many were due. Tests call it directly.
   */
  async tick(now = this.now()): Promise<number> {
    const { breaker } = this.deps;
    const counts = await Promise.all(breaker.shards.map((shard) => this.tickShard(shard, now)));
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      for (const shard of breaker.shards) await this.prune(shard, now);
    }
    return counts.reduce((a, b) => a + b, 0);
  }

  private async tickShard(shard: EndpointShard, now: number): Promise<number> {
    const { redis, breaker } = this.deps;
    const due = await redis.zrangebyscore(shard.timersKey, '-inf', now, 'LIMIT', 0, ENDPOINTS_PER_TICK);
    for (const endpoint of due) {
      const released = await breaker.step(endpoint, now, shard);
      await Promise.all(released.map((jobId) => this.release(endpoint, jobId)));
    }
    return due.length;
  }

  /** Moves a released delivery from delayed to waiting; forgets it when its job is gone or finished. */
  private async release(endpoint: string, jobId: string): Promise<void> {
    try {
      await this.queues.of(jobId).backend.promote(jobId);
    } catch {
      // Not delayed: it is waiting or running already (woken by its own timer) and will find its
      // release at the gate. Gone or finished: nothing to deliver any more.
      const state = await this.queues.of(jobId).getJobState(jobId);
      if (state === 'unknown' || state === 'completed' || state === 'failed') await this.deps.breaker.forget(endpoint, jobId);
    }
  }

  private async prune(shard: EndpointShard, now: number): Promise<void> {
    const { redis, breaker } = this.deps;
    const endpoints = await redis.zrange(shard.indexKey, 0, '999');
    for (const endpoint of endpoints) await breaker.prune(endpoint, now - IDLE_ENDPOINT_MS, shard);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then((due) => {
          if (this.failing) this.deps.logger.info('webhook endpoint scheduler works again');
          this.failing = false;
          this.schedule(due > 0 ? BUSY_TICK_MS : IDLE_TICK_MS);
        })
        .catch((error: unknown) => {
          if (!this.failing) this.deps.logger.warn({ err: error }, 'webhook endpoint scheduler failed; retrying every second');
          this.failing = true;
          this.schedule(ERROR_TICK_MS);
        });
    }, ms);
  }
}

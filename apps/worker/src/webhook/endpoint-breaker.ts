import {
  ARRIVAL_MARGIN_MS,
  endpointIndexKeys,
  endpointKeys,
  endpointStatePrefixes,
  rpsWindow,
  shardOfTask,
  taskIdOfWebhookJob,
  type HoldReason,
} from '@regionwatch/core';
import type { RedisClient } from '@regionwatch/core';
import { ADMIT, FORGET, PROPAGATE, PRUNE, REPORT, REQUEUE, STEP } from './endpoint-scripts.js';

/** Distinct deliveries failing in a row (timeouts, refused connections, 5xx) that open an endpoint's breaker. */
export const BREAKER_THRESHOLD = 5;
/** The longest wait between probes of an open endpoint. */
export const MAX_PROBE_INTERVAL_MS = 5 * 60_000;
/** A released delivery that has not started after this is released again (its replica died in between). */
export const GRANT_TTL_MS = 30_000;

export type EndpointSettings = {
  /** WEBHOOK_ENDPOINT_MAX_RPS (the whole endpoint's: with POLL_SHARDS > 1 each shard gets a share). */
  maxRps: number;
  /** WEBHOOK_TIMEOUT_MS: a probe's or an attempt's lease is this plus a margin. */
  timeoutMs: number;
  /** Requests in flight to one endpoint across replicas (half of WORKER_CONCURRENCY), split over the shards like maxRps. */
  inflightLimit: number;
  /** The retry schedule: probes start at its first delay and double up to its second (at most 5 minutes). */
  schedule: readonly number[];
};

/** What `admit` decided for one delivery. */
export type Admission = { kind: 'go' | 'probe'; rank: number } | { kind: 'held'; reason: HoldReason; rank: number };

/** What one attempt showed the breaker (see REPORT in endpoint-scripts.ts). */
export type Verdict = 'ok' | 'alive' | 'fail';

export type Report = {
  verdict: Verdict;
  /** Pause the whole endpoint until then (429/503 with Retry-After). */
  pauseUntil?: number | undefined;
  /** The delivery is over: delivered, stopped or dead-lettered. */
  finished: boolean;
  /** What to show as the endpoint's last error ('' after a success). */
  message: string;
};

type Commands = {
  regionwatchWebhookAdmit(...args: (string | number)[]): Promise<[string, string, number]>;
  regionwatchWebhookRequeue(...args: (string | number)[]): Promise<number>;
  regionwatchWebhookReport(...args: (string | number)[]): Promise<[string, string, string, number, number, number]>;
  regionwatchWebhookPropagate(...args: (string | number)[]): Promise<number>;
  regionwatchWebhookStep(...args: (string | number)[]): Promise<string[]>;
  regionwatchWebhookForget(...args: (string | number)[]): Promise<number>;
  regionwatchWebhookPrune(...args: (string | number)[]): Promise<number>;
};

const SCRIPTS: Record<keyof Commands, { numberOfKeys: number; lua: string }> = {
  regionwatchWebhookAdmit: { numberOfKeys: 7, lua: ADMIT },
  regionwatchWebhookRequeue: { numberOfKeys: 4, lua: REQUEUE },
  regionwatchWebhookReport: { numberOfKeys: 8, lua: REPORT },
  regionwatchWebhookStep: { numberOfKeys: 6, lua: STEP },
  regionwatchWebhookForget: { numberOfKeys: 5, lua: FORGET },
  regionwatchWebhookPrune: { numberOfKeys: 10, lua: PRUNE },
  regionwatchWebhookPropagate: { numberOfKeys: 3, lua: PROPAGATE },
};

/** A request window: at most `max` requests in any `duration` ms (core's RequestRateLimiter shape). */
export type RateWindow = { max: number; duration: number };

/**
 * Shard `shard`'s part of a whole `{ max, duration }` window: `max` split as evenly as whole numbers allow
 * (the first `max mod shards` shards get one more), over the SAME window, so the shards' shares add up to
 * `max` in any window and the endpoint never sees more than the whole cap in one (core's shardRpsWindow
 * stretches small shares over shorter windows instead: fine for pacing job starts, but then shares can
 * meet in one second). A shard whose share would be 0 (the cap is below the shard count) gets one request
 * per `ceil(shards / max)` windows: on average still the cap, but up to `shards` requests may then meet in
 * one window. A shard cannot borrow another's unused share.
 */
export function endpointShardWindow(whole: RateWindow, shard: number, shards: number): RateWindow {
  if (shards === 1) return whole;
  const share = Math.floor(whole.max / shards) + (shard < whole.max % shards ? 1 : 0);
  if (share > 0) return { max: share, duration: whole.duration };
  return { max: 1, duration: whole.duration * Math.ceil(shards / whole.max) };
}

/** One shard's part of an endpoint: where its state lives and what it may send. */
export type EndpointShard = {
  index: number;
  prefix: string;
  /** The endpoints index and timers of this shard (`endpointIndexKeys(prefix)`). */
  indexKey: string;
  timersKey: string;
  /** Held deliveries released per step, and the step's interval: this shard's share of the rate in small, even batches. */
  batch: number;
  intervalMs: number;
  /** This shard's share of the in-flight cap (never below 1). */
  inflightLimit: number;
  /** This shard's share of WEBHOOK_ENDPOINT_MAX_RPS as a request window (with ARRIVAL_MARGIN_MS, as RequestRateLimiter.perSecond). */
  rate: RateWindow;
  /** Distinct deliveries failing in a row that open this shard's breaker. */
  threshold: number;
};

/** What a breaker change told the other shards (see PROPAGATE in endpoint-scripts.ts). */
type BreakerEvent = { event: 'opened' | 'probe-failed' | 'closed'; probeAt: number; openedAt: number; opens: number };

/**
 * Every replica's handle on the per-endpoint circuit breakers and lines of held deliveries in Redis.
 * The processor asks `admit` before each request and `report`s after it; the scheduler `step`s
 * endpoints whose timers are due. All state is in Redis; this object only knows the settings.
 *
 * With POLL_SHARDS=N > 1 an endpoint has one state per shard, under the shard's prefix (its Cluster slot),
 * used by the deliveries of that shard's webhook queue (a delivery's shard is its task's). The rate and
 * in-flight caps are split over the shards; each shard's breaker trips on its own (the whole threshold), and a
 * change (open, a failed probe, a close) is told to the other shards, best-effort, so a dead endpoint costs
 * one shard's opening and probes, not N times them.
 */
export class EndpointBreaker {
  private readonly redis: RedisClient & Commands;
  readonly shards: readonly EndpointShard[];
  readonly leaseMs: number;
  private readonly cooldownBase: number;
  private readonly cooldownCap: number;

  constructor(
    redis: RedisClient,
    /** REGIONWATCH_PREFIX. */
    readonly prefix: string,
    readonly settings: EndpointSettings,
    /** POLL_SHARDS. */
    readonly shardCount = 1,
    /** Told when a breaker change could not be passed on to another shard (that shard then trips by itself). */
    private readonly onPropagationError: (error: unknown) => void = () => {},
  ) {
    for (const [name, script] of Object.entries(SCRIPTS)) if (!(name in redis)) redis.defineCommand(name, script);
    this.redis = redis as RedisClient & Commands;
    const whole = rpsWindow(settings.maxRps);
    const n = shardCount;
    this.shards = endpointStatePrefixes(prefix, n).map((shardPrefix, index) => {
      const pacing = endpointShardWindow(whole, index, n);
      const batch = Math.max(1, Math.ceil(pacing.max / 10));
      const { index: indexKey, timers: timersKey } = endpointIndexKeys(shardPrefix);
      return {
        index,
        prefix: shardPrefix,
        indexKey,
        timersKey,
        batch,
        intervalMs: Math.max(1, Math.round((pacing.duration * batch) / pacing.max)),
        inflightLimit: Math.max(1, Math.floor(settings.inflightLimit / n) + (index < settings.inflightLimit % n ? 1 : 0)),
        rate: endpointShardWindow({ max: whole.max, duration: whole.duration + ARRIVAL_MARGIN_MS }, index, n),
        // The whole threshold in each shard, not a share of it: a shard sees 1/N of the deliveries, and "k failing in a
        // row" among them is as likely as among all of them, so a flaky endpoint trips a shard exactly as often as it
        // tripped the one breaker (a share, e.g. 2 of 5 with 3 shards, would trip on p² instead of p⁵). A dead endpoint
        // costs at most N × (threshold − 1) + 1 failing deliveries before the first shard opens and tells the others.
        threshold: BREAKER_THRESHOLD,
      };
    });
    this.leaseMs = settings.timeoutMs + 5_000;
    const [first = 5_000, second = first] = settings.schedule;
    this.cooldownBase = first;
    this.cooldownCap = Math.max(first, Math.min(second, MAX_PROBE_INTERVAL_MS));
  }

  /** The shard a delivery's endpoint state is in: its task's poll shard. */
  shardOf(jobId: string): EndpointShard {
    return this.shards[this.shardCount === 1 ? 0 : shardOfTask(taskIdOfWebhookJob(jobId), this.shardCount)] as EndpointShard;
  }

  /** The first shard's (the only one without shards) timers and index: kept for tests and tools. */
  get timersKey(): string {
    return (this.shards[0] as EndpointShard).timersKey;
  }

  get indexKey(): string {
    return (this.shards[0] as EndpointShard).indexKey;
  }

  /** The key of the rate window the delivery `jobId` to `endpoint` passes (its shard's share of the cap). */
  rateKey(endpoint: string, jobId: string): string {
    return endpointKeys(this.shardOf(jobId).prefix, endpoint).rate;
  }

  /** The keys ADMIT and REPORT both begin with: the endpoint's state and line, and the timers index. */
  private lineKeys(shard: EndpointShard, endpoint: string): [string, string, string, string, string, string] {
    const k = endpointKeys(shard.prefix, endpoint);
    return [k.state, k.held, k.granted, k.inflight, k.pending, shard.timersKey];
  }

  async admit(endpoint: string, jobId: string, order: number, now: number): Promise<Admission> {
    const shard = this.shardOf(jobId);
    const [kind, reason, rank] = await this.redis.regionwatchWebhookAdmit(
      ...this.lineKeys(shard, endpoint),
      shard.indexKey,
      endpoint,
      jobId,
      order,
      now,
      shard.inflightLimit,
      this.leaseMs,
    );
    if (kind === 'held') return { kind, reason: reason as HoldReason, rank };
    return { kind: kind as 'go' | 'probe', rank };
  }

  /** Back into the line (the rate budget was spent after `admit`); the scheduler looks again at `lookAt`. */
  async requeue(endpoint: string, jobId: string, order: number, lookAt: number): Promise<void> {
    const shard = this.shardOf(jobId);
    const k = endpointKeys(shard.prefix, endpoint);
    await this.redis.regionwatchWebhookRequeue(k.state, k.held, k.inflight, shard.timersKey, endpoint, jobId, order, lookAt);
  }

  /** Records an attempt's outcome; `held` when the delivery was a failed probe and is back in line. */
  async report(
    endpoint: string,
    jobId: string,
    order: number,
    now: number,
    report: Report,
    random: () => number = Math.random,
  ): Promise<{ state: 'open' | 'closed'; held: boolean }> {
    const shard = this.shardOf(jobId);
    const k = endpointKeys(shard.prefix, endpoint);
    const [state, what, event, probeAt, openedAt, opens] = await this.redis.regionwatchWebhookReport(
      ...this.lineKeys(shard, endpoint),
      k.failing,
      k.probed,
      endpoint,
      jobId,
      order,
      now,
      report.verdict,
      report.pauseUntil ?? 0,
      report.finished ? '1' : '0',
      report.message,
      shard.threshold,
      this.cooldownBase,
      this.cooldownCap,
      0.8 + 0.4 * random(), // probes of many endpoints opened together do not all fire together
    );
    if (this.shardCount > 1 && (event === 'opened' || event === 'probe-failed' || event === 'closed')) {
      await this.propagate(shard, endpoint, now, { event, probeAt, openedAt, opens });
    }
    return { state: state === 'open' ? 'open' : 'closed', held: what === 'held' };
  }

  /**
   * Tells every other shard's state of `endpoint` what this shard's breaker just did: one call per shard
   * (each shard is its own Cluster slot), idempotent, best-effort — a call that fails only means that shard
   * learns by itself (it trips after its own failures, or probes at its own time).
   */
  private async propagate(from: EndpointShard, endpoint: string, now: number, change: BreakerEvent): Promise<void> {
    await Promise.all(
      this.shards
        .filter((shard) => shard !== from)
        .map(async (shard) => {
          const k = endpointKeys(shard.prefix, endpoint);
          try {
            await this.redis.regionwatchWebhookPropagate(
              k.state,
              shard.timersKey,
              shard.indexKey,
              endpoint,
              change.event,
              now,
              // The shard that changed probes first; the others after its probe's lease, unless told sooner.
              change.probeAt + this.leaseMs,
              change.openedAt,
              change.opens,
            );
          } catch (error) {
            this.onPropagationError(error);
          }
        }),
    );
  }

  /** The scheduler's turn at a due endpoint of one shard (default: the first, the only one without shards): the job ids to release now. */
  async step(endpoint: string, now: number, shard: EndpointShard = this.shards[0] as EndpointShard): Promise<string[]> {
    const k = endpointKeys(shard.prefix, endpoint);
    return this.redis.regionwatchWebhookStep(
      k.state,
      k.held,
      k.granted,
      k.inflight,
      shard.timersKey,
      k.probed,
      endpoint,
      now,
      shard.batch,
      shard.intervalMs,
      this.leaseMs,
      GRANT_TTL_MS,
      shard.inflightLimit,
    );
  }

  /** Whether the scheduler has released this delivery (a grant not yet used at the gate). */
  async isGranted(endpoint: string, jobId: string): Promise<boolean> {
    return (await this.redis.hexists(endpointKeys(this.shardOf(jobId).prefix, endpoint).granted, jobId)) === 1;
  }

  /** Drops a delivery from every set of its endpoint (it ended, or its job is gone). */
  async forget(endpoint: string, jobId: string): Promise<void> {
    const k = endpointKeys(this.shardOf(jobId).prefix, endpoint);
    await this.redis.regionwatchWebhookForget(k.state, k.held, k.granted, k.inflight, k.pending, jobId);
  }

  /** Forgets an endpoint of one shard idle since `idleBefore` that holds nothing; true when it did. */
  async prune(endpoint: string, idleBefore: number, shard: EndpointShard = this.shards[0] as EndpointShard): Promise<boolean> {
    const k = endpointKeys(shard.prefix, endpoint);
    const pruned = await this.redis.regionwatchWebhookPrune(
      k.state,
      k.held,
      k.pending,
      k.failing,
      k.probed,
      k.granted,
      k.inflight,
      k.rate,
      shard.indexKey,
      shard.timersKey,
      endpoint,
      idleBefore,
    );
    return pruned === 1;
  }
}

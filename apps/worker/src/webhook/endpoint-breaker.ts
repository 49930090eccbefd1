import { endpointIndexKeys, endpointKeys, rpsWindow, type HoldReason } from '@regionwatch/core';
import type { RedisClient } from '@regionwatch/core';
import { ADMIT, FORGET, PRUNE, REPORT, REQUEUE, STEP } from './endpoint-scripts.js';

/** Distinct deliveries failing in a row (timeouts, refused connections, 5xx) that open an endpoint's breaker. */
export const BREAKER_THRESHOLD = 5;
/** The longest wait between probes of an open endpoint. */
export const MAX_PROBE_INTERVAL_MS = 5 * 60_000;
/** A released delivery that has not started after this is released again (its replica died in between). */
export const GRANT_TTL_MS = 30_000;

export type EndpointSettings = {
  /** WEBHOOK_ENDPOINT_MAX_RPS. */
  maxRps: number;
  /** WEBHOOK_TIMEOUT_MS: a probe's or an attempt's lease is this plus a margin. */
  timeoutMs: number;
  /** Requests in flight to one endpoint across replicas (half of WORKER_CONCURRENCY). */
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
  regionwatchWebhookReport(...args: (string | number)[]): Promise<[string, string]>;
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
};

/**
 * Every replica's handle on the per-endpoint circuit breakers and lines of held deliveries in Redis.
 * The processor asks `admit` before each request and `report`s after it; the scheduler `step`s
 * endpoints whose timers are due. All state is in Redis; this object only knows the settings.
 */
export class EndpointBreaker {
  private readonly redis: RedisClient & Commands;
  private readonly index: ReturnType<typeof endpointIndexKeys>;
  /** Held deliveries released per step, and the step's interval: WEBHOOK_ENDPOINT_MAX_RPS in small, even batches. */
  readonly batch: number;
  readonly intervalMs: number;
  readonly leaseMs: number;
  private readonly cooldownBase: number;
  private readonly cooldownCap: number;

  constructor(
    redis: RedisClient,
    readonly prefix: string,
    readonly settings: EndpointSettings,
  ) {
    for (const [name, script] of Object.entries(SCRIPTS)) if (!(name in redis)) redis.defineCommand(name, script);
    this.redis = redis as RedisClient & Commands;
    this.index = endpointIndexKeys(prefix);
    const { max, duration } = rpsWindow(settings.maxRps);
    this.batch = Math.max(1, Math.ceil(max / 10));
    this.intervalMs = Math.max(1, Math.round((duration * this.batch) / max));
    this.leaseMs = settings.timeoutMs + 5_000;
    const [first = 5_000, second = first] = settings.schedule;
    this.cooldownBase = first;
    this.cooldownCap = Math.max(first, Math.min(second, MAX_PROBE_INTERVAL_MS));
  }

  /** The sorted set of endpoints whose timers the scheduler watches. */
  get timersKey(): string {
    return this.index.timers;
  }

  get indexKey(): string {
    return this.index.index;
  }

  /** The keys ADMIT and REPORT both begin with: the endpoint's state and line, and the timers index. */
  private lineKeys(endpoint: string): [string, string, string, string, string, string] {
    const k = endpointKeys(this.prefix, endpoint);
    return [k.state, k.held, k.granted, k.inflight, k.pending, this.index.timers];
  }

  async admit(endpoint: string, jobId: string, order: number, now: number): Promise<Admission> {
    const [kind, reason, rank] = await this.redis.regionwatchWebhookAdmit(
      ...this.lineKeys(endpoint),
      this.index.index,
      endpoint,
      jobId,
      order,
      now,
      this.settings.inflightLimit,
      this.leaseMs,
    );
    if (kind === 'held') return { kind, reason: reason as HoldReason, rank };
    return { kind: kind as 'go' | 'probe', rank };
  }

  /** Back into the line (the rate budget was spent after `admit`); the scheduler looks again at `lookAt`. */
  async requeue(endpoint: string, jobId: string, order: number, lookAt: number): Promise<void> {
    const k = endpointKeys(this.prefix, endpoint);
    await this.redis.regionwatchWebhookRequeue(k.state, k.held, k.inflight, this.index.timers, endpoint, jobId, order, lookAt);
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
    const k = endpointKeys(this.prefix, endpoint);
    const [state, what] = await this.redis.regionwatchWebhookReport(
      ...this.lineKeys(endpoint),
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
      BREAKER_THRESHOLD,
      this.cooldownBase,
      this.cooldownCap,
      0.8 + 0.4 * random(), // probes of many endpoints opened together do not all fire together
    );
    return { state: state === 'open' ? 'open' : 'closed', held: what === 'held' };
  }

  /** The scheduler's turn at a due endpoint: the job ids to release now (move from delayed to waiting). */
  async step(endpoint: string, now: number): Promise<string[]> {
    const k = endpointKeys(this.prefix, endpoint);
    return this.redis.regionwatchWebhookStep(
      k.state,
      k.held,
      k.granted,
      k.inflight,
      this.index.timers,
      k.probed,
      endpoint,
      now,
      this.batch,
      this.intervalMs,
      this.leaseMs,
      GRANT_TTL_MS,
      this.settings.inflightLimit,
    );
  }

  /** Whether the scheduler has released this delivery (a grant not yet used at the gate). */
  async isGranted(endpoint: string, jobId: string): Promise<boolean> {
    return (await this.redis.hexists(endpointKeys(this.prefix, endpoint).granted, jobId)) === 1;
  }

  /** Drops a delivery from every set of its endpoint (it ended, or its job is gone). */
  async forget(endpoint: string, jobId: string): Promise<void> {
    const k = endpointKeys(this.prefix, endpoint);
    await this.redis.regionwatchWebhookForget(k.state, k.held, k.granted, k.inflight, k.pending, jobId);
  }

  /** Forgets an endpoint idle since `idleBefore` that holds nothing; true when it did. */
  async prune(endpoint: string, idleBefore: number): Promise<boolean> {
    const k = endpointKeys(this.prefix, endpoint);
    const pruned = await this.redis.regionwatchWebhookPrune(
      k.state,
      k.held,
      k.pending,
      k.failing,
      k.probed,
      k.granted,
      k.inflight,
      k.rate,
      this.index.index,
      this.index.timers,
      endpoint,
      idleBefore,
    );
    return pruned === 1;
  }
}

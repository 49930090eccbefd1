import { randomUUID } from 'node:crypto';
import type { AsposeClient } from '@regionwatch/core';
import {
  assertPrefixFitsConnection,
  ConfigError,
  createAsposeClient,
  createRedisConnection,
  isRedisClient,
  JOB_NAMES,
  loadProducerConfig,
  MAX_WEBHOOK_DESTINATIONS,
  POLL_QUEUE,
  pipelineGroups,
  pollShards,
  RedisFullError,
  redisErrorKind,
  RedisUnavailableError,
  resultFromRecord,
  shardOfTask,
  TaskRecordStore,
  redisTargetFrom,
  type DetectRegionsSettings,
  type PollJob,
  type ProducerConfig,
  type RedisClient,
  type RedisConnectionInput,
  type RegionResult,
} from '@regionwatch/core';
import { Queue } from 'bullmq';
import { buildPollJob, type TrackOptions } from './build-poll-job.js';
import { FIRST_POLL_DEFAULTS, firstPollSettingsOf, FirstPollPlanner, type FirstPollSettings } from './first-poll-planner.js';
import { imageSizeKind } from './image-size-kind.js';
import { InvalidTrackRequestError } from './invalid-track-request-error.js';
import { pollJobOptions } from './poll-job-options.js';
import { ResultTimeoutError } from './result-timeout-error.js';
import { ResultWaiter } from './result-waiter.js';
import { TaskNotTrackedError } from './task-not-tracked-error.js';
import { TaskRequests } from './task-requests.js';
import { readTaskStatus, type TaskStatus } from './task-status.js';

/**
 * `created: true`: a new poll chain; `created: false`: a duplicate (already tracked, or decided less than
 * 25 h ago) — with `merged: true` when its `webhookUrl` was added to the pending task as another destination.
 */
export type TrackResult = { taskId: string; created: boolean; merged?: true };

/** Options of `untrack`. */
export type UntrackOptions = {
  /** Also ask Aspose to delete the task (`DELETE /v5.0/ocr/DetectRegions?id=`); a failure is reported, not thrown. */
  cancelAtAspose?: boolean;
  /** How long to wait for the worker to end the task `Cancelled` (default 30 s); then `requested` is answered. */
  waitMs?: number;
};

/** What `untrack` did. Only a pending task is changed. */
export type UntrackResult = {
  taskId: string;
  /**
   * `cancelled`: the worker ended it `Cancelled` (`result`); `already-finished`: it was decided before
   * (`result` when still known; nothing changed; a decision that raced the request is reported here too);
   * `not-found`: not tracked (nothing changed); `requested`: marked, but no worker ended it within `waitMs`
   * (the next run of any worker will).
   */
  outcome: 'cancelled' | 'already-finished' | 'not-found' | 'requested';
  result?: RegionResult;
  /** With `cancelAtAspose`, for a task that was pending: Aspose's answer to the DELETE. */
  aspose?: { deleted: true } | { deleted: false; error: string };
};

/** Options of `waitForResult`. */
export type WaitOptions = {
  /** Give up after this long with `ResultTimeoutError` (the task goes on; default 60 s). */
  timeoutMs?: number;
};

/** How long `waitForResult` waits by default. */
export const DEFAULT_WAIT_TIMEOUT_MS = 60_000;
/** `submit()`'s tracking options (its `submittedAt` is the moment it sends the image). */
export type SubmitOptions = Omit<TrackOptions, 'submittedAt'>;
export type TrackManyItem = string | ({ taskId: string } & TrackOptions);
/** One outcome per input item, in input order: tracked (created or duplicate), or refused. */
export type TrackManyOutcome = ({ ok: true } & TrackResult) | { ok: false; taskId: unknown; error: InvalidTrackRequestError };

export type RegionTaskProducerOptions = {
  /**
   * A `redis://` URL, a `RedisTarget` (standalone, Sentinel or Cluster: `redisTargetFrom(config)`), or an
   * ioredis client (Redis or Cluster) the caller owns (not closed by `close()`).
   */
  connection: RedisConnectionInput;
  /** BullMQ prefix (`REGIONWATCH_PREFIX`). */
  prefix?: string;
  /** Poll queues (`POLL_SHARDS`, default 1): each task goes to its shard's (`pollShardOfTask`). The workers' value. */
  shards?: number;
  /** Delay before the first poll (`POLL_INITIAL_DELAY_MS`). */
  initialDelayMs?: number;
  /**
   * The workers' polling variables (`POLL_PLAN_VARIABLE_NAMES`; defaults: the variables' defaults). With
   * POLL_STRATEGY=adaptive (the default) and completion times learned for the task's kind, a new task's first poll
   * is placed at the learned first poll instead of `initialDelayMs` (see `FirstPollPlanner`). `initialDelayMs`, when
   * given, wins over POLL_INITIAL_DELAY_MS here.
   */
  polling?: Partial<FirstPollSettings>;
  /** Needed only by `submit()`; the caller closes it (unless `fromConfig` made it). */
  aspose?: AsposeClient;
  /** Ids per `addBulk` call in `trackMany`. */
  chunkSize?: number;
  /** Connection errors (ioredis reconnects by itself); default: ignored, see `waitUntilReady`. */
  onError?: (error: Error) => void;
};

// KEYS: poll jobs just added; ARGV: the trackingId each was added with. 1 when the stored job is ours (created
// by this add) or gone already (finished and removed, or removed by an operator, in between: created by it
// too); 0 when an older job held the id (the add was a no-op).
const OWNED = `
local owned = {}
for i = 1, #KEYS do
  local data = redis.call('HGET', KEYS[i], 'data')
  if not data or string.find(data, ARGV[i], 1, true) then owned[i] = 1 else owned[i] = 0 end
end
return owned
`;

type OwnedCommand = { regionwatchOwned(numberOfKeys: number, ...keysThenIds: string[]): Promise<number[]> };

/** What upstream services call to hand task ids to regionwatch. */
export class RegionTaskProducer {
  /** One per poll shard, in shard order (one without shards). */
  private readonly queues: Queue[];
  private readonly shards: number;
  private readonly records: TaskRecordStore;
  private readonly ownsConnection: boolean;
  private readonly connection: RedisClient;
  private readonly firstPolls: FirstPollPlanner;
  private readonly chunkSize: number;
  private readonly aspose: AsposeClient | undefined;
  private ownsAspose = false;
  private lastError: Error | undefined;
  private readonly prefix: string;
  private readonly waiter: ResultWaiter;
  private readonly requests: TaskRequests;

  constructor(options: RegionTaskProducerOptions) {
    this.ownsConnection = !isRedisClient(options.connection);
    this.connection = isRedisClient(options.connection) ? options.connection : createRedisConnection(options.connection, 'fail-fast');
    const prefix = options.prefix ?? 'regionwatch';
    try {
      assertPrefixFitsConnection(this.connection, prefix);
    } catch (error) {
      if (this.ownsConnection) this.connection.disconnect();
      throw error;
    }
    this.shards = options.shards ?? 1;
    this.queues = pollShards(prefix, this.shards).map(
      (shard) => new Queue(POLL_QUEUE, { connection: this.connection, prefix: shard.prefix }),
    );
    this.records = new TaskRecordStore(this.connection, prefix, { shards: this.shards });
    this.prefix = prefix;
    this.waiter = new ResultWaiter(this.connection, this.records);
    this.requests = new TaskRequests(this.connection, this.records);
    if (!('regionwatchOwned' in this.connection)) this.connection.defineCommand('regionwatchOwned', { lua: OWNED });
    const onError = (error: Error) => {
      this.lastError = error;
      options.onError?.(error);
    };
    this.connection.on('error', onError);
    for (const queue of this.queues) queue.on('error', onError);
    const polling = { ...FIRST_POLL_DEFAULTS, ...options.polling };
    if (options.initialDelayMs !== undefined) polling.POLL_INITIAL_DELAY_MS = options.initialDelayMs;
    this.firstPolls = new FirstPollPlanner(this.connection, prefix, polling);
    this.chunkSize = options.chunkSize ?? 1_000;
    this.aspose = options.aspose;
  }

  /**
   * A producer wired from the environment: the REDIS_* variables (standalone, Sentinel or Cluster),
   * REGIONWATCH_PREFIX, POLL_SHARDS, the polling variables of the first poll (POLL_PLAN_VARIABLE_NAMES: POLL_INITIAL_DELAY_MS,
   * POLL_STRATEGY, …), and the ASPOSE_* variables `submit()` needs if credentials
   * are set. Nothing else in the host's environment
   * is read (its own LOG_LEVEL or WEBHOOK_URL are its business); a bad value is a `ConfigError`.
   */
  static fromConfig(config: ProducerConfig = loadProducerConfig()): RegionTaskProducer {
    const producer = new RegionTaskProducer({
      connection: redisTargetFrom(config),
      prefix: config.REGIONWATCH_PREFIX,
      shards: config.POLL_SHARDS,
      polling: firstPollSettingsOf(config),
      ...(config.ASPOSE_CLIENT_ID ? { aspose: createAsposeClient(config) } : {}),
    });
    producer.ownsAspose = true;
    return producer;
  }

  /**
   * Starts polling `taskId` unless it is already tracked or its result was decided less than 25 h
   * ago (`created: false`, a duplicate). After that a new poll chain starts and its result is
   * delivered again. A duplicate of a PENDING task with another `webhookUrl` adds that URL as one more
   * destination (`merged: true`; at most 8 in all). Throws `InvalidTrackRequestError` (nothing written) on bad input.
   */
  async track(taskId: string, options: TrackOptions = {}): Promise<TrackResult> {
    const [outcome] = await this.trackMany([{ ...options, taskId }]);
    if (!outcome) throw new Error('trackMany returned no outcome');
    if (!outcome.ok) throw outcome.error;
    return { taskId: outcome.taskId, created: outcome.created, ...(outcome.merged ? { merged: true } : {}) };
  }

  /**
   * Tracks many ids with `addBulk`, `chunkSize` at a time. Invalid items are reported, not
   * written; valid ones are tracked regardless. Outcomes come back in input order. A full Redis
   * (maxmemory reached under noeviction) throws `RedisFullError`: some ids of that call may have been
   * written before Redis filled up; tracking them all again once it has room is safe (a no-op for those).
   */
  async trackMany(items: readonly TrackManyItem[]): Promise<TrackManyOutcome[]> {
    const now = Date.now();
    const outcomes: TrackManyOutcome[] = new Array<TrackManyOutcome>(items.length);
    const pending: { index: number; job: PollJob }[] = [];
    // The same id again in this call: a duplicate, or a merge when it names another webhookUrl.
    const repeats: { index: number; job: PollJob }[] = [];
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const { taskId, ...options } = typeof item === 'string' ? { taskId: item } : item;
      try {
        const job = buildPollJob(taskId, options, now);
        if (seen.has(job.taskId)) repeats.push({ index, job });
        else {
          seen.add(job.taskId);
          pending.push({ index, job });
        }
      } catch (error) {
        if (!(error instanceof InvalidTrackRequestError)) throw error;
        outcomes[index] = { ok: false, taskId, error };
      }
    });
    // Two chunks in flight: one chunk's round trips (check, add, read back) overlap the other's, so the
    // checks cost little next to a bare addBulk (the bench's `trackMany` ÷ `addBulk`). Chunks are independent:
    // an id is in one chunk only (a repeat of an id in the same call is merged after every chunk is added).
    let next = 0;
    let failed = false; // after a failure no lane starts another chunk
    const lane = async () => {
      while (next < pending.length && !failed) {
        const chunk = pending.slice(next, next + this.chunkSize);
        next += this.chunkSize;
        const created = await this.addChunk(chunk.map((p) => p.job)).catch((error: unknown) => {
          failed = true;
          // Under noeviction a full Redis refuses each job's add script before it writes anything.
          throw redisErrorKind(error) === 'full' ? new RedisFullError(error as Error) : error;
        });
        for (const [i, p] of chunk.entries()) outcomes[p.index] = await this.mergeIfPending(p.job, created[i] ?? false);
      }
    };
    await Promise.all([lane(), lane()]);
    for (const r of repeats) outcomes[r.index] = await this.mergeIfPending(r.job, false);
    return outcomes;
  }

  /**
   * Sends the image to Aspose for region detection, then tracks the task id it returns. Its `kind` is
   * the image's size class (`imageSizeKind`) unless `options.kind` names one: bigger images take longer,
   * and the adaptive schedule learns each kind's times separately.
   */
  async submit(
    image: Buffer | Uint8Array,
    settings?: DetectRegionsSettings,
    options?: SubmitOptions & { wait?: false },
  ): Promise<TrackResult>;
  /** With `wait`: tracks it, then waits for its result (request/response style; see `waitForResult`). */
  async submit(
    image: Buffer | Uint8Array,
    settings: DetectRegionsSettings | undefined,
    options: SubmitOptions & { wait: true | WaitOptions },
  ): Promise<TrackResult & { result: RegionResult }>;
  async submit(
    image: Buffer | Uint8Array,
    settings?: DetectRegionsSettings,
    options: SubmitOptions & { wait?: boolean | WaitOptions } = {},
  ): Promise<TrackResult | (TrackResult & { result: RegionResult })> {
    if (!this.aspose) {
      const message = 'is required: submit() needs Aspose credentials: set ASPOSE_CLIENT_ID and ASPOSE_CLIENT_SECRET, or pass `aspose`';
      throw new ConfigError([
        { variable: 'ASPOSE_CLIENT_ID', message },
        { variable: 'ASPOSE_CLIENT_SECRET', message },
      ]);
    }
    const submittedAt = new Date();
    const taskId = await this.aspose.submitDetectRegions(image, settings);
    const { wait, ...trackOptions } = options;
    const tracked = await this.track(taskId, { kind: imageSizeKind(image.byteLength), ...trackOptions, submittedAt });
    if (!wait) return tracked;
    return { ...tracked, result: await this.waitForResult(taskId, wait === true ? {} : wait) };
  }

  /**
   * Where the task is: `unknown` (never tracked, or decided over 25 h ago), `pending` (polls so far,
   * Aspose's last status, the next poll's time) or `finished` (its `RegionResult` and where it was
   * delivered). Works from any process; one Redis pipeline of 11 O(1) reads, however many tasks there are.
   */
  async status(taskId: string): Promise<TaskStatus> {
    await this.ready();
    return readTaskStatus(this.connection, this.records, this.prefix, taskId);
  }

  /**
   * The task's `RegionResult` once a worker (in any process) decides it; at once when it was decided
   * before the call. Throws `TaskNotTrackedError` for an id neither tracked nor decided in the last
   * 25 h, `ResultTimeoutError` after `timeoutMs` (the task is left as it is). Waits share one
   * subscriber connection per producer: no polling of Redis.
   */
  async waitForResult(taskId: string, options: WaitOptions = {}): Promise<RegionResult> {
    await this.ready();
    return this.waiter.wait(taskId, options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS);
  }

  /**
   * Stops a pending task: marks its poll job's data (the producer's) so the worker's next run ends it
   * `Cancelled` through the normal decision — delivered like any result, so every subscriber learns the
   * task ended — and promotes the job so that run comes now, not at the next poll time. A finished or
   * unknown id is reported and nothing changes. `cancelAtAspose` then deletes the task at Aspose (after
   * the decision, so the worker's last GET cannot turn the cancel into `NotExist`).
   */
  async untrack(taskId: string, options: UntrackOptions = {}): Promise<UntrackResult> {
    await this.ready();
    const mark = await this.requests.markCancelled(taskId, Date.now());
    if (mark === 'not-found') return { taskId, outcome: 'not-found' };
    if (mark === 'already-finished') {
      const record = await this.records.read(taskId); // the result only: not status()'s 11 reads
      return { taskId, outcome: 'already-finished', ...(record ? { result: resultFromRecord(taskId, record.body) } : {}) };
    }
    const waitMs = options.waitMs ?? 30_000;
    const decided = this.waitForResult(taskId, { timeoutMs: waitMs }).catch((error: unknown) => {
      if (error instanceof ResultTimeoutError || error instanceof TaskNotTrackedError) return undefined;
      throw error;
    });
    await this.promote(taskId, waitMs);
    const result = await decided;
    const outcome: UntrackResult['outcome'] =
      result === undefined ? 'requested' : result.status === 'Cancelled' ? 'cancelled' : 'already-finished';
    const aspose = options.cancelAtAspose ? await this.deleteAtAspose(taskId) : undefined;
    return { taskId, outcome, ...(result ? { result } : {}), ...(aspose ? { aspose } : {}) };
  }

  /** Resolves once Redis answers; rejects with `RedisUnavailableError` after `timeoutMs`. */
  async waitUntilReady(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisUnavailableError(timeoutMs, this.lastError)), timeoutMs);
    });
    try {
      await Promise.race([this.ready(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.waiter.close();
    await Promise.all(this.queues.map((queue) => queue.close()));
    if (this.ownsConnection) this.connection.disconnect();
    if (this.ownsAspose) await this.aspose?.close();
  }

  /**
   * A duplicate of a pending task that names a `webhookUrl`: that URL becomes another destination of
   * the task (each delivered once, on its own), unless the task was decided meanwhile or has 8 already.
   */
  private async mergeIfPending(job: PollJob, created: boolean): Promise<TrackManyOutcome> {
    const taskId = job.taskId;
    if (created || job.webhookUrl === undefined) return { ok: true, taskId, created };
    const merged = await this.requests.addWebhook(taskId, job.webhookUrl);
    if (merged === 'merged') return { ok: true, taskId, created: false, merged: true };
    if (merged === 'duplicate') return { ok: true, taskId, created: false };
    const why = `cannot be added: the task already has ${MAX_WEBHOOK_DESTINATIONS} webhook destinations`;
    return { ok: false, taskId, error: new InvalidTrackRequestError('webhookUrl', why, taskId) };
  }

  /**
   * Moves the job from delayed to waiting so a worker runs it now. A job being polled right now cannot
   * be promoted: its run ends by re-delaying it (it read its data before the mark), so this waits,
   * bounded, for that and promotes it then. A waiting job runs soon anyway.
   */
  private async promote(taskId: string, waitMs: number): Promise<void> {
    const until = Date.now() + waitMs;
    for (;;) {
      const job = await this.queueOf(taskId).getJob(taskId);
      if (!job) return;
      const state = await job.getState();
      if (state === 'delayed') {
        // Raced with the job leaving delayed: the loop looks again.
        if (
          await job.promote().then(
            () => true,
            () => false,
          )
        )
          return;
      } else if (state !== 'active') return;
      if (Date.now() >= until) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Every shard's queue shares the one connection: the first one's readiness is theirs. */
  private ready(): Promise<unknown> {
    return (this.queues[0] as Queue).waitUntilReady();
  }

  private queueOf(taskId: string): Queue {
    return this.queues[shardOfTask(taskId, this.shards)] as Queue;
  }

  private async deleteAtAspose(taskId: string): Promise<NonNullable<UntrackResult['aspose']>> {
    if (!this.aspose)
      return { deleted: false, error: 'no Aspose credentials: set ASPOSE_CLIENT_ID and ASPOSE_CLIENT_SECRET, or pass `aspose`' };
    try {
      await this.aspose.cancel(taskId);
      return { deleted: true };
    } catch (error) {
      return { deleted: false, error: (error as Error).message };
    }
  }

  /**
   * Ids with a task record were decided less than 25 h ago: duplicates, not added (one pipeline of
   * EXISTS). The rest are added; BullMQ's add is a no-op for an existing job id but does not say so,
   * so each job carries a fresh `trackingId` and reading it back tells whether the stored job is ours
   * (created) or older. No race with the record: it is written only while the task's poll job still
   * exists, so an add that created a job cannot meet a record written after this check.
   */
  private async addChunk(jobs: PollJob[]): Promise<boolean[]> {
    await this.ready(); // the connection fails fast: no command before it is up
    const decided = await this.records.exist(jobs.map((job) => job.taskId));
    const created = jobs.map(() => false);
    // Each shard's jobs in one addBulk and one check, the shards side by side (a Cluster runs each on its slot's node).
    const byShard = pipelineGroups(jobs.map((job) => shardOfTask(job.taskId, this.shards)));
    await Promise.all(
      [...byShard].map(async ([shard, indexes]) => {
        const fresh = indexes.filter((i) => !decided[i]).map((i) => ({ job: jobs[i] as PollJob, i }));
        if (fresh.length === 0) return;
        const queue = this.queues[shard] as Queue;
        const firstPolls = await this.firstPolls.plan(
          fresh.map(({ job }) => job),
          Date.now(),
        );
        // firstPollAt tells the worker the first run is the learned first poll already (a GET, not another wait).
        const batch = fresh.map(({ job }, k) => {
          const firstPollAt = firstPolls[k]?.firstPollAt;
          return { ...job, trackingId: randomUUID(), ...(firstPollAt === undefined ? {} : { firstPollAt }) };
        });
        const added = await queue.addBulk(
          batch.map((data, k) => ({
            name: JOB_NAMES.poll,
            data,
            // A learned first poll is a GET like the workers' learned re-polls, which carry an aging priority when due: with
            // priority 1 it is ordered among them by when it became due (as a sure poll, k = 0). Without one, a due first
            // poll would sit in the wait list, ahead of every re-poll, and under a standing backlog starve them.
            opts: { ...pollJobOptions(data, firstPolls[k]?.delay ?? 0), ...(data.firstPollAt === undefined ? {} : { priority: 1 }) },
          })),
        );
        // Which stored jobs carry our trackingId, checked in Redis (one script call, one flag per job back,
        // instead of every job's data: metadata may be 16 KiB each).
        const owned = await (this.connection as RedisClient & OwnedCommand).regionwatchOwned(
          added.length,
          ...added.map((job) => queue.toKey(job.id ?? '')),
          ...batch.map((job) => job.trackingId),
        );
        batch.forEach((_, k) => (created[fresh[k]?.i ?? -1] = Number(owned[k]) === 1));
      }),
    );
    return created;
  }
}

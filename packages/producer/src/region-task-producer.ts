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
  POLL_QUEUE,
  RedisFullError,
  redisErrorKind,
  RedisUnavailableError,
  TaskRecordStore,
  redisTargetFrom,
  type DetectRegionsSettings,
  type PollJob,
  type ProducerConfig,
  type RedisClient,
  type RedisConnectionInput,
} from '@regionwatch/core';
import { Queue } from 'bullmq';
import { buildPollJob, type TrackOptions } from './build-poll-job.js';
import { imageSizeKind } from './image-size-kind.js';
import { InvalidTrackRequestError } from './invalid-track-request-error.js';
import { pollJobOptions } from './poll-job-options.js';

export type TrackResult = { taskId: string; created: boolean };
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
  /** Delay before the first poll (`POLL_INITIAL_DELAY_MS`). */
  initialDelayMs?: number;
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
  private readonly queue: Queue;
  private readonly records: TaskRecordStore;
  private readonly ownsConnection: boolean;
  private readonly connection: RedisClient;
  private readonly initialDelayMs: number;
  private readonly chunkSize: number;
  private readonly aspose: AsposeClient | undefined;
  private ownsAspose = false;
  private lastError: Error | undefined;

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
    this.queue = new Queue(POLL_QUEUE, { connection: this.connection, prefix });
    this.records = new TaskRecordStore(this.connection, prefix);
    if (!('regionwatchOwned' in this.connection)) this.connection.defineCommand('regionwatchOwned', { lua: OWNED });
    const onError = (error: Error) => {
      this.lastError = error;
      options.onError?.(error);
    };
    this.connection.on('error', onError);
    this.queue.on('error', onError);
    this.initialDelayMs = options.initialDelayMs ?? 1_000;
    this.chunkSize = options.chunkSize ?? 1_000;
    this.aspose = options.aspose;
  }

  /**
   * A producer wired from the environment: the REDIS_* variables (standalone, Sentinel or Cluster),
   * REGIONWATCH_PREFIX, POLL_INITIAL_DELAY_MS, and the ASPOSE_* variables `submit()` needs if credentials
   * are set. Nothing else in the host's environment
   * is read (its own LOG_LEVEL or WEBHOOK_URL are its business); a bad value is a `ConfigError`.
   */
  static fromConfig(config: ProducerConfig = loadProducerConfig()): RegionTaskProducer {
    const producer = new RegionTaskProducer({
      connection: redisTargetFrom(config),
      prefix: config.REGIONWATCH_PREFIX,
      initialDelayMs: config.POLL_INITIAL_DELAY_MS,
      ...(config.ASPOSE_CLIENT_ID ? { aspose: createAsposeClient(config) } : {}),
    });
    producer.ownsAspose = true;
    return producer;
  }

  /**
   * Starts polling `taskId` unless it is already tracked or its result was decided less than 25 h
   * ago (`created: false`, a duplicate). After that a new poll chain starts and its result is
   * delivered again. Throws `InvalidTrackRequestError` (nothing written) on bad input.
   */
  async track(taskId: string, options: TrackOptions = {}): Promise<TrackResult> {
    const [outcome] = await this.trackMany([{ ...options, taskId }]);
    if (!outcome) throw new Error('trackMany returned no outcome');
    if (!outcome.ok) throw outcome.error;
    return { taskId: outcome.taskId, created: outcome.created };
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
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const { taskId, ...options } = typeof item === 'string' ? { taskId: item } : item;
      try {
        const job = buildPollJob(taskId, options, now);
        if (seen.has(job.taskId)) outcomes[index] = { ok: true, taskId: job.taskId, created: false };
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
    // an id is in one chunk only.
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
        chunk.forEach((p, i) => (outcomes[p.index] = { ok: true, taskId: p.job.taskId, created: created[i] ?? false }));
      }
    };
    await Promise.all([lane(), lane()]);
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
    options: Omit<TrackOptions, 'submittedAt'> = {},
  ): Promise<TrackResult> {
    if (!this.aspose) {
      const message = 'is required: submit() needs Aspose credentials: set ASPOSE_CLIENT_ID and ASPOSE_CLIENT_SECRET, or pass `aspose`';
      throw new ConfigError([
        { variable: 'ASPOSE_CLIENT_ID', message },
        { variable: 'ASPOSE_CLIENT_SECRET', message },
      ]);
    }
    const submittedAt = new Date();
    const taskId = await this.aspose.submitDetectRegions(image, settings);
    return this.track(taskId, { kind: imageSizeKind(image.byteLength), ...options, submittedAt });
  }

  /** Resolves once Redis answers; rejects with `RedisUnavailableError` after `timeoutMs`. */
  async waitUntilReady(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RedisUnavailableError(timeoutMs, this.lastError)), timeoutMs);
    });
    try {
      await Promise.race([this.queue.waitUntilReady(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
    if (this.ownsConnection) this.connection.disconnect();
    if (this.ownsAspose) await this.aspose?.close();
  }

  /**
   * Ids with a task record were decided less than 25 h ago: duplicates, not added (one pipeline of
   * EXISTS). The rest are added; BullMQ's add is a no-op for an existing job id but does not say so,
   * so each job carries a fresh `trackingId` and reading it back tells whether the stored job is ours
   * (created) or older. No race with the record: it is written only while the task's poll job still
   * exists, so an add that created a job cannot meet a record written after this check.
   */
  private async addChunk(jobs: PollJob[]): Promise<boolean[]> {
    await this.queue.waitUntilReady(); // the connection fails fast: no command before it is up
    const decided = await this.records.exist(jobs.map((job) => job.taskId));
    const created = jobs.map(() => false);
    const fresh = jobs.map((job, i) => ({ job, i })).filter(({ i }) => !decided[i]);
    if (fresh.length === 0) return created;
    const batch = fresh.map(({ job }) => ({ ...job, trackingId: randomUUID() }));
    const added = await this.queue.addBulk(
      batch.map((data) => ({ name: JOB_NAMES.poll, data, opts: pollJobOptions(data, this.initialDelayMs) })),
    );
    // Which stored jobs carry our trackingId, checked in Redis (one script call, one flag per job back,
    // instead of every job's data: metadata may be 16 KiB each).
    const owned = await (this.connection as RedisClient & OwnedCommand).regionwatchOwned(
      added.length,
      ...added.map((job) => this.queue.toKey(job.id ?? '')),
      ...batch.map((job) => job.trackingId),
    );
    batch.forEach((_, k) => (created[fresh[k]?.i ?? -1] = Number(owned[k]) === 1));
    return created;
  }
}

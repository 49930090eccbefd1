import type { RedisClient } from '../redis-connection.js';
import { pollShardOfTask, pollShardPrefix } from '../contract/poll-shards.js';
import { POLL_QUEUE } from '../contract/queues.js';
import { pipelineGroups } from '../redis/pipeline-groups.js';
import { decodeRecordBody, encodeRecordBody } from './record-encoding.js';
import {
  TASK_RECORD_TTL_MS,
  taskRecordBodySchema,
  withExtraWebhooks,
  type HandOffTarget,
  type TaskRecord,
  type TaskRecordBody,
} from './task-record.js';

// The record of a decided task: a string beside its poll job (`<shard prefix>:regions-poll:<taskId>:task`, so it
// shares the job's Cluster slot under a hash-tag prefix; BullMQ's job removal leaves it, obliterate removes
// it): `<chain as JSON>\n<handed targets, comma-separated>\n<body>[\n<more>]`, the body compact
// (record-encoding.ts), `more` the webhook URLs later `track` calls added (a JSON array; absent when none).
// A string, not a hash: a hash field over 64 bytes (hash-max-listpack-value) turns the whole hash into a
// hashtable, about 200 bytes more per finished task for the 25 h it is kept. Written once, by DECIDE, while
// the deciding replica holds the job's lock; MARK_HANDED rewrites the marks line only.
// (Records stored as a hash — fields chain, body, handed:<target> — by earlier builds are still read.)

// KEYS: the job's lock, the job, the record. ARGV: lock token, chain (JSON), body, TTL ms, the job's progress,
// the decided channel, the task id.
// Returns {0} when the lock is not ours (a stalled replica's late decision: the new owner goes on),
// {2, record} when this chain already decided (a re-run after a crash: hand on THAT result),
// {3, chain} when another chain did (a duplicate chain), {1, more} when written now. The job's `progress`
// is set in the same script, so a run that sees `phase: decided` always finds the record.
// The webhook URLs later `track` calls added (`extraWebhookUrls` in the job's data, producer-owned) are
// read HERE, from the job's current data, and frozen into the record: a merge either lands before this
// script (and is delivered) or after it (and finds the record: a duplicate).
// Waiters (`waitForResult`, any process) learn of the decision from the PUBLISH, sent only when written.
const DECIDE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0} end
local record = redis.call('GET', KEYS[3])
if record then
  local chain = string.sub(record, 1, string.find(record, '\\n', 1, true) - 1)
  if chain == ARGV[2] then return {2, record} end
  return {3, chain}
end
local more = ''
local data = redis.call('HGET', KEYS[2], 'data')
if data then
  local ok, decoded = pcall(cjson.decode, data)
  if ok and type(decoded) == 'table' and type(decoded.extraWebhookUrls) == 'table' and #decoded.extraWebhookUrls > 0 then
    more = cjson.encode(decoded.extraWebhookUrls)
  end
end
local stored = ARGV[2] .. '\\n\\n' .. ARGV[3]
if more ~= '' then stored = stored .. '\\n' .. more end
redis.call('SET', KEYS[3], stored, 'PX', ARGV[4])
redis.call('HSET', KEYS[2], 'progress', ARGV[5])
redis.call('PUBLISH', ARGV[6], ARGV[7])
return {1, more}
`;

// KEYS: the record. ARGV: chain (JSON), target. Marks a target handed, only on that chain's record.
const MARK_HANDED = `
local record = redis.call('GET', KEYS[1])
if not record then return 0 end
local first = string.find(record, '\\n', 1, true)
if string.sub(record, 1, first - 1) ~= ARGV[1] then return 0 end
local second = string.find(record, '\\n', first + 1, true)
local marks = string.sub(record, first + 1, second - 1)
for mark in string.gmatch(marks, '[^,]+') do
  if mark == ARGV[2] then return 1 end
end
if marks ~= '' then marks = marks .. ',' end
redis.call('SET', KEYS[1], string.sub(record, 1, first) .. marks .. ARGV[2] .. string.sub(record, second), 'KEEPTTL')
return 1
`;

type WithScripts = RedisClient & {
  regionwatchDecide(lock: string, job: string, record: string, ...args: (string | number)[]): Promise<(string | number)[]>;
  regionwatchMarkHanded(record: string, chain: string, field: string): Promise<number>;
};

/** What `decide` found. */
export type DecideOutcome =
  /** Written now; `extraWebhooks`: the URLs later `track` calls added, frozen with it (see `withExtraWebhooks`). */
  | { kind: 'written'; extraWebhooks: string[] }
  /** The job's lock is not ours any more: another replica took the job over; leave it to that one. */
  | { kind: 'lock-lost' }
  /** This chain decided before (a re-run after a crash in the hand-off): hand on the stored result. */
  | { kind: 'already-decided'; record: TaskRecord }
  /** Another chain decided this task (a duplicate poll job added without checking). */
  | { kind: 'other-chain'; chain: string };

const HANDED = 'handed:';
const encodeChain = (chain: string) => JSON.stringify(chain);

/**
 * The one module that reads and writes task records: the worker decides and marks hand-offs, the
 * producer checks records before tracking, the dashboard reads them for finished tasks.
 */
export class TaskRecordStore {
  private readonly redis: WithScripts;

  private readonly shards: number;
  private readonly fixedShard: string | undefined;

  /**
   * `shards`: POLL_SHARDS; each task's keys are in its shard's poll queue (`pollShardOfTask`). `shard`: the
   * keys of every task in that one shard's queue instead (the worker's processor of that shard: it decides
   * whatever job its queue holds, even one added to the wrong shard).
   */
  constructor(
    redis: RedisClient,
    private readonly prefix: string,
    layout: { shards?: number; shard?: number } = {},
  ) {
    this.shards = layout.shards ?? 1;
    this.fixedShard = layout.shard === undefined ? undefined : pollShardPrefix(prefix, layout.shard, this.shards);
    if (!('regionwatchDecide' in redis)) {
      redis.defineCommand('regionwatchDecide', { numberOfKeys: 3, lua: DECIDE });
      redis.defineCommand('regionwatchMarkHanded', { numberOfKeys: 1, lua: MARK_HANDED });
    }
    this.redis = redis as WithScripts;
  }

  /** The poll job's key (BullMQ's `<prefix>:<queue>:<jobId>`; the job id is the task id). */
  jobKey(taskId: string): string {
    return `${this.shardPrefix(taskId)}:${POLL_QUEUE}:${taskId}`;
  }

  /** The BullMQ prefix of the poll queue `taskId`'s keys are in. */
  shardPrefix(taskId: string): string {
    if (this.fixedShard !== undefined) return this.fixedShard;
    return pollShardOfTask(this.prefix, taskId, this.shards).prefix;
  }

  key(taskId: string): string {
    return `${this.jobKey(taskId)}:task`;
  }

  /**
   * The pub/sub channel DECIDE publishes each decided task id on (`waitForResult` listens to it): one for
   * every shard, under REGIONWATCH_PREFIX (a channel is not a key: a script in any slot may publish on it).
   */
  decidedChannel(): string {
    return decidedChannel(this.prefix);
  }

  /** The task's record, or undefined when there is none (never decided, or older than its TTL). */
  async read(taskId: string): Promise<TaskRecord | undefined> {
    const answer = await this.redis.get(this.key(taskId)).then(
      (stored): [null, string | null] => [null, stored],
      (error: Error): [Error, null] => [error, null],
    );
    return this.fromGetAnswer(taskId, answer);
  }

  /**
   * The record from the answer to `GET key(taskId)`, for readers that send it in their own pipeline. An
   * earlier build stored records as hashes: such a key answers GET with WRONGTYPE and is read as that build
   * wrote it.
   */
  async fromGetAnswer(taskId: string, [error, stored]: [Error | null, unknown]): Promise<TaskRecord | undefined> {
    if (error === null) return parseStoredRecord(stored as string | null);
    if (!/WRONGTYPE/.test(error.message)) throw error;
    return parseRecord(await this.redis.hgetall(this.key(taskId)));
  }

  /** Whether each task has a record (one pipeline): the producer's duplicate check. */
  async exist(taskIds: readonly string[]): Promise<boolean[]> {
    if (taskIds.length === 0) return [];
    // One pipeline per shard, side by side: on a Cluster a pipeline must stay on one node.
    const found = new Array<boolean>(taskIds.length).fill(false);
    await Promise.all(
      [...pipelineGroups(taskIds.map((taskId) => this.shardPrefix(taskId))).values()].map(async (indexes) => {
        const pipeline = this.redis.pipeline();
        for (const i of indexes) pipeline.exists(this.key(taskIds[i] ?? ''));
        const answers = (await pipeline.exec()) ?? [];
        indexes.forEach((i, k) => {
          const [error, count] = answers[k] ?? [new Error('no answer'), 0];
          if (error) throw error;
          found[i] = count === 1;
        });
      }),
    );
    return found;
  }

  /**
   * Writes the decision, if the caller still holds the job's lock (`token`) and nobody decided
   * before; sets the job's `progress` to `progressJson` in the same step.
   */
  async decide(input: {
    taskId: string;
    token: string;
    chain: string;
    body: TaskRecordBody;
    progressJson: string;
  }): Promise<DecideOutcome> {
    const jobKey = this.jobKey(input.taskId);
    const answer = await this.redis.regionwatchDecide(
      `${jobKey}:lock`,
      jobKey,
      this.key(input.taskId),
      input.token,
      encodeChain(input.chain),
      encodeRecordBody(input.body),
      TASK_RECORD_TTL_MS,
      input.progressJson,
      this.decidedChannel(),
      input.taskId,
    );
    const [code, ...rest] = answer;
    switch (Number(code)) {
      case 1:
        return { kind: 'written', extraWebhooks: parseMore(rest[0] === undefined ? undefined : String(rest[0])) };
      case 2: {
        const record = parseStoredRecord(String(rest[0]));
        if (!record) throw new Error(`the stored record of task ${input.taskId} cannot be read`);
        return { kind: 'already-decided', record };
      }
      case 3:
        return { kind: 'other-chain', chain: decodeChain(String(rest[0])) };
      default:
        return { kind: 'lock-lost' };
    }
  }

  /** Marks `target` handed on the record of `chain` (no-op on another chain's record). */
  async markHanded(taskId: string, chain: string, target: HandOffTarget): Promise<boolean> {
    return (await this.redis.regionwatchMarkHanded(this.key(taskId), encodeChain(chain), target)) === 1;
  }
}

function decodeChain(stored: string): string {
  try {
    const chain: unknown = JSON.parse(stored);
    return typeof chain === 'string' ? chain : stored;
  } catch {
    return stored;
  }
}

/** The channel every decision of every poll shard is published on (the message is the task id). */
export function decidedChannel(prefix: string): string {
  return `${prefix}:${POLL_QUEUE}:decided`;
}

/** The record's `more` part: webhook URLs added to the task while it was pending (strings only, bounded). */
function parseMore(more: string | undefined): string[] {
  if (more === undefined || more === '') return [];
  try {
    const urls: unknown = JSON.parse(more);
    return Array.isArray(urls) ? urls.filter((url): url is string => typeof url === 'string' && url.length <= 2_048) : [];
  } catch {
    return [];
  }
}

/** A record as stored (`<chain JSON>\n<marks>\n<body>[\n<more>]`), or undefined when there is none or it cannot be read. */
function parseStoredRecord(stored: string | null): TaskRecord | undefined {
  if (stored === null) return undefined;
  const first = stored.indexOf('\n');
  const second = stored.indexOf('\n', first + 1);
  if (first < 0 || second < 0) return undefined;
  const third = stored.indexOf('\n', second + 1);
  const fields: Record<string, string> = {
    chain: decodeChain(stored.slice(0, first)),
    body: stored.slice(second + 1, third < 0 ? undefined : third),
  };
  if (third >= 0) fields.more = stored.slice(third + 1);
  for (const mark of stored.slice(first + 1, second).split(',')) if (mark) fields[HANDED + mark] = '1';
  return parseRecord(fields);
}

function parseRecord(fields: Record<string, string>): TaskRecord | undefined {
  const { chain, body } = fields;
  if (chain === undefined || body === undefined) return undefined;
  let json: unknown;
  try {
    json = decodeRecordBody(body);
  } catch {
    return undefined;
  }
  const parsed = taskRecordBodySchema.safeParse(json);
  if (!parsed.success) return undefined;
  const handed = new Set<HandOffTarget>();
  for (const field of Object.keys(fields)) if (field.startsWith(HANDED)) handed.add(field.slice(HANDED.length) as HandOffTarget);
  return { chain, body: { ...parsed.data, destinations: withExtraWebhooks(parsed.data.destinations, parseMore(fields.more)) }, handed };
}

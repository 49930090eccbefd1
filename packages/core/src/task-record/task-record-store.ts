import type { RedisClient } from '../redis-connection.js';
import { POLL_QUEUE } from '../contract/queues.js';
import { decodeRecordBody, encodeRecordBody } from './record-encoding.js';
import { TASK_RECORD_TTL_MS, taskRecordBodySchema, type HandOffTarget, type TaskRecord, type TaskRecordBody } from './task-record.js';

// The record of a decided task: a hash beside its poll job (`<prefix>:<pollQueue>:<taskId>:task`, so
// it shares the job's Cluster slot under a hash-tag prefix; BullMQ's job removal leaves it, obliterate
// removes it). Fields: `chain` (who decided), `body` (TaskRecordBody, stored compact: record-encoding.ts)
// and one `handed:<target>` per hand-off target done. Written once, by DECIDE, while the deciding replica
// holds the job's lock.

// KEYS: the job's lock, the job, the record. ARGV: lock token, chain, body, TTL ms, the job's progress.
// Returns {0} when the lock is not ours (a stalled replica's late decision: the new owner goes on),
// {2, fields...} when this chain already decided (a re-run after a crash: hand on THAT result),
// {3, chain} when another chain did (a duplicate chain), {1} when written now. The job's `progress`
// is set in the same script, so a run that sees `phase: decided` always finds the record.
const DECIDE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0} end
local chain = redis.call('HGET', KEYS[3], 'chain')
if chain then
  if chain == ARGV[2] then
    local fields = redis.call('HGETALL', KEYS[3])
    table.insert(fields, 1, 2)
    return fields
  end
  return {3, chain}
end
redis.call('HSET', KEYS[3], 'chain', ARGV[2], 'body', ARGV[3])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
redis.call('HSET', KEYS[2], 'progress', ARGV[5])
return {1}
`;

// KEYS: the record. ARGV: chain, field. Marks a target handed, only on that chain's record.
const MARK_HANDED = `
if redis.call('HGET', KEYS[1], 'chain') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], ARGV[2], '1')
return 1
`;

type WithScripts = RedisClient & {
  regionwatchDecide(lock: string, job: string, record: string, ...args: (string | number)[]): Promise<(string | number)[]>;
  regionwatchMarkHanded(record: string, chain: string, field: string): Promise<number>;
};

/** What `decide` found. */
export type DecideOutcome =
  | { kind: 'written' }
  /** The job's lock is not ours any more: another replica took the job over; leave it to that one. */
  | { kind: 'lock-lost' }
  /** This chain decided before (a re-run after a crash in the hand-off): hand on the stored result. */
  | { kind: 'already-decided'; record: TaskRecord }
  /** Another chain decided this task (a duplicate poll job added without checking). */
  | { kind: 'other-chain'; chain: string };

const HANDED = 'handed:';

/**
 * The one module that reads and writes task records: the worker decides and marks hand-offs, the
 * producer checks records before tracking, the dashboard reads them for finished tasks.
 */
export class TaskRecordStore {
  private readonly redis: WithScripts;

  constructor(
    redis: RedisClient,
    private readonly prefix: string,
    private readonly pollQueue: string = POLL_QUEUE,
  ) {
    if (!('regionwatchDecide' in redis)) {
      redis.defineCommand('regionwatchDecide', { numberOfKeys: 3, lua: DECIDE });
      redis.defineCommand('regionwatchMarkHanded', { numberOfKeys: 1, lua: MARK_HANDED });
    }
    this.redis = redis as WithScripts;
  }

  /** The poll job's key (BullMQ's `<prefix>:<queue>:<jobId>`; the job id is the task id). */
  jobKey(taskId: string): string {
    return `${this.prefix}:${this.pollQueue}:${taskId}`;
  }

  key(taskId: string): string {
    return `${this.jobKey(taskId)}:task`;
  }

  /** The task's record, or undefined when there is none (never decided, or older than its TTL). */
  async read(taskId: string): Promise<TaskRecord | undefined> {
    return parseRecord(await this.redis.hgetall(this.key(taskId)));
  }

  /** Whether each task has a record (one pipeline): the producer's duplicate check. */
  async exist(taskIds: readonly string[]): Promise<boolean[]> {
    if (taskIds.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const taskId of taskIds) pipeline.exists(this.key(taskId));
    const answers = (await pipeline.exec()) ?? [];
    return taskIds.map((_, i) => {
      const [error, count] = answers[i] ?? [new Error('no answer'), 0];
      if (error) throw error;
      return count === 1;
    });
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
      input.chain,
      encodeRecordBody(input.body),
      TASK_RECORD_TTL_MS,
      input.progressJson,
    );
    const [code, ...rest] = answer;
    switch (Number(code)) {
      case 1:
        return { kind: 'written' };
      case 2: {
        const record = parseRecord(pairs(rest.map(String)));
        if (!record) throw new Error(`the stored record of task ${input.taskId} cannot be read`);
        return { kind: 'already-decided', record };
      }
      case 3:
        return { kind: 'other-chain', chain: String(rest[0]) };
      default:
        return { kind: 'lock-lost' };
    }
  }

  /** Marks `target` handed on the record of `chain` (no-op on another chain's record). */
  async markHanded(taskId: string, chain: string, target: HandOffTarget): Promise<boolean> {
    return (await this.redis.regionwatchMarkHanded(this.key(taskId), chain, HANDED + target)) === 1;
  }
}

function pairs(flat: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  return fields;
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
  return { chain, body: parsed.data, handed };
}

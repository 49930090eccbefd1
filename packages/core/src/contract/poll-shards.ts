import { createRequire } from 'node:module';
import { hashTagOf } from '../redis/hash-tag.js';
import { POLL_QUEUE, WEBHOOK_QUEUE } from './queues.js';

// Redis Cluster's own key-slot function (CRC16/XMODEM mod 16384), the package ioredis routes with; it
// ships no types, hence the require.
const keySlot = createRequire(import.meta.url)('cluster-key-slot') as (key: string) => number;

/** Redis Cluster's slot count: every key hashes to one of 0 … 16383. */
export const CLUSTER_SLOTS = 16_384;
/** The most poll shards a deployment may have: each is one BullMQ Worker (and blocking connection) per replica. */
export const MAX_POLL_SHARDS = 64;

/**
 * The shard (0 … shards − 1) a task's poll job lives in: CRC16/XMODEM of the whole task id, mod 16384
 * (Redis's `CLUSTER KEYSLOT <id>`; task ids never contain `{` or `}`, so the hash-tag rule never applies),
 * mod `shards`. A function of the id alone, so a producer in any language computes it.
 */
export function shardOfTask(taskId: string, shards: number): number {
  if (shards === 1) return 0; // the layout without shards: no hash to compute
  if (taskId.includes('{') || taskId.includes('}')) throw new Error(`a task id cannot contain "{" or "}": ${JSON.stringify(taskId)}`);
  return keySlot(taskId) % shards;
}

/** The Cluster slot a key hashes to (its hash tag's, when it has one), as `CLUSTER KEYSLOT` answers. */
export function keySlotOf(key: string): number {
  return keySlot(key);
}

/**
 * The slots shard `shard` of `shards` aims its poll queue at: the inner part of the `shard`-th of `shards`
 * equal slices of 0 … 16383. `redis-cli --cluster create` gives M primaries M equal slices, so with
 * `shards` a multiple of M every primary gets the same number of shards.
 */
export function shardSlotRange(shard: number, shards: number): { from: number; to: number } {
  return { from: Math.ceil((shard * CLUSTER_SLOTS) / shards), to: Math.floor(((shard + 1) * CLUSTER_SLOTS) / shards) - 1 };
}

/**
 * The BullMQ prefix of shard `shard`'s poll queue (its keys are `<that prefix>:regions-poll:…`).
 * `shards` = 1: REGIONWATCH_PREFIX itself (the layout without shards). Otherwise the prefix with its hash
 * tag `{base}` (or, without one, the whole prefix — braces dropped — as `base`, wrapped in braces) replaced
 * by `{base:p<shard>}`, or `{base:p<shard>.<k>}` with the smallest k = 1, 2, … when the tag's slot is not in
 * `shardSlotRange(shard, shards)`: so the N queues sit on N different slots, spread over the slot space.
 */
export function pollShardPrefix(prefix: string, shard: number, shards: number): string {
  if (shards === 1) return prefix;
  const key = `${shard}/${shards}/${prefix}`;
  let found = computed.get(key);
  if (found === undefined) {
    if (computed.size >= 4_096) computed.clear(); // a process uses one prefix; tests use many
    computed.set(key, (found = shardPrefix(prefix, shard, shards)));
  }
  return found;
}

// The prefixes found, by `<shard>/<shards>/<prefix>`: each costs a few dozen CRC16s, and a producer asks per task.
const computed = new Map<string, string>();

function shardPrefix(prefix: string, shard: number, shards: number): string {
  const tag = hashTagOf(prefix);
  const open = prefix.indexOf('{');
  const [before, base, after] =
    tag === undefined
      ? ['', prefix.replace(/[{}]/g, ''), '']
      : [prefix.slice(0, open), tag, prefix.slice(prefix.indexOf('}', open + 1) + 1)];
  const { from, to } = shardSlotRange(shard, shards);
  // A slice of 16384 / 64 = 256 slots is hit one time in 64: the first few dozen k find one.
  for (let k = 0; k < 100_000; k++) {
    const candidate = `${before}{${base}:p${shard}${k === 0 ? '' : `.${k}`}}${after}`;
    const slot = keySlot(candidate);
    if (slot >= from && slot <= to) return candidate;
  }
  throw new Error(`no hash tag for poll shard ${shard} of ${shards} under prefix ${JSON.stringify(prefix)}`);
}

/** One poll shard: its index, its BullMQ prefix and its queue name (`regions-poll` in every shard). */
export type PollShard = { index: number; prefix: string; queue: typeof POLL_QUEUE };

/** Every poll shard of a deployment, in index order (one, REGIONWATCH_PREFIX's own, when `shards` = 1). */
export function pollShards(prefix: string, shards: number): PollShard[] {
  return Array.from({ length: shards }, (_, index) => ({ index, prefix: pollShardPrefix(prefix, index, shards), queue: POLL_QUEUE }));
}

/** The shard a task's poll job is in. */
export function pollShardOfTask(prefix: string, taskId: string, shards: number): PollShard {
  const index = shardOfTask(taskId, shards);
  return { index, prefix: pollShardPrefix(prefix, index, shards), queue: POLL_QUEUE };
}

/**
 * A short name of shard `index` of `shards` for labels (the `queue` label of metrics, Bull Board's queue
 * name): `regions-poll` without shards, `p<index>.regions-poll` with them (no `#` or `/`: it goes in URLs).
 */
export function pollShardLabel(index: number, shards: number): string {
  return shards === 1 ? POLL_QUEUE : `p${index}.${POLL_QUEUE}`;
}

/**
 * The BullMQ prefix of the webhook queue a delivery goes to: its task's poll shard's prefix, so with
 * POLL_SHARDS > 1 a task's deliveries sit in the same slot as its poll job and task record
 * (`<that prefix>:regions-webhooks`), and REGIONWATCH_PREFIX itself with one shard (the layout without
 * shards). `jobId` is a delivery's job id (the task id, or `<taskId>+<n>` for the task's n-th extra
 * destination: the shard is the task's).
 */
export function webhookShardOfJob(prefix: string, jobId: string, shards: number): { index: number; prefix: string } {
  const index = shardOfTask(taskIdOfWebhookJob(jobId), shards);
  return { index, prefix: pollShardPrefix(prefix, index, shards) };
}

/** The task id a webhook job id belongs to (`<taskId>+<n>` → `<taskId>`). */
export function taskIdOfWebhookJob(jobId: string): string {
  const plus = jobId.indexOf('+');
  return plus === -1 ? jobId : jobId.slice(0, plus);
}

/** The label of shard `index`'s webhook queue: `regions-webhooks` without shards, `p<index>.regions-webhooks` with them. */
export function webhookShardLabel(index: number, shards: number): string {
  return shards === 1 ? WEBHOOK_QUEUE : `p${index}.${WEBHOOK_QUEUE}`;
}

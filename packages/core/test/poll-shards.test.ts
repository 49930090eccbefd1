import { describe, expect, it } from 'vitest';
import {
  keySlotOf,
  MAX_POLL_SHARDS,
  pollShardLabel,
  pollShardOfTask,
  pollShardPrefix,
  pollShards,
  shardOfTask,
  taskIdOfWebhookJob,
  webhookShardLabel,
  webhookShardOfJob,
} from '../src/index.js';

// The oracle: `redis-cli -p <port> CLUSTER KEYSLOT <key>` asked of a real `redis-server --cluster-enabled yes`
// (7.0.15) on 2026-11-29, and the CRC16/XMODEM check value of "123456789" (0x31C3 = 12739) given in the
// Redis Cluster specification. The cluster test (apps/worker/test/poll-shards-cluster.test.ts) asks a
// running Cluster the same question for fresh ids.
const KEYSLOT: [string, number][] = [
  ['123456789', 12_739],
  ['3f2b8c1e-6d4a-4b7e-9c2f-1a5e8d7b0c94', 9_625],
  ['task-42', 12_369],
  ['5e1a7f3c-0b9d-4c2e-8f6a-9d3b2c1e0a77', 4_718],
  ['{regionwatch:p0.1}', 4_600],
  ['{regionwatch:p1.1}:regions-poll:wait', 9_928],
  ['{regionwatch:p2.1}', 16_280],
  ['app:{rw:p0.3}:v2', 1_814],
  ['app:{rw:p1}:v2', 9_746],
  ['app:{rw:p2.2}:v2', 14_679],
];

// The slices `redis-cli --cluster create` gives three primaries.
const PRIMARY_OF_3 = (slot: number) => (slot <= 5_460 ? 0 : slot <= 10_922 ? 1 : 2);

describe('poll shards', () => {
  it.each(KEYSLOT)('keySlotOf(%s) is Redis’s CLUSTER KEYSLOT: %i', (key, slot) => {
    expect(keySlotOf(key)).toBe(slot);
  });

  it('a task’s shard is its key slot mod N: the README’s worked examples', () => {
    expect(shardOfTask('3f2b8c1e-6d4a-4b7e-9c2f-1a5e8d7b0c94', 3)).toBe(1); // 9625 mod 3
    expect(shardOfTask('task-42', 3)).toBe(0); // 12369 mod 3
    expect(shardOfTask('5e1a7f3c-0b9d-4c2e-8f6a-9d3b2c1e0a77', 3)).toBe(2); // 4718 mod 3
    expect(shardOfTask('task-42', 1)).toBe(0);
    expect(shardOfTask('task-42', 7)).toBe(12_369 % 7);
    expect(() => shardOfTask('a{b}', 3)).toThrow(/cannot contain/);
    // One shard: every id is in it, and no hash is computed (the callers' layout without shards).
    expect(shardOfTask('a{b}', 1)).toBe(0);
  });

  it('one shard is the layout without shards: REGIONWATCH_PREFIX itself', () => {
    expect(pollShards('regionwatch', 1)).toEqual([{ index: 0, prefix: 'regionwatch', queue: 'regions-poll' }]);
    expect(pollShardPrefix('{rw}', 0, 1)).toBe('{rw}');
    expect(pollShardOfTask('{rw}', 'task-42', 1)).toEqual({ index: 0, prefix: '{rw}', queue: 'regions-poll' });
    expect(pollShardLabel(0, 1)).toBe('regions-poll');
    expect(pollShardLabel(2, 3)).toBe('p2.regions-poll');
  });

  it('three shards: the README’s prefixes, one on each primary of a default three-primary Cluster', () => {
    expect(pollShards('{regionwatch}', 3).map((s) => s.prefix)).toEqual(['{regionwatch:p0.1}', '{regionwatch:p1.1}', '{regionwatch:p2.1}']);
    // Without a tag the whole prefix is the base; around a tag, the rest of the prefix stays.
    expect(pollShards('regionwatch', 3).map((s) => s.prefix)).toEqual(['{regionwatch:p0.1}', '{regionwatch:p1.1}', '{regionwatch:p2.1}']);
    expect(pollShards('app:{rw}:v2', 3).map((s) => s.prefix)).toEqual(['app:{rw:p0.3}:v2', 'app:{rw:p1}:v2', 'app:{rw:p2.2}:v2']);
    expect(pollShardOfTask('{regionwatch}', '5e1a7f3c-0b9d-4c2e-8f6a-9d3b2c1e0a77', 3)).toEqual({
      index: 2,
      prefix: '{regionwatch:p2.1}',
      queue: 'regions-poll',
    });
  });

  it('N shards land on N different slots, in order across the slot space, for any prefix', () => {
    for (const prefix of ['regionwatch', '{x}', 'a:{tenant-7}:b', 'odd{}prefix', 'x{y']) {
      for (const n of [2, 3, 4, 6, 9, 12, MAX_POLL_SHARDS]) {
        const slots = pollShards(prefix, n).map((s) => keySlotOf(`${s.prefix}:regions-poll:wait`));
        expect(new Set(slots).size).toBe(n);
        expect([...slots].sort((a, b) => a - b)).toEqual(slots);
        // A multiple of three shards puts the same number on each of three default primaries.
        if (n % 3 === 0) {
          const perPrimary = [0, 0, 0];
          for (const slot of slots) perPrimary[PRIMARY_OF_3(slot)]! += 1;
          expect(perPrimary).toEqual([n / 3, n / 3, n / 3]);
        }
      }
    }
  });

  it('tasks spread evenly over the shards (10 000 random ids, each shard within 10 % of its share)', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 10_000; i++) counts[shardOfTask(crypto.randomUUID(), 3)]! += 1;
    for (const count of counts) expect(Math.abs(count - 10_000 / 3)).toBeLessThan(10_000 / 3 / 10);
  });
});

describe('webhook shards', () => {
  it("a delivery's webhook queue is its task's poll shard's prefix, extra destinations included", () => {
    for (const id of ['task-42', '3f2b8c1e-6d4a-4b7e-9c2f-1a5e8d7b0c94', '5e1a7f3c-0b9d-4c2e-8f6a-9d3b2c1e0a77']) {
      const { index, prefix } = pollShardOfTask('{regionwatch}', id, 3);
      expect(webhookShardOfJob('{regionwatch}', id, 3)).toEqual({ index, prefix });
      expect(webhookShardOfJob('{regionwatch}', `${id}+2`, 3)).toEqual({ index, prefix });
    }
    // The README's worked examples: shards 0, 1, 2.
    expect(webhookShardOfJob('{regionwatch}', '5e1a7f3c-0b9d-4c2e-8f6a-9d3b2c1e0a77+1', 3)).toEqual({
      index: 2,
      prefix: '{regionwatch:p2.1}',
    });
    // One shard: REGIONWATCH_PREFIX itself, today's single `<prefix>:regions-webhooks`.
    expect(webhookShardOfJob('regionwatch', 'task-42+1', 1)).toEqual({ index: 0, prefix: 'regionwatch' });
  });

  it('task ids and labels', () => {
    expect(taskIdOfWebhookJob('task-42')).toBe('task-42');
    expect(taskIdOfWebhookJob('task-42+7')).toBe('task-42');
    expect(webhookShardLabel(0, 1)).toBe('regions-webhooks');
    expect(webhookShardLabel(2, 3)).toBe('p2.regions-webhooks');
  });
});

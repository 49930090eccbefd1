import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { TaskRecordStore, type TaskRecordBody } from '../src/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
const redis = new Redis(inject('redisUrl'));
afterAll(() => redis.disconnect());

const body: TaskRecordBody = {
  status: 'Completed',
  polls: 3,
  submittedAt: '2026-11-29T00:41:00.000Z',
  finishedAt: '2026-11-29T00:41:03.500Z',
  responseStatusCode: 'Ok',
  results: [{ type: 'Text', data: 'A'.repeat(120) }],
  history: [
    { status: 'Pending', count: 2 },
    { status: 'Completed', count: 1 },
  ],
  destinations: { results: 'regions-results', webhooks: ['https://a.example/hook'] },
};

/** A store with a poll job's lock held by `token`, as the worker holds it while it decides. */
async function setUp() {
  const prefix = `rwtest-record-${randomUUID().slice(0, 8)}`;
  const store = new TaskRecordStore(redis, prefix);
  const taskId = randomUUID();
  await redis.set(`${store.jobKey(taskId)}:lock`, 'token-1');
  await redis.hset(store.jobKey(taskId), 'data', '{}');
  return { store, taskId };
}

describe('TaskRecordStore', () => {
  it('writes a decision once, under the lock, and reads back the same body and chain', async () => {
    const { store, taskId } = await setUp();
    const decide = (token: string, chain: string) => store.decide({ taskId, token, chain, body, progressJson: '{"phase":"decided"}' });
    expect(await decide('stale', 'chain "1"\nwith a newline')).toEqual({ kind: 'lock-lost' });
    expect(await store.read(taskId)).toBeUndefined();
    expect(await decide('token-1', 'chain "1"\nwith a newline')).toEqual({ kind: 'written', extraWebhooks: [] });
    expect(await store.read(taskId)).toEqual({ chain: 'chain "1"\nwith a newline', body, handed: new Set() });
    expect(await redis.hget(store.jobKey(taskId), 'progress')).toBe('{"phase":"decided"}');
    expect(await redis.pttl(store.key(taskId))).toBeGreaterThan(24 * 3_600_000);
    expect(await decide('token-1', 'chain "1"\nwith a newline')).toEqual({
      kind: 'already-decided',
      record: { chain: 'chain "1"\nwith a newline', body, handed: new Set() },
    });
    expect(await decide('token-1', 'chain-2')).toEqual({ kind: 'other-chain', chain: 'chain "1"\nwith a newline' });
    expect(await store.exist([taskId, randomUUID()])).toEqual([true, false]);
  });

  it('freezes the webhook URLs a producer merged into the job with the decision, and keeps them through hand-off marks', async () => {
    const { store, taskId } = await setUp();
    const extra = ['https://b.example/hook', 'https://c.example/hook?x=1'];
    await redis.hset(store.jobKey(taskId), 'data', JSON.stringify({ taskId, extraWebhookUrls: extra }));
    const outcome = await store.decide({ taskId, token: 'token-1', chain: 'c1', body, progressJson: '{}' });
    expect(outcome).toEqual({ kind: 'written', extraWebhooks: extra });
    const destinations = { results: 'regions-results', webhooks: ['https://a.example/hook', ...extra] };
    expect((await store.read(taskId))?.body.destinations).toEqual(destinations);
    await store.markHanded(taskId, 'c1', 'webhook:1');
    expect(await store.read(taskId)).toEqual({ chain: 'c1', body: { ...body, destinations }, handed: new Set(['webhook:1']) });
  });

  it('publishes the task id on the decided channel when it writes a decision, not when it finds one', async () => {
    const { store, taskId } = await setUp();
    const subscriber = redis.duplicate();
    const heard: string[] = [];
    try {
      await subscriber.subscribe(store.decidedChannel());
      subscriber.on('message', (_channel, message: string) => heard.push(message));
      await store.decide({ taskId, token: 'token-1', chain: 'c1', body, progressJson: '{}' });
      await store.decide({ taskId, token: 'token-1', chain: 'c1', body, progressJson: '{}' }); // already decided
      await redis.ping(); // published before this answer; the subscriber reads in order on its own connection
      await new Promise<void>((resolve) => {
        const check = () => (heard.length > 0 ? resolve() : setTimeout(check, 10));
        check();
      });
      expect(heard).toEqual([taskId]);
    } finally {
      subscriber.disconnect();
    }
  });

  it('marks targets handed on its own chain only, once each, keeping the TTL', async () => {
    const { store, taskId } = await setUp();
    await store.decide({ taskId, token: 'token-1', chain: 'c1', body, progressJson: '{}' });
    const ttl = await redis.pttl(store.key(taskId));
    expect(await store.markHanded(taskId, 'c2', 'results')).toBe(false);
    expect(await store.markHanded(taskId, 'c1', 'results')).toBe(true);
    expect(await store.markHanded(taskId, 'c1', 'webhook:0')).toBe(true);
    expect(await store.markHanded(taskId, 'c1', 'results')).toBe(true);
    expect(await store.read(taskId)).toEqual({ chain: 'c1', body, handed: new Set(['results', 'webhook:0']) });
    expect(await redis.pttl(store.key(taskId))).toBeLessThanOrEqual(ttl);
    expect(await redis.pttl(store.key(taskId))).toBeGreaterThan(ttl - 60_000);
    expect(await store.markHanded(randomUUID(), 'c1', 'results')).toBe(false);
  });

  it('still reads a record stored as a hash by an earlier build', async () => {
    const { store, taskId } = await setUp();
    await redis.hset(store.key(taskId), 'chain', 'old', 'body', JSON.stringify(body), 'handed:results', '1');
    expect(await store.read(taskId)).toEqual({ chain: 'old', body, handed: new Set(['results']) });
  });

  it('keeps a record around its payload small: a string, never a hashtable-encoded hash', async () => {
    const { store, taskId } = await setUp();
    await store.decide({ taskId, token: 'token-1', chain: randomUUID(), body, progressJson: '{}' });
    await store.markHanded(taskId, (await store.read(taskId))?.chain ?? '', 'results');
    expect(await redis.type(store.key(taskId))).toBe('string');
    // The same record as the hash earlier builds stored (a field over 64 bytes: hashtable-encoded) cost
    // about 200 B more per finished task for the 25 h a record is kept.
    const asHash = `${store.key(taskId)}:as-hash`;
    await redis.hset(asHash, 'chain', randomUUID(), 'body', JSON.stringify(body), 'handed:results', '1');
    await redis.pexpire(asHash, 90_000_000);
    const bytes = Number(await redis.memory('USAGE', store.key(taskId)));
    expect(bytes).toBeLessThan(Number(await redis.memory('USAGE', asHash)) - 150);
  });
});

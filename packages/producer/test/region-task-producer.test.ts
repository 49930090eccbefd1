import { POLL_QUEUE, pollJobSchema, TaskRecordStore } from '@regionwatch/core';
import { Redis } from 'ioredis';
import { it, type TestRedis } from '@regionwatch/testkit/vitest';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, vi } from 'vitest';
import { ConfigError, InvalidTrackRequestError, RegionTaskProducer } from '../src/index.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

function setup({ url, prefix }: TestRedis) {
  const producer = new RegionTaskProducer({ connection: url, prefix, initialDelayMs: 60_000 });
  const queue = new Queue(POLL_QUEUE, { connection: { url }, prefix });
  open.push(producer, queue);
  return { producer, queue };
}

const id = (n: number) => `3f0c1e2a-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('RegionTaskProducer.track', () => {
  it('adds one delayed poll job whose id is the task id, with the contract data', async ({ redis }) => {
    const { producer, queue } = setup(redis);
    const submittedAt = new Date(Date.now() - 5_000);
    const result = await producer.track(id(1), { submittedAt, webhookUrl: 'https://hooks.example.com/r', metadata: { customer: 'acme' } });
    expect(result).toEqual({ taskId: id(1), created: true });

    const job = await queue.getJob(id(1));
    expect(job?.id).toBe(id(1));
    expect(pollJobSchema.parse(job?.data)).toEqual({
      taskId: id(1),
      submittedAt: submittedAt.toISOString(),
      webhookUrl: 'https://hooks.example.com/r',
      metadata: { customer: 'acme' },
    });
    expect(await job?.getState()).toBe('delayed');
    expect(job?.opts.delay).toBe(60_000);
    expect(job?.opts.removeOnComplete).toEqual({ count: 0 }); // removed when done: the task record is the duplicate window
  });

  it('defaults submittedAt to the tracking time', async ({ redis }) => {
    const { producer, queue } = setup(redis);
    const before = Date.now();
    await producer.track(id(2));
    const job = await queue.getJob(id(2));
    const submittedAt = Date.parse(String(job?.data.submittedAt));
    expect(submittedAt).toBeGreaterThanOrEqual(before - 1);
    expect(submittedAt).toBeLessThanOrEqual(Date.now());
  });

  it('reports a second track of the same id as a duplicate and keeps the first job', async ({ redis }) => {
    const { producer, queue } = setup(redis);
    expect(await producer.track(id(3), { metadata: { n: '1' } })).toEqual({ taskId: id(3), created: true });
    expect(await producer.track(id(3), { metadata: { n: '2' } })).toEqual({ taskId: id(3), created: false });
    expect((await queue.getJob(id(3)))?.data.metadata).toEqual({ n: '1' });
    expect(await queue.getJobCounts('delayed')).toEqual({ delayed: 1 });
  });

  it('reports an id whose task record exists (decided less than 25 h ago) as a duplicate, without adding a job', async ({ redis }) => {
    const { producer, queue } = setup(redis);
    const connection = new Redis(redis.url);
    open.push({ close: async () => connection.disconnect() });
    const records = new TaskRecordStore(connection, redis.prefix);
    // The record a worker writes when it decides a task (here its lock is faked).
    await connection.set(`${records.jobKey(id(4))}:lock`, 'token');
    const body = { status: 'Completed' as const, polls: 1, submittedAt: new Date().toISOString(), finishedAt: new Date().toISOString() };
    await records.decide({
      taskId: id(4),
      token: 'token',
      chain: 'c',
      body: { ...body, destinations: { results: null, webhooks: [] } },
      progressJson: '{}',
    });
    await connection.del(`${records.jobKey(id(4))}:lock`, records.jobKey(id(4)));
    const outcomes = await producer.trackMany([id(4), id(5)]);
    expect(outcomes.map((o) => o.ok && o.created)).toEqual([false, true]);
    expect(await queue.getJob(id(4))).toBeUndefined();
    // Once the record has expired (25 h), tracking it again starts a new chain.
    await connection.del(records.key(id(4)));
    expect(await producer.track(id(4))).toEqual({ taskId: id(4), created: true });
  });

  it.for([
    ['taskId', '', /taskId must be 1-128 characters/],
    ['taskId', 'a:b', /taskId must be/],
    ['taskId', ' padded ', /taskId must be/],
    ['taskId', 'x'.repeat(129), /taskId must be/],
    ['taskId', 'ünïcode', /taskId must be/],
    ['taskId', '12345', /must not be all digits/],
    ['webhookUrl', { webhookUrl: 'javascript:alert(1)' }, /webhookUrl must be an http\(s\) URL/],
    ['webhookUrl', { webhookUrl: 'file:///etc/passwd' }, /webhookUrl must be an http\(s\) URL/],
    ['webhookUrl', { webhookUrl: 'not a url' }, /webhookUrl must be an http\(s\) URL/],
    ['metadata', { metadata: { big: 'x'.repeat(16 * 1024) } }, /metadata must be at most 16384 bytes/],
    ['metadata.n', { metadata: { n: 5 as unknown as string } }, /metadata values must be strings/],
    ['submittedAt', { submittedAt: new Date(Date.now() + 5 * 60_000) }, /submittedAt is more than 60 s in the future/],
    ['submittedAt', { submittedAt: 'yesterday' }, /submittedAt must be an ISO 8601 date-time/],
    ['submittedAt', { submittedAt: new Date(Number.NaN) }, /submittedAt is not a valid date/],
  ] as const)('refuses a bad %s with a typed error and writes nothing', async ([field, input, message], { redis }) => {
    const { producer, queue } = setup(redis);
    const taskId = typeof input === 'string' ? input : id(4);
    const options = typeof input === 'string' ? {} : input;
    const error = await producer.track(taskId, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTrackRequestError);
    expect((error as InvalidTrackRequestError).field).toBe(field);
    expect((error as Error).message).toMatch(message);
    expect(await queue.count()).toBe(0);
  });
});

describe('RegionTaskProducer.trackMany', () => {
  it('tracks good ids in chunks, reports bad ones and duplicates, in input order', async ({ redis: { url, prefix } }) => {
    const producer = new RegionTaskProducer({ connection: url, prefix, chunkSize: 7 });
    const queue = new Queue(POLL_QUEUE, { connection: { url }, prefix });
    open.push(producer, queue);
    await producer.track(id(0));

    const ids = Array.from({ length: 50 }, (_, i) => id(i));
    const outcomes = await producer.trackMany([...ids, 'bad id', id(10)]);
    expect(outcomes).toHaveLength(52);
    expect(outcomes[0]).toEqual({ ok: true, taskId: id(0), created: false });
    expect(outcomes.slice(1, 50).every((o) => o.ok && o.created)).toBe(true);
    expect(outcomes[50]).toMatchObject({ ok: false, taskId: 'bad id' });
    expect(outcomes[51]).toEqual({ ok: true, taskId: id(10), created: false });
    expect(await queue.count()).toBe(50);
  });
});

describe('RegionTaskProducer.fromConfig() inside a host service', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  const hostId = '5c0ffee0-2222-4000-8000-000000000001';

  it.for([
    ['LOG_LEVEL=warning', { LOG_LEVEL: 'warning' }],
    ['its own WEBHOOK_URL without WEBHOOK_SECRET', { WEBHOOK_URL: 'https://host.example.com/its-own-hook', WEBHOOK_SECRET: '' }],
  ] as const)('works when the host’s environment has %s (the worker’s rules are not the producer’s)', async ([, hostEnv], { redis }) => {
    vi.stubEnv('REDIS_URL', redis.url);
    vi.stubEnv('REGIONWATCH_PREFIX', redis.prefix);
    for (const [name, value] of Object.entries(hostEnv)) vi.stubEnv(name, value);
    const producer = RegionTaskProducer.fromConfig();
    try {
      expect(await producer.track(hostId)).toEqual({ taskId: hostId, created: true });
    } finally {
      await producer.close();
    }
  });

  it('still refuses a bad value of its own, naming the variable', () => {
    vi.stubEnv('POLL_INITIAL_DELAY_MS', 'soon');
    expect(() => RegionTaskProducer.fromConfig()).toThrow(ConfigError);
    expect(() => RegionTaskProducer.fromConfig()).toThrow(/POLL_INITIAL_DELAY_MS: must be a whole number/);
  });
});

import { once } from 'node:events';
import { resultFromRecord, type RedisClient, type RegionResult, type TaskRecordStore } from '@regionwatch/core';
import { ResultTimeoutError } from './result-timeout-error.js';
import { TaskNotTrackedError } from './task-not-tracked-error.js';

type Waiter = { resolve(result: RegionResult): void; reject(error: Error): void };

/**
 * Every `waitForResult` of one producer shares ONE subscriber connection on the channel the worker's
 * DECIDE script publishes each decided task id on: no polling, and the Redis cost of a wait does not
 * grow with how long it waits. A wait registers itself first, then reads the record (finished before
 * the call → resolves at once), so a decision published in between is never missed. Pub/sub is not
 * durable: after the subscriber reconnects (ioredis subscribes again by itself), every open wait
 * reads its record once more, so a decision published while it was disconnected is found too.
 */
export class ResultWaiter {
  private subscriber: RedisClient | undefined;
  private subscribed: Promise<void> | undefined;
  private readonly waiters = new Map<string, Set<Waiter>>();
  private closed = false;

  constructor(
    private readonly connection: RedisClient,
    private readonly records: TaskRecordStore,
  ) {}

  async wait(taskId: string, timeoutMs: number): Promise<RegionResult> {
    await this.subscribe();
    let waiter: Waiter | undefined;
    const settled = new Promise<RegionResult>((resolve, reject) => (waiter = { resolve, reject }));
    const entry = waiter as Waiter;
    // Registered before the record is read: a decision published in between finds this wait.
    let set = this.waiters.get(taskId);
    if (!set) this.waiters.set(taskId, (set = new Set()));
    set.add(entry);
    let timer: NodeJS.Timeout | undefined;
    try {
      // One round trip: the record (decided before the call?) and whether the task is tracked at all.
      const answers = (await this.connection.pipeline().get(this.records.key(taskId)).exists(this.records.jobKey(taskId)).exec()) ?? [];
      const [recordAnswer = [null, null], [jobError, exists] = [null, 0]] = answers;
      if (jobError) throw jobError;
      const record = await this.records.fromGetAnswer(taskId, recordAnswer);
      if (record) entry.resolve(resultFromRecord(taskId, record.body));
      else if (exists !== 1) entry.reject(new TaskNotTrackedError(taskId));
      // The clock starts once the task is known to be pending: a decided result is returned whatever the timeout.
      else timer = setTimeout(() => entry.reject(new ResultTimeoutError(taskId, timeoutMs)), timeoutMs);
      return await settled;
    } finally {
      clearTimeout(timer);
      set.delete(entry);
      if (set.size === 0 && this.waiters.get(taskId) === set) this.waiters.delete(taskId);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.subscriber?.disconnect();
  }

  private subscribe(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the producer is closed'));
    this.subscribed ??= (async () => {
      // A subscriber connection can only listen: a copy of the producer's (Redis, Sentinel or Cluster alike).
      const subscriber = (this.connection.duplicate as () => RedisClient).call(this.connection);
      this.subscriber = subscriber;
      subscriber.on('error', () => {}); // the producer's own connection reports Redis trouble
      if (subscriber.status !== 'ready') await once(subscriber, 'ready');
      subscriber.on('message', (_channel: string, taskId: string) => void this.decided(taskId));
      await subscriber.subscribe(this.records.decidedChannel());
      // After a reconnect: whatever was decided meanwhile was published to nobody.
      subscriber.on('ready', () => {
        for (const taskId of this.waiters.keys()) void this.decided(taskId);
      });
    })().catch((error: unknown) => {
      this.subscribed = undefined;
      this.subscriber?.disconnect();
      throw error;
    });
    return this.subscribed;
  }

  /** A decision of `taskId` was published (or may have been): read it once for all its waiters. */
  private async decided(taskId: string): Promise<void> {
    const set = this.waiters.get(taskId);
    if (!set || set.size === 0) return;
    // A failed read leaves the waits open: the next reconnect reads again, or they time out.
    const record = await this.records.read(taskId).catch(() => undefined);
    if (!record) return; // (or published, then removed at once by hand)
    const result = resultFromRecord(taskId, record.body);
    for (const waiter of set) waiter.resolve(result);
  }
}

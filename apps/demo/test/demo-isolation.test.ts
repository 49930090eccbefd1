// The demo pointed at a Redis that holds a real deployment (issue 17 §2): it works under a prefix of
// its own, says so, never takes a job of the deployment's (its worker would poll it against the
// simulator and end it NotExist), and leaves no key behind.
import { createRedisConnection, POLL_QUEUE } from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { spawnNode, spawnRedisServer } from '@regionwatch/testkit';
import { Queue } from 'bullmq';
import { describe, expect, it } from 'vitest';

describe('npm run demo with REDIS_URL set', () => {
  it('uses its own prefix, leaves the deployment’s jobs untouched, and removes its keys on exit', async () => {
    // A Redis of its own: the "deployment" uses the default prefix, which no test may use on the shared one.
    const redis = await spawnRedisServer();
    const deployment = 'regionwatch';
    const producer = new RegionTaskProducer({ connection: redis.url, prefix: deployment, initialDelayMs: 0 });
    const queue = new Queue(POLL_QUEUE, { connection: { url: redis.url }, prefix: deployment });
    const connection = createRedisConnection(redis.url, 'blocking');
    try {
      // A real task, due now: any worker on this prefix would take it at once.
      const realTask = '6b3a2f0e-1c4d-4e5f-8a9b-0c1d2e3f4a5b';
      await producer.track(realTask);
      const before = await queue.getJob(realTask);
      const stateBefore = await queue.getJobState(realTask);
      const keysBefore = (await connection.keys('*')).sort();

      const demo = spawnNode('apps/demo/src/main.ts', ['--exit-when-done'], {
        REDIS_URL: redis.url,
        REGIONWATCH_PREFIX: deployment, // as in a deployment's .env: the demo must not follow it
        ASPOSE_CLIENT_ID: '',
      });
      const code = await Promise.race([demo.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 100_000))]);
      if (code === 'still running') demo.process.kill('SIGKILL');
      const output = demo.lines.join('\n');
      expect(code, output).toBe(0);
      const prefix = /^Prefix +(regionwatch-demo-[0-9a-f]{8}) +\(the demo's own queues/m.exec(output)?.[1];
      expect(prefix, output).toBeDefined();
      expect(output).toMatch(/^Summary: 8 tasks/m);

      // The deployment's job: same state, same data, never attempted.
      const after = await queue.getJob(realTask);
      expect(await queue.getJobState(realTask)).toBe(stateBefore);
      expect(after?.data).toEqual(before?.data);
      expect(after?.attemptsMade).toBe(0);
      expect(after?.processedOn).toBeUndefined();
      // And Redis holds exactly what it held before the demo: the demo's keys are gone.
      expect((await connection.keys('*')).sort()).toEqual(keysBefore);
    } finally {
      connection.disconnect();
      await Promise.all([producer.close(), queue.close()]);
      await redis.stop();
    }
  }, 120_000);
});

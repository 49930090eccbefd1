import { createAsposeClient, loadProducerConfig, POLL_QUEUE } from '@regionwatch/core';
import { startSimulator, type Simulator } from '@regionwatch/simulator';
import { it } from '@regionwatch/testkit/vitest';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { RegionTaskProducer } from '../src/index.js';

let simulator: Simulator;
beforeAll(async () => {
  // Tasks stay Pending for an hour: "Aspose knows the task" below must not depend on how fast this runs.
  simulator = await startSimulator({ pendingMs: 3_600_000 });
});
afterAll(() => simulator.close());

describe('RegionTaskProducer.submit', () => {
  it('sends the image to Aspose and tracks the task id it returns, with submittedAt set', async ({ redis: { url, prefix } }) => {
    const config = loadProducerConfig({
      ASPOSE_BASE_URL: simulator.url,
      ASPOSE_CLIENT_ID: simulator.credentials.clientId,
      ASPOSE_CLIENT_SECRET: simulator.credentials.clientSecret,
    });
    const aspose = createAsposeClient(config);
    const producer = new RegionTaskProducer({ connection: url, prefix, aspose });
    const queue = new Queue(POLL_QUEUE, { connection: { url }, prefix });
    try {
      const before = Date.now();
      const { taskId, created } = await producer.submit(Buffer.from('an image'), { language: 'English' }, { metadata: { page: '3' } });
      expect(created).toBe(true);
      expect(simulator.taskState(taskId)?.status).toBe('Pending'); // Aspose knows the task
      expect(simulator.counters().submit).toBe(1);
      const job = await queue.getJob(taskId);
      expect(job?.data).toMatchObject({ taskId, metadata: { page: '3' }, kind: 'image-64k' }); // its size class
      expect(Date.parse(job?.data.submittedAt)).toBeGreaterThanOrEqual(before - 1);
    } finally {
      await Promise.all([producer.close(), queue.close(), aspose.close()]);
    }
  });

  it('explains that submit needs Aspose credentials', async ({ redis: { url, prefix } }) => {
    const producer = new RegionTaskProducer({ connection: url, prefix });
    try {
      await expect(producer.submit(Buffer.from('x'))).rejects.toThrow(
        /submit\(\) needs Aspose credentials: set ASPOSE_CLIENT_ID and ASPOSE_CLIENT_SECRET/,
      );
    } finally {
      await producer.close();
    }
  });
});

import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { freePort, SOURCE_WORKER, startWorkerProcess, type WorkerProcess } from '@regionwatch/testkit';
import { test } from '@regionwatch/testkit/vitest';
import { afterAll, describe, expect } from 'vitest';
import { createHarness, type Harness } from './support/harness.js';

// Test files run in parallel: the health port the testkit found free can be taken before the worker binds
// it. startWorkerProcess must then start the worker on another port, and must not take the process that
// holds the port (which may well answer /readyz 200) for the worker it started.
let h: Harness;
let holder: Server;
const workers: WorkerProcess[] = [];
test.beforeAll(async ({ fileRedis }) => {
  h = await createHarness(fileRedis);
  holder = createServer((_request, response) => response.writeHead(200).end('{"ready":true,"reasons":[]}'));
  holder.listen(0); // every address, as the worker's health server listens
  await once(holder, 'listening');
});
afterAll(async () => {
  for (const worker of workers) if (worker.process.exitCode === null) worker.process.kill('SIGKILL');
  holder.close();
  await h.close();
});

describe('startWorkerProcess when the health port is taken before the worker binds it', () => {
  test('starts the worker on another port and returns that worker', async () => {
    const taken = (holder.address() as AddressInfo).port;
    const offered: number[] = [];
    const ports = [taken];
    const worker = await startWorkerProcess(h.env, {
      entry: SOURCE_WORKER,
      timeoutMs: 60_000,
      pickPort: async () => {
        const port = ports.shift() ?? (await freePort());
        offered.push(port);
        return port;
      },
    });
    workers.push(worker);
    expect(offered[0]).toBe(taken);
    expect(offered).toHaveLength(2);
    expect(worker.healthPort).toBe(offered[1]);
    expect(worker.process.exitCode).toBeNull();
    const metrics = await fetch(`http://127.0.0.1:${worker.healthPort}/metrics`);
    expect(await metrics.text()).toContain('regionwatch_polls_total');
  }, 120_000);
});

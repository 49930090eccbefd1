// Backup and restore with Redis's own tools (issue 17 §5, docs/operations.md "Backup and restore"):
// an RDB snapshot taken while a worker polls, copied into an empty directory and loaded by another
// redis-server, holds every task: a worker started on the copy finishes each one.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { regionResultSchema } from '@regionwatch/core';
import { spawnRedisServer, until } from '@regionwatch/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness } from './support/harness.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

// Jobs in flight at snapshot time come back through stalled-job recovery, one lock duration later.
const LOCK = { WORKER_LOCK_DURATION_MS: '2000' };

describe('backup and restore', () => {
  it('an RDB copy taken under a running worker restores every task', async () => {
    const original = await spawnRedisServer();
    cleanups.push(() => original.stop());
    const clock = { now: Date.now() };
    const h = await createHarness({ url: original.url, prefix: 'prod' }, { env: LOCK, simulator: { now: () => clock.now } });
    cleanups.push(() => h.close());
    const ids = Array.from({ length: 6 }, () =>
      h.simulator.createTask({ pendingMs: 60_000, processingMs: 0, outcome: { status: 'Completed' } }),
    );
    await h.startWorker();
    for (const id of ids) await h.producer.track(id);
    await until('every task polled', () => ids.every((id) => (h.simulator.taskState(id)?.polls ?? 0) > 0), 20_000);

    // The backup, with Redis's own tool: `redis-cli --rdb` fetches a snapshot over the network (what
    // a backup job does; on the Redis host, BGSAVE and copying dump.rdb is the same file).
    const restoredDir = await mkdtemp(join(tmpdir(), 'regionwatch-restore-'));
    cleanups.push(() => rm(restoredDir, { recursive: true, force: true }));
    await promisify(execFile)('redis-cli', ['-u', original.url, '--rdb', join(restoredDir, 'dump.rdb')], { timeout: 30_000 });

    // Disaster: the original is gone with its worker. The restore: redis-server on the copied file.
    await h.close();
    await original.stop();
    const restored = await spawnRedisServer([], undefined, restoredDir);
    cleanups.push(() => restored.stop());
    const r = await createHarness({ url: restored.url, prefix: 'prod' }, { env: LOCK, simulator: { now: () => clock.now } });
    cleanups.push(() => r.close());
    // The same tasks at Aspose (the simulator of the test), now complete.
    for (const id of ids) r.simulator.createTask({ id, pendingMs: 0, processingMs: 0, outcome: { status: 'Completed' } });
    await r.startWorker();
    for (const id of ids) expect(regionResultSchema.parse(await r.result(id, 30_000)).status).toBe('Completed');
    expect(await r.pollQueue.getFailedCount()).toBe(0);
  }, 120_000);
});

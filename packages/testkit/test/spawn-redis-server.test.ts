import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { spawnRedisServer } from '../src/provide-redis.js';

/** A process's group (Linux `/proc/<pid>/stat`, field 5; the command name in field 2 may hold spaces, so after its `)`). */
async function processGroupOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

describe.runIf(process.platform === 'linux')('spawnRedisServer and the terminal process group', () => {
  it("stays in this process's group by default (a Ctrl-C stops it with everything else)", async () => {
    const redis = await spawnRedisServer();
    try {
      expect(await processGroupOf(redis.process.pid as number)).toBe(await processGroupOf(process.pid));
    } finally {
      await redis.stop();
    }
  });

  it('with ownProcessGroup leads a group of its own, so a Ctrl-C reaches only its caller, which stops it last (the demo)', async () => {
    const redis = await spawnRedisServer([], undefined, undefined, { ownProcessGroup: true });
    try {
      const pid = redis.process.pid as number;
      expect(await processGroupOf(pid)).toBe(pid);
      expect(await processGroupOf(process.pid)).not.toBe(pid);
    } finally {
      await redis.stop();
    }
    expect(redis.process.signalCode ?? redis.process.exitCode).not.toBeNull(); // stop() ended it
  });
});

import { describe, expect, it } from 'vitest';
import { freePort } from '../src/free-port.js';
import { infoOf, startRedisProcess, type RedisNodeProcess } from '../src/redis-process.js';

// Test files run in parallel: a port found free can be taken before redis-server binds it.
describe('startRedisProcess when its port is taken before it binds', () => {
  it('starts on another port, and a node already answering on the taken port is not mistaken for it', async () => {
    const holder = await startRedisProcess();
    let node: RedisNodeProcess | undefined;
    try {
      const offered: number[] = [];
      const ports = [holder.port];
      node = await startRedisProcess({
        pickPort: async () => {
          const port = ports.shift() ?? (await freePort());
          offered.push(port);
          return port;
        },
      });
      expect(offered[0]).toBe(holder.port);
      expect(offered).toHaveLength(2);
      expect(node.port).toBe(offered[1]);
      expect(node.alive()).toBe(true);
      // The node answering on its port is the process started, not the holder.
      expect((await infoOf(node, 'server')).process_id).toBe(String(node.process.pid));
      expect(holder.alive()).toBe(true);
    } finally {
      await node?.stop();
      await holder.stop();
    }
  }, 60_000);

  it('gives up after a few taken ports with the reason', async () => {
    const holder = await startRedisProcess();
    try {
      await expect(startRedisProcess({ pickPort: async () => holder.port })).rejects.toThrow(/Address already in use/);
    } finally {
      await holder.stop();
    }
  }, 60_000);
});

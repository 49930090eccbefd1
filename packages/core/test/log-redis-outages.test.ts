import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createLogger, logRedisOutages } from '../src/index.js';

describe('logRedisOutages', () => {
  it('logs one line when Redis goes away and one when it is back, not one per retry', async () => {
    const lines: { level: string; msg: string }[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: string; msg: string });
        callback();
      },
    });
    // Nothing listens on port 1: every connection attempt fails, quickly.
    const connection = new Redis('redis://127.0.0.1:1', { lazyConnect: true, retryStrategy: () => 20, maxRetriesPerRequest: null });
    logRedisOutages(connection, createLogger({ destination }));
    connection.connect().catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 300)); // ~10 failed attempts
    connection.emit('ready'); // as ioredis does once a connection succeeds
    connection.disconnect();
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      'warn Redis connection lost; reconnecting by itself',
      'info Redis connection back',
    ]);
  });
});

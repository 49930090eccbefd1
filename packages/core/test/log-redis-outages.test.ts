import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createLogger, logRedisOutages } from '../src/index.js';

function capture(): { lines: string[]; destination: Writable } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const { level, msg } = JSON.parse(line) as { level: string; msg: string };
        lines.push(`${level} ${msg}`);
      }
      callback();
    },
  });
  return { lines, destination };
}

/** Resolves once `connection` has emitted `count` more errors (failed connection attempts). */
function errors(connection: Redis, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onError = () => {
      seen += 1;
      if (seen < count) return;
      connection.off('error', onError);
      resolve();
    };
    connection.on('error', onError);
  });
}

describe('logRedisOutages', () => {
  it('logs one line when Redis goes away and one when it is back, not one per retry — for every outage', async () => {
    const { lines, destination } = capture();
    // Nothing listens on port 1: every connection attempt fails, quickly.
    const connection = new Redis('redis://127.0.0.1:1', { lazyConnect: true, retryStrategy: () => 20, maxRetriesPerRequest: null });
    logRedisOutages(connection, createLogger({ destination }));
    const fiveFailures = errors(connection, 5);
    connection.connect().catch(() => {});
    await fiveFailures; // however long five attempts take on this machine
    connection.emit('ready'); // as ioredis does once a connection succeeds
    const threeMore = errors(connection, 3);
    await threeMore; // a second outage, after the recovery
    connection.emit('ready');
    connection.disconnect();
    expect(lines).toEqual([
      'warn Redis connection lost; reconnecting by itself',
      'info Redis connection back',
      'warn Redis connection lost; reconnecting by itself',
      'info Redis connection back',
    ]);
  });

  it('says nothing about a connection that was never down', () => {
    const { lines, destination } = capture();
    const connection = new Redis('redis://127.0.0.1:1', { lazyConnect: true });
    logRedisOutages(connection, createLogger({ destination }));
    connection.emit('ready');
    connection.disconnect();
    expect(lines).toEqual([]);
  });
});

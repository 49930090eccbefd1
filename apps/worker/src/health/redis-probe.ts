import type { RedisClient } from '@regionwatch/core';

/** What one look at Redis found. Memory figures are those of Redis's `INFO memory` (bytes). */
export type RedisCheck = { up: boolean; usedMemoryBytes?: number; maxmemoryBytes?: number };

/**
 * Asks Redis whether it answers (PING) and how full it is (`INFO memory`), in one round trip that
 * never takes longer than `timeoutMs`: `/readyz` and `/metrics` call it and must answer in bounded
 * time whatever Redis does. While the connection is not ready nothing is sent (the command would only
 * wait in ioredis's offline queue); concurrent callers share one look.
 */
export class RedisProbe {
  private inFlight: Promise<RedisCheck> | undefined;

  constructor(
    private readonly connection: RedisClient,
    private readonly timeoutMs = 1_000,
  ) {}

  check(): Promise<RedisCheck> {
    if (this.connection.status !== 'ready') return Promise.resolve({ up: false });
    return (this.inFlight ??= this.look().finally(() => (this.inFlight = undefined)));
  }

  private async look(): Promise<RedisCheck> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<RedisCheck>((resolve) => {
      timer = setTimeout(() => resolve({ up: false }), this.timeoutMs);
    });
    const asked = this.connection
      .pipeline()
      .ping()
      .info('memory')
      .exec()
      .then((replies): RedisCheck => {
        const [[pingError, pong] = [], [infoError, info] = []] = replies ?? [];
        if (pingError || pong !== 'PONG') return { up: false };
        return { up: true, ...(infoError || typeof info !== 'string' ? {} : memoryFigures(info)) };
      })
      .catch((): RedisCheck => ({ up: false }));
    try {
      return await Promise.race([asked, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** `used_memory` and `maxmemory` (0 = no limit) from the text of `INFO memory`. */
export function memoryFigures(info: string): { usedMemoryBytes?: number; maxmemoryBytes?: number } {
  const field = (name: string) => {
    const match = new RegExp(`^${name}:(\\d+)\\r?$`, 'm').exec(info);
    return match?.[1] === undefined ? undefined : Number(match[1]);
  };
  const usedMemoryBytes = field('used_memory');
  const maxmemoryBytes = field('maxmemory');
  return { ...(usedMemoryBytes === undefined ? {} : { usedMemoryBytes }), ...(maxmemoryBytes === undefined ? {} : { maxmemoryBytes }) };
}

import type { Redis } from 'ioredis';

/** `INFO commandstats` as calls per command. */
export async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const text = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1] ?? '?', Number(match[2]));
  return calls;
}

/** Calls per command between two `commandCalls` readings, largest first (INFO itself excluded). */
export function diffCalls(before: Map<string, number>, after: Map<string, number>): [string, number][] {
  const diff: [string, number][] = [];
  for (const [command, calls] of after) {
    const delta = calls - (before.get(command) ?? 0);
    if (delta > 0 && command !== 'info') diff.push([command, delta]);
  }
  return diff.sort((a, b) => b[1] - a[1]);
}

export async function usedMemory(redis: Redis): Promise<number> {
  const text = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

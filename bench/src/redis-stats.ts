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

/**
 * `MEMORY USAGE` (every element counted: `SAMPLES 0`) of each key matching `pattern`, summed by the
 * group `groupOf` names (undefined: not counted). Exact per key, unlike a `used_memory` delta, which
 * also moves with allocator state and Redis's own buffers.
 */
export async function keyBytes(redis: Redis, pattern: string, groupOf: (key: string) => string | undefined): Promise<Map<string, number>> {
  const groups = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    const answers = (await pipeline.exec()) ?? [];
    keys.forEach((key, i) => {
      const group = groupOf(key);
      const bytes = Number(answers[i]?.[1] ?? 0);
      if (group !== undefined) groups.set(group, (groups.get(group) ?? 0) + bytes);
    });
  } while (cursor !== '0');
  return groups;
}

import type { Redis } from 'ioredis';

/**
 * The key families of one Redis node's work, from MONITOR: every command a client sent and every command a
 * Lua script ran (MONITOR shows both, as `total_commands_processed` counts both), named by the key it
 * touches. Families are fixed so the chaos report can compare runs; a command without a key (PING, INFO,
 * CLIENT, a script with no keys) is `no key`.
 */
export const KEY_FAMILIES = [
  'results queue',
  'webhook queue',
  'webhook endpoints (breaker, line, rate)',
  'Aspose rate window',
  'shared pause',
  'learner',
  'decided channel',
  'poll queue (tag)',
  'poll shards',
  'other tag key',
  'other key',
  'no key',
] as const;
export type KeyFamily = (typeof KEY_FAMILIES)[number];

/** The family of a key, for a deployment whose REGIONWATCH_PREFIX is `prefix` and results queue `resultsQueue`. */
export function keyFamilyOf(key: string | undefined, prefix: string, resultsQueue = 'regions-results'): KeyFamily {
  if (key === undefined) return 'no key';
  const under = (name: string) => key.startsWith(`${prefix}:${name}:`) || key === `${prefix}:${name}`;
  if (under(resultsQueue)) return 'results queue';
  if (key.startsWith(`${prefix}:regions-webhooks:endpoint`)) return 'webhook endpoints (breaker, line, rate)';
  if (under('regions-webhooks')) return 'webhook queue';
  if (key.startsWith(`${prefix}:regions-poll:aspose-rate`)) return 'Aspose rate window';
  if (key.startsWith(`${prefix}:regions-poll:aspose-pause`)) return 'shared pause';
  if (key.startsWith(`${prefix}:regions-poll:learn`)) return 'learner';
  if (key === `${prefix}:regions-poll:decided`) return 'decided channel';
  if (under('regions-poll')) return 'poll queue (tag)';
  const tag = /^\{([^}]*)\}/.exec(prefix)?.[1] ?? prefix;
  if (key.startsWith(`{${tag}:p`)) {
    // A poll shard's webhook endpoint state (POLL_SHARDS > 1), its webhook queue, or its poll queue.
    if (/^\{[^}]*\}:regions-webhooks:endpoint/.test(key)) return 'webhook endpoints (breaker, line, rate)';
    return key.includes(':regions-webhooks') ? 'webhook queue' : 'poll shards';
  }
  if (key.startsWith(prefix)) return 'other tag key';
  return 'other key';
}

// Commands whose first argument is not a key: their keys follow a count (EVAL/EVALSHA numkeys, keys…).
const NO_KEY = new Set([
  'ping',
  'info',
  'client',
  'select',
  'hello',
  'cluster',
  'command',
  'config',
  'time',
  'script',
  'multi',
  'exec',
  'readonly',
]);

/** The key a MONITOR line's command touches first (undefined: none). */
export function firstKeyOf(args: readonly string[]): string | undefined {
  const name = args[0]?.toLowerCase();
  if (name === undefined || NO_KEY.has(name)) return undefined;
  if (name === 'eval' || name === 'evalsha' || name === 'evalsha_ro' || name === 'fcall') return Number(args[2]) > 0 ? args[3] : undefined;
  if (name === 'publish') return args[1];
  return args[1];
}

export type KeyFamilyCount = {
  /** Commands per family since `start()`. */
  counts: Map<KeyFamily, number>;
  total: number;
};

/**
 * Counts a node's commands by family while it runs (MONITOR on one connection; it costs that node some CPU,
 * not commands). `maxLines` bounds the work: past it the counts stop growing and `truncated` says so.
 */
export class KeyFamilyMonitor {
  private counts = new Map<KeyFamily, number>();
  private total = 0;
  private stopMonitor: (() => void) | undefined;
  truncated = false;

  constructor(
    private readonly prefix: string,
    private readonly maxLines = 5_000_000,
  ) {}

  async start(client: Redis): Promise<void> {
    const monitor = await client.monitor();
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (this.total >= this.maxLines) {
        this.truncated = true;
        return;
      }
      const family = keyFamilyOf(firstKeyOf(args), this.prefix);
      this.counts.set(family, (this.counts.get(family) ?? 0) + 1);
      this.total++;
    });
    this.stopMonitor = () => monitor.disconnect();
  }

  /** The counts so far, and a fresh start. */
  take(): KeyFamilyCount {
    const taken = { counts: this.counts, total: this.total };
    this.counts = new Map();
    this.total = 0;
    return taken;
  }

  stop(): void {
    this.stopMonitor?.();
  }
}

/** `family a.b, family c.d, …` per `per` (tasks, seconds), largest first, families under 0.05 left out. */
export function describeFamilies(count: KeyFamilyCount, per: number): string {
  return [...count.counts]
    .sort((a, b) => b[1] - a[1])
    .map(([family, n]) => [family, n / per] as const)
    .filter(([, n]) => n >= 0.05)
    .map(([family, n]) => `${family} ${n.toFixed(1)}`)
    .join(', ');
}

import type { RedisClient } from '../redis-connection.js';
import { POLL_QUEUE } from '../contract/queues.js';
import { BUCKET_COUNT } from './completion-buckets.js';
import type { HazardHistogram } from './completion-estimate.js';
import {
  EXPONENT_FIELD,
  readFactor,
  RESCALE_EXPONENT,
  TIME_FIELD,
  type DecaySettings,
  type LearnStore,
  type RecordInput,
  type StoredHistograms,
} from './learn-store.js';

/**
 * Redis keys of the learned histograms, beside the poll queue's (same prefix, so on RedisClient Cluster a
 * `{regionwatch}` prefix keeps them in the poll queue's slot and one script may touch them all).
 * Kinds start with a letter or digit, so `_shared` and `_kinds` can never be a kind's key.
 */
export function learnKeys(prefix: string) {
  const base = `${prefix}:${POLL_QUEUE}:learn`;
  return {
    /** Hash: `b<k>` = "<events> <exposure>" of bucket k (forward-decayed), `e` = exponent, `t` = last update (ms). */
    kind: (kind: string) => `${base}:${kind}`,
    /** The same for every observation, whatever its kind: the estimate of tasks without their own. */
    shared: `${base}:_shared`,
    /** Sorted set: kind → when last observed (ms); at most `maxKinds` members. */
    index: `${base}:_kinds`,
  };
}

// One batch of observations, atomically: admit the kind if it has a slot (forgetting kinds idle for
// longer than kindIdleMs first), add the increments to its hash and to the shared one with forward
// decay (see learn-store.ts), and refresh the TTLs so abandoned histograms vanish by themselves.
// Bucket k is field b<k> = "<events> <exposure>"; numbers travel as %.17g strings (exact doubles).
// KEYS: shared, index[, kind]. ARGV: now, halfLifeCompletions, halfLifeMs, maxKinds, kindIdleMs, kind,
// completions, n, then n triples bucket, events, exposure.
const RECORD_SCRIPT = `
local now = tonumber(ARGV[1])
local halfLifeCompletions = tonumber(ARGV[2])
local halfLifeMs = tonumber(ARGV[3])
local maxKinds = tonumber(ARGV[4])
local idleMs = tonumber(ARGV[5])
local kind = ARGV[6]
local completions = tonumber(ARGV[7])
local n = tonumber(ARGV[8])
local fields = {}
local increments = {}
for j = 1, n do
  local at = 9 + (j - 1) * 3
  fields[j] = 'b' .. ARGV[at]
  increments[j] = { tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2]) }
end
local function num(x)
  return string.format('%.17g', x)
end
local function pair(v)
  local events, exposure = string.match(v or '', '^(%S+) (%S+)$')
  return tonumber(events) or 0, tonumber(exposure) or 0
end
local function add(key)
  local state = redis.call('HMGET', key, '${EXPONENT_FIELD}', '${TIME_FIELD}')
  local e = 0
  local t = now
  if state[1] and now - tonumber(state[2]) >= idleMs then
    -- idle for longer than its TTL (a replica's clock may run ahead of Redis's): start afresh
    redis.call('DEL', key)
    state[1] = false
  end
  if state[1] then
    local storedT = tonumber(state[2])
    e = tonumber(state[1]) + completions / halfLifeCompletions + math.max(0, now - storedT) / halfLifeMs
    t = math.max(storedT, now)
    if e > ${RESCALE_EXPONENT} then
      local all = redis.call('HGETALL', key)
      local down = 2 ^ (-e)
      local scaled = {}
      for j = 1, #all, 2 do
        if string.sub(all[j], 1, 1) == 'b' then
          local events, exposure = pair(all[j + 1])
          scaled[#scaled + 1] = all[j]
          scaled[#scaled + 1] = num(events * down) .. ' ' .. num(exposure * down)
        end
      end
      if #scaled > 0 then redis.call('HSET', key, unpack(scaled)) end
      e = 0
    end
  end
  local up = 2 ^ e
  local values = {}
  if n > 0 then
    local old = redis.call('HMGET', key, unpack(fields))
    for j = 1, n do
      local events, exposure = pair(old[j])
      values[#values + 1] = fields[j]
      values[#values + 1] = num(events + increments[j][1] * up) .. ' ' .. num(exposure + increments[j][2] * up)
    end
  end
  values[#values + 1] = '${EXPONENT_FIELD}'
  values[#values + 1] = num(e)
  values[#values + 1] = '${TIME_FIELD}'
  values[#values + 1] = num(t)
  redis.call('HSET', key, unpack(values))
  redis.call('PEXPIRE', key, idleMs)
end
local accepted = 0
if kind ~= '' then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - idleMs)
  if redis.call('ZSCORE', KEYS[2], kind) or redis.call('ZCARD', KEYS[2]) < maxKinds then
    redis.call('ZADD', KEYS[2], now, kind)
    redis.call('PEXPIRE', KEYS[2], idleMs)
    add(KEYS[3])
    accepted = 1
  end
end
add(KEYS[1])
return accepted
`;

type WithRecord = RedisClient & { regionwatchLearnRecord(numberOfKeys: number, ...args: (string | number)[]): Promise<number> };

/**
 * The learned histograms in RedisClient, shared by every replica: one small script per batch (the learner
 * sends one per kind every second or so) and two HGETALLs per read (the learner caches reads).
 * Bounded: at most `maxKinds` kind hashes of ≤ 101 fields, one shared hash, one index.
 */
export class RedisLearnStore implements LearnStore {
  private readonly keys: ReturnType<typeof learnKeys>;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    readonly settings: DecaySettings,
  ) {
    this.keys = learnKeys(prefix);
    if (!('regionwatchLearnRecord' in redis)) redis.defineCommand('regionwatchLearnRecord', { lua: RECORD_SCRIPT });
  }

  async record({ kind, increments, completions, now }: RecordInput): Promise<{ kindAccepted: boolean }> {
    const keys = kind === undefined ? [this.keys.shared, this.keys.index] : [this.keys.shared, this.keys.index, this.keys.kind(kind)];
    const s = this.settings;
    const args: (string | number)[] = [now, s.halfLifeCompletions, s.halfLifeMs, s.maxKinds, s.kindIdleMs, kind ?? '', completions];
    // One entry per bucket: the script reads each field once, so a repeated bucket would lose an increment.
    const merged = new Map<number, [number, number]>();
    for (const [k, events, exposure] of increments) {
      const sum = merged.get(k) ?? [0, 0];
      merged.set(k, [sum[0] + events, sum[1] + exposure]);
    }
    args.push(merged.size);
    for (const [k, [events, exposure]] of merged) args.push(k, events, exposure);
    const accepted = await (this.redis as WithRecord).regionwatchLearnRecord(keys.length, ...keys, ...args);
    return { kindAccepted: accepted === 1 };
  }

  async read(kind: string | undefined, now: number): Promise<StoredHistograms> {
    const pipeline = this.redis.pipeline().hgetall(this.keys.shared);
    if (kind !== undefined) pipeline.hgetall(this.keys.kind(kind));
    const replies = (await pipeline.exec()) ?? [];
    const hashes = replies.map(([error, value]) => {
      if (error) throw error;
      return value as Record<string, string>;
    });
    return {
      shared: this.decayed(hashes[0] ?? {}, now),
      kind: kind === undefined ? undefined : this.decayed(hashes[1] ?? {}, now),
    };
  }

  async kinds(now: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.index, `(${now - this.settings.kindIdleMs}`, '+inf');
  }

  private decayed(hash: Record<string, string>, now: number): HazardHistogram {
    const out: HazardHistogram = { events: new Float64Array(BUCKET_COUNT), exposure: new Float64Array(BUCKET_COUNT) };
    const e = Number(hash[EXPONENT_FIELD]);
    const t = Number(hash[TIME_FIELD]);
    // Idle past its TTL by our clock (Redis expires it by its own): as good as gone.
    if (!Number.isFinite(e) || !Number.isFinite(t) || now - t >= this.settings.kindIdleMs) return out;
    const factor = readFactor({ e, t }, now, this.settings);
    for (const [field, raw] of Object.entries(hash)) {
      if (field[0] !== 'b') continue;
      const k = Number(field.slice(1));
      const [events, exposure] = raw.split(' ').map(Number);
      if (!Number.isInteger(k) || k < 0 || k >= BUCKET_COUNT) continue;
      if (Number.isFinite(events) && (events ?? 0) > 0) out.events[k] = (events ?? 0) * factor;
      if (Number.isFinite(exposure) && (exposure ?? 0) > 0) out.exposure[k] = (exposure ?? 0) * factor;
    }
    return out;
  }
}

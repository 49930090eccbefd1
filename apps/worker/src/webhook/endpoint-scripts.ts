// The Lua scripts behind an endpoint's circuit breaker and line of held deliveries. Each runs atomically
// in Redis, so every replica sees one state per endpoint. Times come from the caller (`now`, epoch ms) so
// tests can drive a clock; replicas' clocks differ by far less than any interval used here. Key layout:
// core's endpointKeys(); the state machine: docs/operations.md, "Webhook endpoints".

/** Lua helpers every script below starts with. */
const HELPERS = `
local function num(value) return tonumber(value) or 0 end
`;

/**
 * admit(state, held, granted, inflight, pending, timers, index; origin, job, order, now, inflightLimit, lease)
 * → { 'go' | 'probe' | 'held', holdReason, rank }
 *
 * Whether one delivery may send its request now. `go`: a normal attempt; `probe`: the one attempt
 * allowed while the breaker is open; `held`: it joins the endpoint's line (sorted by `order`, its job's
 * creation time) and the scheduler is asked to look at the endpoint by the time something can change.
 * `rank` is the endpoint's position among every endpoint seen (metrics name the first few).
 */
export const ADMIT = `${HELPERS}
local state, held, granted, inflight, pending, timers, index = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local origin, job = ARGV[1], ARGV[2]
local order, now, limit, lease = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])

-- Every delivery passes here, on the one primary that holds the endpoints' keys: each command saved
-- below is saved per delivery (the common path, closed and not crowded, runs 8 commands).
local rank = redis.call('ZRANK', index, origin)
if not rank then
  redis.call('ZADD', index, 'NX', now, origin)
  rank = redis.call('ZRANK', index, origin)
end
redis.call('ZADD', pending, 'NX', order, job)
redis.call('HSET', state, 'seenAt', now)
local current = redis.call('HMGET', state, 'state', 'pausedUntil', 'probe', 'probeUntil', 'probeAt')

local function park(reason, lookAt)
  redis.call('ZADD', held, 'NX', order, job)
  redis.call('HDEL', granted, job)
  redis.call('ZREM', inflight, job)
  redis.call('ZADD', timers, 'LT', lookAt, origin)
  return { 'held', reason, rank }
end
-- inLine: whether the delivery may be in the line or hold a release (false only when known not to).
local function admit(kind, inLine)
  if inLine ~= false then
    redis.call('ZREM', held, job)
    redis.call('HDEL', granted, job)
  end
  redis.call('ZADD', inflight, now + lease, job)
  return { kind, '', rank }
end

if current[1] == 'open' then
  local probe = current[3]
  local probeUntil = num(current[4])
  if probe == job then
    redis.call('HSET', state, 'probeUntil', now + lease)
    return admit('probe')
  end
  if probe and probeUntil > now then return park('breaker-open', probeUntil) end
  local probeAt = num(current[5])
  if now < probeAt then return park('breaker-open', probeAt) end
  -- Probe due and none out (or its replica died): this delivery is the probe.
  redis.call('HSET', state, 'probe', job, 'probeUntil', now + lease)
  redis.call('ZADD', timers, 'LT', now + lease, origin)
  return admit('probe')
end

if num(current[2]) > now then return park('paused', num(current[2])) end
local inLine = true
if redis.call('HEXISTS', granted, job) == 0 then
  -- Not released by the scheduler: while others wait in line, wait behind them (oldest first).
  local waiting = redis.call('ZCARD', held)
  if waiting > 1 or (waiting == 1 and not redis.call('ZSCORE', held, job)) then return park('queued', now) end
  inLine = waiting == 1 -- the one in line is this delivery; with none, it holds nothing to clean up
end
-- Leases that ran out (a replica died mid-request) only matter at the cap: drop them there.
if redis.call('ZCARD', inflight) >= limit then
  redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
  if redis.call('ZCARD', inflight) >= limit then return park('queued', now) end
end
return admit('go', inLine)
`;

/**
 * requeue(state, held, inflight, timers; origin, job, order, lookAt)
 *
 * An admitted delivery that could not go after all (the endpoint's rate budget was spent): back into
 * the line at its place, its probe lease (if it had one) given up.
 */
export const REQUEUE = `${HELPERS}
local state, held, inflight, timers = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local origin, job, order, lookAt = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZADD', held, 'NX', order, job)
redis.call('ZREM', inflight, job)
if redis.call('HGET', state, 'probe') == job then redis.call('HDEL', state, 'probe', 'probeUntil') end
redis.call('ZADD', timers, 'LT', lookAt, origin)
return 1
`;

/**
 * report(state, held, granted, inflight, pending, timers, failing, probed;
 *        origin, job, order, now, verdict, pauseUntil, finished, message, threshold, cooldownBase, cooldownCap, jitter)
 * → { state after, 'done' | 'held' | '', event, probeAt, openedAt, opens }
 *
 * What one attempt showed. `verdict`: `ok` (delivered), `alive` (the receiver answered, but not 2xx:
 * the endpoint works, this delivery did not), `fail` (timeout, refused connection, 5xx). `threshold`
 * distinct deliveries failing in a row open the breaker; a failed probe keeps it open for a longer
 * cooldown (doubling up to `cooldownCap`) and puts the probe back in line (`held`); any answer closes
 * it. `pauseUntil` > now pauses the endpoint (429/503 with Retry-After). `finished`: the delivery is
 * over (delivered, stopped or dead-lettered): it leaves every set of the endpoint (`done`).
 * `event` says what changed for the other poll shards' states of the endpoint (PROPAGATE): `opened`,
 * `probe-failed` (with the next probe's time) or `closed`; '' when nothing they need to know.
 */
export const REPORT = `${HELPERS}
local state, held, granted, inflight, pending, timers, failing, probed =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8]
local origin, job, order, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local verdict, pauseUntil, finished, message = ARGV[5], tonumber(ARGV[6]), ARGV[7], ARGV[8]
local threshold, base, cap, jitter = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])

local function cooldown(opens) return math.floor(math.min(base * 2 ^ math.min(opens - 1, 30), cap) * jitter) end
local event, eventProbeAt, eventOpenedAt, eventOpens = '', 0, 0, 0

redis.call('ZREM', inflight, job)
local fields = redis.call('HMGET', state, 'probe', 'state')
local wasProbe = fields[1] == job
if wasProbe then redis.call('HDEL', state, 'probe', 'probeUntil') end
local current = fields[2] or 'closed'

if verdict == 'ok' then redis.call('HSET', state, 'lastSuccessAt', now) end
if message ~= '' then redis.call('HSET', state, 'lastError', message, 'lastErrorAt', now) end
if verdict == 'ok' or verdict == 'alive' then
  redis.call('DEL', failing)
  if current == 'open' then
    redis.call('HSET', state, 'state', 'closed', 'opens', 0, 'closedAt', now)
    redis.call('HDEL', state, 'probeAt', 'openedAt')
    redis.call('DEL', probed)
    current = 'closed'
    event = 'closed'
    if redis.call('ZCARD', held) > 0 then redis.call('ZADD', timers, 'LT', now, origin) end
  end
elseif verdict == 'fail' then
  if wasProbe and current == 'open' then
    local opens = redis.call('HINCRBY', state, 'opens', 1)
    local at = now + cooldown(opens)
    redis.call('HSET', state, 'probeAt', at)
    redis.call('SADD', probed, job)
    redis.call('ZADD', timers, 'LT', at, origin)
    event, eventProbeAt, eventOpens = 'probe-failed', at, opens
  elseif current == 'closed' then
    redis.call('SADD', failing, job)
    if redis.call('SCARD', failing) >= threshold then
      local at = now + cooldown(1)
      redis.call('HSET', state, 'state', 'open', 'openedAt', now, 'opens', 1, 'probeAt', at)
      redis.call('ZADD', timers, 'LT', at, origin)
      current = 'open'
      event, eventProbeAt, eventOpenedAt, eventOpens = 'opened', at, now, 1
    end
  end
end

if pauseUntil > now then
  if pauseUntil > num(redis.call('HGET', state, 'pausedUntil')) then redis.call('HSET', state, 'pausedUntil', pauseUntil) end
  redis.call('ZADD', timers, 'LT', pauseUntil, origin)
end

if finished == '1' then
  redis.call('ZREM', pending, job)
  redis.call('ZREM', held, job)
  redis.call('HDEL', granted, job)
  return { current, 'done', event, eventProbeAt, eventOpenedAt, eventOpens }
end
if wasProbe and verdict == 'fail' and current == 'open' then
  redis.call('ZADD', held, 'NX', order, job)
  return { current, 'held', event, eventProbeAt, eventOpenedAt, eventOpens }
end
return { current, '', event, eventProbeAt, eventOpenedAt, eventOpens }
`;

/**
 * propagate(state, timers, index; origin, event, now, probeAt, openedAt, opens)
 *
 * With POLL_SHARDS > 1: what another shard's breaker of the same endpoint just did, applied to this
 * shard's state (one call per shard: each is its own Cluster slot). Idempotent, and harmless when late
 * or lost (this shard then learns by itself):
 * - `opened`: a closed state opens with the same openedAt, its first probe a lease after the other
 *   shard's (its deliveries are held instead of failing here too);
 * - `probe-failed`: an open state with no probe out waits until a lease after the other shard's next
 *   probe (one probe per cooldown for the endpoint, not one per shard);
 * - `closed`: an open state with no probe out probes now (it closes on its own probe's answer, so a
 *   shard never closes on hearsay alone).
 */
export const PROPAGATE = `${HELPERS}
local state, timers, index = KEYS[1], KEYS[2], KEYS[3]
local origin, event, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local probeAt, openedAt, opens = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local current = redis.call('HMGET', state, 'state', 'probe', 'probeUntil', 'probeAt', 'opens')
local probing = current[2] and num(current[3]) > now
if event == 'opened' then
  if current[1] == 'open' then return 0 end
  redis.call('ZADD', index, 'NX', now, origin)
  redis.call('HSETNX', state, 'seenAt', now)
  redis.call('HSET', state, 'state', 'open', 'openedAt', openedAt, 'opens', opens, 'probeAt', probeAt)
  redis.call('ZADD', timers, 'LT', probeAt, origin)
  return 1
end
if current[1] ~= 'open' or probing then return 0 end
if event == 'probe-failed' then
  if probeAt <= num(current[4]) then return 0 end
  redis.call('HSET', state, 'probeAt', probeAt)
  if opens > num(current[5]) then redis.call('HSET', state, 'opens', opens) end
  return 1
end
if event == 'closed' then
  redis.call('HSET', state, 'probeAt', now)
  redis.call('ZADD', timers, 'LT', now, origin)
  return 1
end
return 0
`;

/**
 * step(state, held, granted, inflight, timers, probed; origin, now, batch, interval, lease, grantTtl, inflightLimit)
 * → job ids to release now
 *
 * The scheduler's turn at one endpoint whose timer is due (a replica that finds it already moved on
 * does nothing, so replicas never step the same endpoint twice). Open: when the cooldown is over and
 * no probe is out (or its lease ran out: its replica died), the oldest held delivery not yet tried
 * as a probe becomes the probe. Paused: nothing until the pause ends. Otherwise: release up to `batch`
 * held deliveries, oldest first, every `interval` ms (WEBHOOK_ENDPOINT_MAX_RPS), fewer while released
 * ones have not started or too many requests are in flight. Releases not started after `grantTtl`
 * (their replica died before moving them) are released again.
 */
export const STEP = `${HELPERS}
local state, held, granted, inflight, timers, probed = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local origin, now, batch, interval = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local lease, grantTtl, limit = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])

local due = redis.call('ZSCORE', timers, origin)
if not due or tonumber(due) > now then return {} end
local function lookAgain(at) redis.call('ZADD', timers, at, origin) end

local grants = redis.call('HGETALL', granted)
for i = 1, #grants, 2 do
  if tonumber(grants[i + 1]) + grantTtl <= now then redis.call('HDEL', granted, grants[i]) end
end

if redis.call('HGET', state, 'state') == 'open' then
  local probe = redis.call('HGET', state, 'probe')
  local probeUntil = num(redis.call('HGET', state, 'probeUntil'))
  if probe and probeUntil > now then lookAgain(probeUntil); return {} end
  if probe then
    redis.call('HDEL', state, 'probe', 'probeUntil')
    redis.call('HINCRBY', state, 'probesLost', 1)
  end
  local probeAt = num(redis.call('HGET', state, 'probeAt'))
  if now < probeAt then lookAgain(probeAt); return {} end
  local candidates = redis.call('ZRANGE', held, 0, 15)
  if #candidates == 0 then redis.call('ZREM', timers, origin); return {} end
  local chosen = nil
  for _, candidate in ipairs(candidates) do
    if redis.call('SISMEMBER', probed, candidate) == 0 then chosen = candidate; break end
  end
  if not chosen then
    redis.call('DEL', probed)
    chosen = candidates[1]
  end
  redis.call('HSET', state, 'probe', chosen, 'probeUntil', now + lease)
  redis.call('HSET', granted, chosen, now)
  lookAgain(now + lease)
  return { chosen }
end

local pausedUntil = num(redis.call('HGET', state, 'pausedUntil'))
if pausedUntil > now then lookAgain(pausedUntil); return {} end
if redis.call('ZCARD', held) == 0 then redis.call('ZREM', timers, origin); return {} end

redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
local outstanding = redis.call('HLEN', granted)
local room = math.min(batch - outstanding, limit - redis.call('ZCARD', inflight) - outstanding)
local released = {}
if room > 0 then
  for _, candidate in ipairs(redis.call('ZRANGE', held, 0, outstanding + room - 1)) do
    if #released >= room then break end
    if redis.call('HEXISTS', granted, candidate) == 0 then
      redis.call('HSET', granted, candidate, now)
      table.insert(released, candidate)
    end
  end
end
lookAgain(now + interval)
return released
`;

/** forget(state, held, granted, inflight, pending; job): the delivery no longer exists or is over. */
export const FORGET = `
local state, held, granted, inflight, pending = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local job = ARGV[1]
redis.call('ZREM', held, job)
redis.call('HDEL', granted, job)
redis.call('ZREM', inflight, job)
redis.call('ZREM', pending, job)
if redis.call('HGET', state, 'probe') == job then redis.call('HDEL', state, 'probe', 'probeUntil') end
return 1
`;

/**
 * prune(state, held, pending, failing, probed, granted, inflight, rate, index, timers; origin, idleBefore)
 *
 * Forgets an endpoint nothing has been sent to since `idleBefore` and that holds nothing, so the
 * index (and the metrics' endpoint names) does not grow forever.
 */
export const PRUNE = `
local state, held, pending = KEYS[1], KEYS[2], KEYS[3]
local index, timers = KEYS[9], KEYS[10]
local origin, idleBefore = ARGV[1], tonumber(ARGV[2])
if redis.call('ZCARD', held) > 0 or redis.call('ZCARD', pending) > 0 then return 0 end
if (tonumber(redis.call('HGET', state, 'seenAt')) or 0) >= idleBefore then return 0 end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
redis.call('ZREM', index, origin)
redis.call('ZREM', timers, origin)
return 1
`;

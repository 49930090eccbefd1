import { MAX_WEBHOOK_DESTINATIONS, type RedisClient, type TaskRecordStore } from '@regionwatch/core';

// The producer's two changes to a PENDING task, each one script on the poll job's `data` (which only
// producers write; the worker owns `progress` and the task record). Both first check the task record:
// the worker's DECIDE script writes it atomically with reading the job's data, so a change either lands
// before the decision (and counts) or finds the record (and changes nothing).

// KEYS: the record, the poll job. ARGV: now (epoch ms). Marks the job's data with `cancelRequestedAt`.
const UNTRACK = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'already-finished' end
local data = redis.call('HGET', KEYS[2], 'data')
if not data or redis.call('HEXISTS', KEYS[2], 'finishedOn') == 1 then return 'not-found' end
local ok, job = pcall(cjson.decode, data)
if not ok or type(job) ~= 'table' then return 'not-found' end
if job.cancelRequestedAt then return 'requested' end
job.cancelRequestedAt = tonumber(ARGV[1])
redis.call('HSET', KEYS[2], 'data', cjson.encode(job))
return 'requested'
`;

// KEYS: the record, the poll job. ARGV: the URL, the most extra URLs. Adds a webhook destination.
const MERGE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'duplicate' end
local data = redis.call('HGET', KEYS[2], 'data')
if not data or redis.call('HEXISTS', KEYS[2], 'finishedOn') == 1 then return 'duplicate' end
local ok, job = pcall(cjson.decode, data)
if not ok or type(job) ~= 'table' or job.cancelRequestedAt or job.webhookUrl == ARGV[1] then return 'duplicate' end
local extra = job.extraWebhookUrls
if type(extra) ~= 'table' then extra = {} end
for _, url in ipairs(extra) do
  if url == ARGV[1] then return 'duplicate' end
end
if #extra >= tonumber(ARGV[2]) then return 'full' end
table.insert(extra, ARGV[1])
job.extraWebhookUrls = extra
redis.call('HSET', KEYS[2], 'data', cjson.encode(job))
return 'merged'
`;

type WithScripts = RedisClient & {
  regionwatchUntrack(record: string, job: string, now: number): Promise<string>;
  regionwatchMerge(record: string, job: string, url: string, most: number): Promise<string>;
};

export type UntrackMark = 'requested' | 'already-finished' | 'not-found';
export type MergeOutcome = 'merged' | 'duplicate' | 'full';

/** The scripts on one connection (defined once per connection). */
export class TaskRequests {
  private readonly redis: WithScripts;

  constructor(
    redis: RedisClient,
    private readonly records: Pick<TaskRecordStore, 'key' | 'jobKey'>,
  ) {
    if (!('regionwatchUntrack' in redis)) {
      redis.defineCommand('regionwatchUntrack', { numberOfKeys: 2, lua: UNTRACK });
      redis.defineCommand('regionwatchMerge', { numberOfKeys: 2, lua: MERGE });
    }
    this.redis = redis as WithScripts;
  }

  /** Asks the worker to end a pending task `Cancelled` (its next run does, without polling). */
  async markCancelled(taskId: string, now: number): Promise<UntrackMark> {
    return (await this.redis.regionwatchUntrack(this.records.key(taskId), this.records.jobKey(taskId), now)) as UntrackMark;
  }

  /** Adds `url` as another webhook destination of a pending task (at most MAX_WEBHOOK_DESTINATIONS in all). */
  async addWebhook(taskId: string, url: string): Promise<MergeOutcome> {
    const most = MAX_WEBHOOK_DESTINATIONS - 1;
    return (await this.redis.regionwatchMerge(this.records.key(taskId), this.records.jobKey(taskId), url, most)) as MergeOutcome;
  }
}

import { truncateText, type Logger, type RedisClient } from '@regionwatch/core';
import { Job, type Queue } from 'bullmq';

/** The job hash fields BullMQ parses as JSON when it hands a job to a worker, and what each defaults to. */
const PARSED_FIELDS = [
  ['data', '{}'],
  ['opts', '{}'],
  ['progress', '0'],
] as const;

/** The first hash field of a job that BullMQ could not parse, or undefined. */
function unreadableField(values: readonly (string | null)[]): { field: string; value: string } | undefined {
  for (const [index, [field, empty]] of PARSED_FIELDS.entries()) {
    const value = values[index] ?? null;
    try {
      JSON.parse(value || empty);
    } catch {
      return { field, value: value ?? '' };
    }
  }
  return undefined;
}

/**
 * Fails the active jobs of `queue` whose hash BullMQ cannot parse (`data`, `opts` or `progress` not
 * JSON, e.g. written by hand or by a broken client). BullMQ takes such a job (it becomes active and
 * locked) but throws while reading it, before any processor runs: left alone it would stall, come
 * back, fail to parse again, and log an error every stall interval up to `maxStalledCount` times.
 * Failed here instead, with a reason saying which field, at the first 'error' event it causes. The
 * unparsable value is kept in the hash as `unreadable:<field>` and replaced by a readable stand-in,
 * so the failed set (and Bull Board) can still list the job. Returns the ids failed.
 */
export async function failUnreadableActiveJobs(queue: Queue, connection: RedisClient, logger: Logger): Promise<string[]> {
  const active = await connection.lrange(queue.toKey('active'), 0, -1);
  if (active.length === 0) return [];
  const pipeline = connection.pipeline();
  for (const id of active) pipeline.hmget(queue.toKey(id), ...PARSED_FIELDS.map(([field]) => field), 'name');
  const answers = (await pipeline.exec()) ?? [];
  const failed: string[] = [];
  for (const [i, id] of active.entries()) {
    const [error, values] = answers[i] ?? [null, null];
    if (error || !Array.isArray(values)) continue;
    const unreadable = unreadableField(values as (string | null)[]);
    if (!unreadable) continue;
    const jobKey = queue.toKey(id);
    const token = await connection.get(`${jobKey}:lock`);
    if (token === null) continue; // not taken right now: the next worker to take it brings us back here
    const reason =
      `the job's ${unreadable.field} field is not JSON, so no worker can read the job; failed instead of stalling over and ` +
      `over. It starts: ${JSON.stringify(truncateText(unreadable.value, 80))} (kept in the hash as unreadable:${unreadable.field})`;
    const standIn = unreadable.field === 'progress' ? '0' : unreadable.field === 'data' ? JSON.stringify({ unreadable: 'data' }) : '{}';
    const job = new Job(queue, (values as (string | null)[])[PARSED_FIELDS.length] ?? 'unknown', {}, {}, id);
    try {
      await queue.backend.moveToFailed(job, reason, false, token, false, {
        [unreadable.field]: standIn,
        [`unreadable:${unreadable.field}`]: unreadable.value,
      });
    } catch (moveError) {
      // Another replica failed it first, or its lock changed hands: nothing left to do here.
      logger.debug({ err: moveError, queue: queue.name, jobId: id }, 'unreadable job not failed here');
      continue;
    }
    logger.error({ queue: queue.name, jobId: id, field: unreadable.field }, `job failed: ${reason}`);
    failed.push(id);
  }
  return failed;
}

/** Whether a worker 'error' event is BullMQ failing to parse a job it took (a JSON.parse error). */
export function isUnreadableJobError(error: unknown): boolean {
  return error instanceof SyntaxError;
}

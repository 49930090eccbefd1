import { ConfigError, loadReplayConfig, parseCommandLine, pollShards, WEBHOOK_QUEUE } from '@regionwatch/core';
import { Queue } from 'bullmq';
import { connectOrExit } from './cli/connect-or-exit.js';
import { parseReplayTime, replayDeadLetters, type DeadLetterSelection } from './replay/replay-dead-letters.js';
import { webhookQueues } from './webhook/webhook-queues.js';

const USAGE = `usage: npm run replay -- ID...
       npm run replay -- --all | [--since T] [--until T] [--endpoint URL] [--include-gone]
  re-queues dead-lettered webhook deliveries (failed set of regions-webhooks), each with a fresh retry schedule.
  ID...           these deliveries (task ids), whatever they ended on
  --all           every dead letter (or those the options below select)
  --since T       dead-lettered at or after T: an ISO date/time (2026-11-28T21:00:00Z) or a duration ago (30m, 2h, 48h)
  --until T       dead-lettered at or before T (same forms)
  --endpoint URL  deliveries to this endpoint (the URL's scheme, host and port)
  --include-gone  also those that ended on 410 Gone or on the private-address guard (skipped otherwise)`;

function usage(code: number): never {
  console.error(USAGE);
  process.exit(code);
}

const { values, positionals } = parseCommandLine(USAGE, {
  allowPositionals: true,
  options: {
    all: { type: 'boolean' },
    since: { type: 'string' },
    until: { type: 'string' },
    endpoint: { type: 'string' },
    'include-gone': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
const filtered = values.since !== undefined || values.until !== undefined || values.endpoint !== undefined;
const bySet = values.all === true || filtered || values['include-gone'] === true;
if (bySet === positionals.length > 0) usage(2);

const selection: DeadLetterSelection = { includeGone: values['include-gone'] === true };
for (const bound of ['since', 'until'] as const) {
  const text = values[bound];
  if (text === undefined) continue;
  const at = parseReplayTime(text);
  if (at === undefined) {
    console.error(`--${bound} must be an ISO date or time (2026-11-28T21:00:00Z) or a duration ago (30m, 2h, 48h)`);
    process.exit(2);
  }
  selection[bound] = at;
}
if (values.endpoint !== undefined) {
  try {
    selection.endpoint = new URL(values.endpoint).origin;
  } catch {
    console.error('--endpoint must be a URL, e.g. https://hooks.example.com');
    process.exit(2);
  }
}

let config;
try {
  config = loadReplayConfig();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : String(error));
  process.exit(2);
}
const { connection } = await connectOrExit(config, 'replay');
// POLL_SHARDS > 1: one webhook queue per shard (an id is looked up in its task's shard; --all and the filters read every one).
const queues = webhookQueues(
  pollShards(config.REGIONWATCH_PREFIX, config.POLL_SHARDS).map((shard) =>
    new Queue(WEBHOOK_QUEUE, { connection, prefix: shard.prefix }).on('error', () => {}),
  ),
);
let exitCode = 0;
try {
  const outcomes = await replayDeadLetters(queues, bySet ? selection : positionals);
  for (const { taskId, outcome, reason } of outcomes) {
    console.log(reason === undefined ? `${outcome} ${taskId}` : `${outcome} ${taskId} (${reason})`);
    if (outcome !== 'replayed' && outcome !== 'skipped') exitCode = 1;
  }
  if (bySet) {
    const replayed = outcomes.filter((o) => o.outcome === 'replayed').length;
    const skipped = outcomes.length - replayed;
    console.error(`${replayed} dead letter(s) replayed${skipped > 0 ? `, ${skipped} skipped (--include-gone replays them)` : ''}`);
  }
} catch (error) {
  console.error(`replay failed: ${(error as Error).message}`);
  exitCode = 1;
} finally {
  await Promise.all(queues.all.map((queue) => queue.close()));
  connection.disconnect();
}
// Not process.exit(): let piped stdout flush.
process.exitCode = exitCode;

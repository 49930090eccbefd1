import { parseArgs } from 'node:util';
import { ConfigError, createRedisConnection, loadReplayConfig, redactUrl, waitForRedis, WEBHOOK_QUEUE } from '@regionwatch/core';
import { Queue } from 'bullmq';
import { replayDeadLetters } from './replay/replay-dead-letters.js';

const USAGE = 'usage: npm run replay -- ID... | --all\n  re-queues dead-lettered webhook deliveries (failed set of regions-webhooks)';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { all: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help || (!values.all && positionals.length === 0) || (values.all && positionals.length > 0)) {
  console.error(USAGE);
  process.exit(values.help ? 0 : 2);
}

let config;
try {
  config = loadReplayConfig();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : String(error));
  process.exit(2);
}
const connection = createRedisConnection(config.REDIS_URL, 'fail-fast');
// Connection errors are reported once, below, as one line (ioredis would print each attempt's stack).
connection.on('error', () => {});
try {
  await waitForRedis(connection);
} catch (error) {
  console.error(`replay failed: ${(error as Error).message} (REDIS_URL=${redactUrl(config.REDIS_URL)})`);
  connection.disconnect();
  process.exit(2);
}
const queue = new Queue(WEBHOOK_QUEUE, { connection, prefix: config.REGIONWATCH_PREFIX }).on('error', () => {});
let exitCode = 0;
try {
  const outcomes = await replayDeadLetters(queue, values.all ? 'all' : positionals);
  for (const { taskId, outcome } of outcomes) {
    console.log(`${outcome} ${taskId}`);
    if (outcome !== 'replayed') exitCode = 1;
  }
  if (values.all) console.error(`${outcomes.length} dead letter(s) replayed`);
} catch (error) {
  console.error(`replay failed: ${(error as Error).message}`);
  exitCode = 1;
} finally {
  await queue.close();
  connection.disconnect();
}
// Not process.exit(): let piped stdout flush.
process.exitCode = exitCode;

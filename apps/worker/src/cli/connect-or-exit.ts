import {
  ConfigError,
  createRedisConnection,
  describeRedisTarget,
  redisTargetFrom,
  waitForRedis,
  type RedisClient,
  type RedisSettings,
} from '@regionwatch/core';

/** A command-line tool's Redis connection, and the target in one line fit to print. */
export type CliConnection = { connection: RedisClient; where: string };

/**
 * Connects a CLI to the Redis its settings name (standalone, Sentinel or Cluster), or exits 2 with one
 * line: the settings are contradictory, or Redis does not answer in time. Connection errors are reported
 * once, here, not as ioredis's stack trace per reconnection attempt.
 */
export async function connectOrExit(settings: RedisSettings, command: string): Promise<CliConnection> {
  let target;
  try {
    target = redisTargetFrom(settings);
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : String(error));
    process.exit(2);
  }
  const connection = createRedisConnection(target, 'fail-fast');
  connection.on('error', () => {});
  const where = target.mode === 'standalone' ? `REDIS_URL=${describeRedisTarget(target)}` : describeRedisTarget(target);
  try {
    await waitForRedis(connection);
  } catch (error) {
    console.error(`${command} failed: ${(error as Error).message} (${where})`);
    connection.disconnect();
    process.exit(2);
  }
  return { connection, where };
}

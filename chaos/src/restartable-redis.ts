import { rm } from 'node:fs/promises';
import { spawnRedisServer, waitForPing } from '@regionwatch/testkit';
import { Redis } from 'ioredis';

/**
 * A private `redis-server` with AOF persistence that a scenario can restart on the same port and
 * data: gracefully (`SHUTDOWN`, which writes the AOF out) or brutally (SIGKILL).
 */
export class RestartableRedis {
  private server!: Awaited<ReturnType<typeof spawnRedisServer>>;
  private dir = '';
  restarts = 0;

  private constructor(private readonly args: string[]) {}

  static async start(fsync: 'always' | 'everysec'): Promise<RestartableRedis> {
    const redis = new RestartableRedis(['--appendonly', 'yes', '--appendfsync', fsync]);
    redis.server = await spawnRedisServer(redis.args);
    redis.dir = redis.server.dir;
    return redis;
  }

  get url(): string {
    return this.server.url;
  }

  /** The worker's REDIS_* variables (`ChaosRedis`). */
  get env(): Record<string, string> {
    return { REDIS_URL: this.url };
  }

  get target(): string {
    return this.url;
  }

  /** Stops Redis (`SHUTDOWN` or SIGKILL), keeps it down for `downMs`, then starts it on the same data. */
  async restart(mode: 'shutdown' | 'kill', downMs: number): Promise<void> {
    await this.down(mode);
    await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.up();
  }

  /** Stops Redis (`SHUTDOWN` or SIGKILL) and waits until the process is gone. */
  async down(mode: 'shutdown' | 'kill'): Promise<void> {
    const exited = new Promise((resolve) => this.server.process.once('exit', resolve));
    if (mode === 'kill') this.server.process.kill('SIGKILL');
    else {
      const client = new Redis(this.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => {});
      await client.call('SHUTDOWN').catch(() => {}); // the connection drops as Redis exits
      client.disconnect();
    }
    await exited;
  }

  /** Starts Redis again on the same port and data. */
  async up(): Promise<void> {
    this.server = await spawnRedisServer(this.args, this.server.port, this.dir);
    await waitForPing(this.url, 10_000);
    this.restarts += 1;
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

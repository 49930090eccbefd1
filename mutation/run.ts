// `npm run mutation`: one Redis for the whole Stryker run, then the report. Stryker restarts a test
// process after a mutant times out (an infinite loop, say) by killing it, and a killed vitest never runs
// its global teardown: a Redis started per test process would be left behind each time. So the Redis is
// started here, once, and handed to every test process as REDIS_URL (the global setup then uses it as
// it is); REDIS_URL set by the caller is used as it is too. Arguments go to `stryker run`.
import { spawn } from 'node:child_process';
import { provideRedis } from '@regionwatch/testkit';
import { writeReport } from './summarize.js';

const redis = await provideRedis({ prefer: 'redis-server' });
console.log(`mutation testing against the Redis from ${redis.source}: ${redis.url}`);
let code: number;
try {
  const stryker = spawn('npx', ['stryker', 'run', ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, REDIS_URL: redis.url },
  });
  const forward = (signal: NodeJS.Signals) => stryker.kill(signal);
  process.on('SIGINT', forward).on('SIGTERM', forward);
  code = await new Promise<number>((resolve, reject) => {
    stryker.on('error', reject).on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });
} finally {
  await redis.stop();
}
if (code !== 0) {
  console.error(`stryker run exited with ${code}; the report was not rewritten`);
  process.exit(code);
}
const shortfalls = writeReport();
if (shortfalls.length > 0) {
  console.error(
    `mutation testing goal missed (the report above is written all the same):\n${shortfalls.map((s) => `  - ${s}`).join('\n')}`,
  );
  process.exitCode = 1;
}

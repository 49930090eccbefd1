import { testRedis } from '@regionwatch/testkit/vitest';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../src/run-demo.js';

// Issue 11: the demo printed REDIS_URL as given, password and all. (Redis's default user has no
// password here, and then any password is accepted, so the URL below connects.)
describe('the demo’s header', () => {
  it('prints REDIS_URL redacted, and starts with basic auth when credentials are given', async () => {
    const { url, prefix } = testRedis('demo-output');
    const withPassword = new URL(url);
    withPassword.username = 'default';
    withPassword.password = 'demo-redis-s3cret';
    const lines: string[] = [];
    const demo = await runDemo({
      env: {
        REDIS_URL: withPassword.href,
        REGIONWATCH_PREFIX: prefix,
        DASHBOARD_PORT: '0',
        DASHBOARD_USER: 'ops',
        DASHBOARD_PASSWORD: 'demo-dashboard-password',
        LOG_LEVEL: 'silent',
      },
      print: (line) => lines.push(line),
    });
    await demo.stop();
    const output = lines.join('\n');
    expect(output).not.toContain('demo-redis-s3cret');
    expect(output).not.toContain('demo-dashboard-password');
    expect(output).toMatch(/^Redis +redis:\/\/\[redacted\]@127\.0\.0\.1:\d+ +\(from REDIS_URL\)$/m);
    expect(output).toMatch(/^Dashboard +http:\/\/localhost:\d+\/queues +\(basic auth as ops;/m);
  }, 60_000);
});

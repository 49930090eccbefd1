import { loadConfig } from '@regionwatch/core';
import { testRedis } from '@regionwatch/testkit/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs, type LogCapture } from './support/log-capture.js';
import { basic, rawRequest, serveDashboard, type Served } from './support/serve.js';

// Issue 11: failed logins are logged (never the password, never the user name typed) and repeated
// failures from one client are slowed down — in Redis, so every dashboard replica shares the count.
const { url, prefix } = testRedis('login-limit');
const USER = 'ops';
const PASSWORD = 'login-limit-password';
const LIMIT = { failures: 3, windowSeconds: 600 };
// Behind a trusted proxy (loopback here), X-Forwarded-For names the client: one test process can be many clients.
const env = { REDIS_URL: url, REGIONWATCH_PREFIX: prefix, DASHBOARD_PORT: '0', DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD };

let replicaA: Served;
let replicaB: Served;
let untrusting: Served;
let logs: LogCapture;

beforeAll(async () => {
  logs = captureLogs('info');
  const config = loadConfig({ ...env, DASHBOARD_TRUST_PROXY: 'loopback' });
  replicaA = await serveDashboard({ config, logger: logs.logger, loginFailureLimit: LIMIT });
  replicaB = await serveDashboard({ config, logger: logs.logger, loginFailureLimit: LIMIT });
  untrusting = await serveDashboard({ config: loadConfig(env), logger: logs.logger, loginFailureLimit: LIMIT });
  // Until its Redis connection is ready a replica counts in memory (the limiter's insurance); the
  // API waits for the connection, so one good login each makes every count below a Redis count.
  for (const served of [replicaA, replicaB, untrusting]) expect((await login(served, '192.0.2.250', PASSWORD)).status).toBe(200);
});
afterAll(async () => {
  await Promise.all([replicaA?.close(), replicaB?.close(), untrusting?.close()]);
});

function login(served: Served, client: string, password: string, user = USER) {
  return rawRequest(served.base, '/queues/api/queues', { headers: { 'x-forwarded-for': client, ...basic(user, password) } });
}

describe('failed logins', () => {
  it('are logged with the client and whether the user name matched, never the password or the typed user', async () => {
    const typedPassword = 'hunter2-typed-into-the-user-field';
    expect((await login(replicaA, '203.0.113.1', 'wrong-password-1')).status).toBe(401);
    expect((await login(replicaA, '203.0.113.1', 'wrong-password-2', typedPassword)).status).toBe(401);
    const failed = logs.lines.filter((line) => line.msg === 'dashboard login failed' && line.client === '203.0.113.1');
    expect(failed).toHaveLength(2);
    expect(failed[0]).toMatchObject({ level: 'warn', userMatches: true, failures: 1, blocked: false, method: 'GET' });
    expect(failed[1]).toMatchObject({ userMatches: false, failures: 2 });
    for (const secret of ['wrong-password-1', 'wrong-password-2', typedPassword, PASSWORD]) expect(logs.text()).not.toContain(secret);
  });

  it('are not counted when no credentials are sent (a browser’s first request)', async () => {
    for (let i = 0; i < LIMIT.failures + 2; i++) {
      const response = await rawRequest(replicaA.base, '/queues', { headers: { 'x-forwarded-for': '203.0.113.2' } });
      expect(response.status).toBe(401);
    }
    expect((await login(replicaA, '203.0.113.2', PASSWORD)).status).toBe(200);
  });
});

describe('repeated failures from one client', () => {
  it('are answered 429 with Retry-After once the limit is reached — even with the right password', async () => {
    const client = '203.0.113.10';
    for (let i = 1; i <= LIMIT.failures; i++) expect((await login(replicaA, client, `wrong-${i}`)).status).toBe(401);
    const blocked = await login(replicaA, client, PASSWORD);
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(LIMIT.windowSeconds);
    expect(blocked.body).not.toContain('regions-poll');
    expect(logs.lines.some((line) => line.msg === 'dashboard login failed' && line.client === client && line.blocked === true)).toBe(true);
  });

  it('leave other clients alone', async () => {
    for (let i = 1; i <= LIMIT.failures; i++) await login(replicaA, '203.0.113.20', `wrong-${i}`);
    expect((await login(replicaA, '203.0.113.21', PASSWORD)).status).toBe(200);
  });

  it('are counted across replicas (the count lives in Redis)', async () => {
    const client = '203.0.113.30';
    expect((await login(replicaA, client, 'wrong-a')).status).toBe(401);
    expect((await login(replicaB, client, 'wrong-b')).status).toBe(401);
    expect((await login(replicaA, client, 'wrong-c')).status).toBe(401);
    expect((await login(replicaB, client, PASSWORD)).status).toBe(429);
  });

  it('start over after a successful login (a typo is forgiven)', async () => {
    const client = '203.0.113.40';
    for (let round = 0; round < 3; round++) {
      for (let i = 1; i < LIMIT.failures; i++) expect((await login(replicaA, client, `typo-${i}`)).status).toBe(401);
      expect((await login(replicaA, client, PASSWORD)).status).toBe(200);
    }
  });

  it('cannot dodge the limit by forging X-Forwarded-For when no proxy is trusted', async () => {
    for (let i = 1; i <= LIMIT.failures; i++) expect((await login(untrusting, `198.51.100.${i}`, `wrong-${i}`)).status).toBe(401);
    expect((await login(untrusting, '198.51.100.99', PASSWORD)).status).toBe(429);
  });

  it('count a whole IPv6 /64 as one client', async () => {
    for (let i = 1; i <= LIMIT.failures; i++) expect((await login(replicaA, `2001:db8:1:2::${i}`, `wrong-${i}`)).status).toBe(401);
    expect((await login(replicaA, '2001:db8:1:2:ffff:eeee:dddd:cccc', PASSWORD)).status).toBe(429);
    expect((await login(replicaA, '2001:db8:1:3::1', PASSWORD)).status).toBe(200);
  });
});

import { loadConfig } from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { testRedis } from '@regionwatch/testkit/vitest';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureLogs, type LogCapture } from './support/log-capture.js';
import { basic, rawRequest, serveDashboard, type Served } from './support/serve.js';

// Issue 11 on the wire: what a rebinding browser (a foreign Host) and a forged cross-site request
// (Sec-Fetch-Site / Origin) look like, without a browser. test/browser-attacks.test.ts does it in Chromium.
const { url, prefix } = testRedis('guards');
const env = { REDIS_URL: url, REGIONWATCH_PREFIX: prefix, DASHBOARD_PORT: '0', LOG_LEVEL: 'silent' };
const USER = 'ops';
const PASSWORD = 'guards-test-password';
const TASK = 'guarded-task-1';

let producer: RegionTaskProducer;
let pollQueue: Queue;
let open: Served;
let openWithAllowList: Served;
let secured: Served;
let securedWithAllowList: Served;
let logs: LogCapture;

beforeAll(async () => {
  producer = new RegionTaskProducer({ connection: url, prefix, initialDelayMs: 600_000 });
  await producer.track(TASK);
  pollQueue = new Queue('regions-poll', { connection: { url }, prefix });
  logs = captureLogs('info');
  open = await serveDashboard({ config: loadConfig(env), logger: logs.logger });
  openWithAllowList = await serveDashboard({ config: loadConfig({ ...env, DASHBOARD_ALLOWED_HOSTS: 'dash.test, pinned.test:4444' }) });
  const auth = { DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD };
  secured = await serveDashboard({ config: loadConfig({ ...env, ...auth }), logger: logs.logger });
  securedWithAllowList = await serveDashboard({ config: loadConfig({ ...env, ...auth, DASHBOARD_ALLOWED_HOSTS: 'dash.example.com' }) });
});
afterAll(async () => {
  await Promise.all([open?.close(), openWithAllowList?.close(), secured?.close(), securedWithAllowList?.close()]);
  await pollQueue?.close();
  await producer?.close();
});
beforeEach(async () => {
  await pollQueue.resume();
});

const port = (served: Served) => new URL(served.base).port;

async function pollJobCount(): Promise<number> {
  return pollQueue.getJobCountByTypes('waiting', 'delayed', 'prioritized');
}

describe('Host allow-list (DNS rebinding), without credentials', () => {
  it('answers localhost, 127.0.0.1 and [::1] with any port', async () => {
    for (const host of [`localhost:${port(open)}`, `127.0.0.1:${port(open)}`, `[::1]:${port(open)}`, 'LOCALHOST:8080', 'localhost']) {
      const response = await rawRequest(open.base, '/queues/api/queues', { headers: { host } });
      expect(response.status, host).toBe(200);
    }
  });

  it('answers nothing to another Host: 421, no data, and a rebinding PUT pauses nothing', async () => {
    for (const path of ['/queues', '/queues/api/queues', `/queues/api/queues/regions-poll/${TASK}`, '/tasks', `/api/tasks/${TASK}`, '/']) {
      const response = await rawRequest(open.base, path, { headers: { host: `attacker.example:${port(open)}` } });
      expect(response.status, path).toBe(421);
      expect(response.body, path).not.toContain(TASK);
      expect(response.body, path).toContain('DASHBOARD_ALLOWED_HOSTS');
    }
    const pause = await rawRequest(open.base, '/queues/api/queues/regions-poll/pause', {
      method: 'PUT',
      headers: { host: `attacker.example:${port(open)}`, origin: `http://attacker.example:${port(open)}`, 'sec-fetch-site': 'same-origin' },
    });
    expect(pause.status).toBe(421);
    expect(await pollQueue.isPaused()).toBe(false);
  });

  it('refuses a request without a Host header, and hosts that only look like loopback', async () => {
    for (const host of ['', 'localhost.attacker.example', '127.0.0.1.nip.io', 'localhost@attacker.example', '[::2]']) {
      const response = await rawRequest(open.base, '/queues/api/queues', { headers: { host } });
      expect(response.status, JSON.stringify(host)).toBe(421);
    }
  });

  it('answers the names in DASHBOARD_ALLOWED_HOSTS (a name with a port only on that port)', async () => {
    expect((await rawRequest(openWithAllowList.base, '/queues/api/queues', { headers: { host: 'dash.test:1234' } })).status).toBe(200);
    expect((await rawRequest(openWithAllowList.base, '/queues/api/queues', { headers: { host: 'pinned.test:4444' } })).status).toBe(200);
    expect((await rawRequest(openWithAllowList.base, '/queues/api/queues', { headers: { host: 'pinned.test:4445' } })).status).toBe(421);
    expect((await rawRequest(openWithAllowList.base, '/queues/api/queues', { headers: { host: 'other.test' } })).status).toBe(421);
  });

  it('lets /healthz answer any Host (probes use the pod address)', async () => {
    expect((await rawRequest(open.base, '/healthz', { headers: { host: '10.1.2.3:3000' } })).status).toBe(200);
  });

  it('logs the refusal without echoing the Host in the page', async () => {
    const host = `evil-${'x'.repeat(300)}.example`;
    const response = await rawRequest(open.base, '/queues', { headers: { host } });
    expect(response.status).toBe(421);
    expect(response.body).not.toContain('evil-');
    const line = logs.lines.find((l) => l.msg === 'request refused: Host is not one this dashboard answers to');
    expect(line).toBeDefined();
    expect(String(line?.host).length).toBeLessThanOrEqual(120);
  });
});

describe('Host allow-list, with credentials', () => {
  it('answers any Host behind basic auth when DASHBOARD_ALLOWED_HOSTS is empty (reverse proxies pick the name)', async () => {
    const anonymous = await rawRequest(secured.base, '/queues/api/queues', { headers: { host: 'dashboard.internal:3000' } });
    expect(anonymous.status).toBe(401);
    const authed = await rawRequest(secured.base, '/queues/api/queues', {
      headers: { host: 'dashboard.internal:3000', ...basic(USER, PASSWORD) },
    });
    expect(authed.status).toBe(200);
  });

  it('enforces a non-empty DASHBOARD_ALLOWED_HOSTS, before asking for credentials', async () => {
    const other = await rawRequest(securedWithAllowList.base, '/queues/api/queues', {
      headers: { host: 'attacker.example', ...basic(USER, PASSWORD) },
    });
    expect(other.status).toBe(421);
    const listed = await rawRequest(securedWithAllowList.base, '/queues/api/queues', {
      headers: { host: 'dash.example.com', ...basic(USER, PASSWORD) },
    });
    expect(listed.status).toBe(200);
    const loopback = await rawRequest(securedWithAllowList.base, '/queues/api/queues', {
      headers: { host: `127.0.0.1:${port(securedWithAllowList)}`, ...basic(USER, PASSWORD) },
    });
    expect(loopback.status).toBe(200); // kubectl port-forward keeps working
  });
});

describe('cross-origin requests (CSRF)', () => {
  const add = (headers: Record<string, string>, served: Served = open) =>
    rawRequest(served.base, '/queues/api/queues/regions-poll/add', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...headers },
      body: JSON.stringify({ name: 'poll', data: { taskId: 'csrf-injected' } }),
    });

  it.each([
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site', origin: 'http://attacker.example' }],
    ['Sec-Fetch-Site: same-site (another port of the same host)', { 'sec-fetch-site': 'same-site', origin: 'http://127.0.0.1:1' }],
    ['an unknown Sec-Fetch-Site value', { 'sec-fetch-site': 'whatever' }],
    ['only a foreign Origin (an older browser)', { origin: 'http://attacker.example' }],
    ['only Origin: null (a sandboxed frame)', { origin: 'null' }],
  ])('refuses a text/plain POST …/add with %s: 403, no job', async (_label, headers) => {
    const before = await pollJobCount();
    const response = await add(headers);
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'CROSS_ORIGIN_REQUEST' } });
    expect(await pollJobCount()).toBe(before);
  });

  it('refuses every mutating method of Bull Board’s API from another origin, with or without credentials', async () => {
    const calls: [string, string, Served, Record<string, string>][] = [
      ['PUT', '/queues/api/queues/regions-poll/pause', open, {}],
      ['PUT', '/queues/api/queues/pause', open, {}],
      ['PUT', `/queues/api/queues/regions-poll/${TASK}/promote`, open, {}],
      ['PATCH', `/queues/api/queues/regions-poll/${TASK}/update-data`, open, {}],
      ['PUT', '/queues/api/queues/regions-poll/pause', secured, basic(USER, PASSWORD)],
      ['POST', '/queues/api/queues/regions-poll/add', secured, basic(USER, PASSWORD)],
      ['DELETE', '/queues/api/queues/regions-poll', open, {}],
    ];
    for (const [method, path, served, auth] of calls) {
      const response = await rawRequest(served.base, path, {
        method,
        headers: { 'sec-fetch-site': 'cross-site', origin: 'http://attacker.example', 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ jobData: { taskId: 'x' } }),
      });
      expect(response.status, `${method} ${path}`).toBe(403);
    }
    expect(await pollQueue.isPaused()).toBe(false);
    expect(await (await pollQueue.getJob(TASK))?.getState()).toBe('delayed');
  });

  it('lets same-origin requests, user-initiated ones and non-browser clients through', async () => {
    const cases: Record<string, string>[] = [
      { 'sec-fetch-site': 'same-origin', origin: open.base },
      { 'sec-fetch-site': 'none' },
      { origin: `http://127.0.0.1:${port(open)}` }, // older browser, same origin
      {}, // curl, scripts
    ];
    for (const headers of cases) {
      const response = await rawRequest(open.base, '/queues/api/queues/regions-poll/pause', { method: 'PUT', headers });
      expect(response.status, JSON.stringify(headers)).toBe(200);
      await pollQueue.resume();
    }
  });

  it('lets safe methods through from anywhere (they change nothing)', async () => {
    const response = await rawRequest(open.base, '/queues/api/queues', { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(response.status).toBe(200);
  });

  it('trusts an Origin named in DASHBOARD_ALLOWED_HOSTS (a proxy that rewrites Host)', async () => {
    const response = await rawRequest(openWithAllowList.base, '/queues/api/queues/regions-poll/pause', {
      method: 'PUT',
      headers: { host: `127.0.0.1:${port(openWithAllowList)}`, origin: 'https://dash.test' },
    });
    expect(response.status).toBe(200);
  });

  it('logs each refusal with the method, path and what the browser said', async () => {
    const response = await add({ 'sec-fetch-site': 'cross-site', origin: 'http://attacker.example', ...basic(USER, PASSWORD) }, secured);
    expect(response.status).toBe(403); // 403, not 401: the credentials were right, the origin was not
    const line = logs.lines.findLast((l) => l.msg === 'request refused: cross-origin request to a mutating route');
    expect(line).toMatchObject({
      method: 'POST',
      path: '/queues/api/queues/regions-poll/add',
      secFetchSite: 'cross-site',
      origin: 'http://attacker.example',
    });
  });
});

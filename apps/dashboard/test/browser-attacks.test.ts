import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '@regionwatch/core';
import { RegionTaskProducer } from '@regionwatch/producer';
import { testRedis } from '@regionwatch/testkit/vitest';
import { Queue } from 'bullmq';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium.js';
import { captureLogs, type LogCapture } from './support/log-capture.js';
import { serveDashboard, type Served } from './support/serve.js';

// Issue 11's proof, in real Chromium: a page on ANOTHER origin (another loopback port) tries to add
// a job and pause a queue — by no-cors fetch, by a form POST, by a CORS PUT — against a dashboard
// without auth and one whose basic credentials the browser has cached; a DNS-rebinding page (a foreign
// name mapped to 127.0.0.1) tries to read and pause. Nothing may change, and the dashboard's logs must
// show it received and refused each attack (so a test passing because the browser never sent the
// request, or sent it without the cached credentials, would fail).
const { url, prefix } = testRedis('attacks');
const env = { REDIS_URL: url, REGIONWATCH_PREFIX: prefix, DASHBOARD_PORT: '0', LOG_LEVEL: 'silent' };
const USER = 'ops';
const PASSWORD = 'attack-test-password';
const TASK = 'attacked-task-1';
const SECRET = 'browser-s3cret-token';
const REBIND_HOST = 'rebind.attacker.test';

let producer: RegionTaskProducer;
let pollQueue: Queue;
let openDashboard: Served;
let authDashboard: Served;
let openLogs: LogCapture;
let authLogs: LogCapture;
let attacker: { base: string; server: Server };
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  producer = new RegionTaskProducer({ connection: url, prefix, initialDelayMs: 600_000 });
  await producer.track(TASK, { webhookUrl: `https://hooks.example.com/in/regions?token=${SECRET}`, metadata: { source: 'attack-test' } });
  pollQueue = new Queue('regions-poll', { connection: { url }, prefix });
  openLogs = captureLogs('info');
  authLogs = captureLogs('info');
  openDashboard = await serveDashboard({ config: loadConfig(env), logger: openLogs.logger });
  authDashboard = await serveDashboard({
    config: loadConfig({ ...env, DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD }),
    logger: authLogs.logger,
  });
  attacker = await startAttackerSite();
  // The rebinding attacker's name resolves to loopback, as after a DNS rebind.
  browser = await launchChromium([
    `--host-resolver-rules=MAP ${REBIND_HOST} 127.0.0.1`,
    // Chromium's own guard for loopback (Private/Local Network Access) would stop the rebinding page
    // before the dashboard sees it; other browsers may lack it, so the dashboard must stand alone: off.
    '--disable-features=' +
      [
        'BlockInsecurePrivateNetworkRequests',
        'PrivateNetworkAccessSendPreflights',
        'PrivateNetworkAccessRespectPreflightResults',
        'LocalNetworkAccessChecks',
      ].join(','),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await new Promise<void>((resolve) => (attacker ? attacker.server.close(() => resolve()) : resolve()));
  attacker?.server.closeAllConnections();
  await Promise.all([openDashboard?.close(), authDashboard?.close()]);
  await pollQueue?.close();
  await producer?.close();
});

afterEach(async () => {
  await pollQueue.resume();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

/** Jobs a forged `add` would create: anything but our one tracked task. */
async function pollJobIds(): Promise<string[]> {
  const jobs = await pollQueue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed']);
  return jobs.map((job) => job.id ?? '').sort();
}

/** Logs in the way a person does (URL credentials answer the 401 challenge) and checks Chromium now sends them unasked. */
async function primeBasicAuth(page: Page): Promise<void> {
  const withCredentials = new URL(authDashboard.base);
  withCredentials.username = USER;
  withCredentials.password = PASSWORD;
  expect((await page.goto(`${withCredentials.href}queues`))?.status()).toBe(200);
  expect((await page.goto(`${authDashboard.base}/queues`))?.status()).toBe(200); // cached: no prompt, no URL credentials
}

/** Runs the attacker's page for `target` and waits until its script says it is done. */
async function runAttack(page: Page, kind: 'fetch' | 'form', target: Served): Promise<string> {
  await page.goto(`${attacker.base}/${kind}?target=${encodeURIComponent(target.base)}`);
  if (kind === 'form') {
    // The form navigates the top-level page to the dashboard's answer.
    await page.waitForURL(`${target.base}/**`);
    return page.content();
  }
  await page.waitForFunction('document.title === "done"');
  return (await page.locator('body').textContent()) ?? '';
}

function refusals(logs: LogCapture, message: string): Record<string, unknown>[] {
  return logs.lines.filter((line) => line.msg === message);
}

const CROSS_ORIGIN = 'request refused: cross-origin request to a mutating route';

describe('a page on another origin, in Chromium', () => {
  for (const [label, dashboard, logs] of [
    ['without basic auth', () => openDashboard, () => openLogs],
    ['with basic auth cached by the browser', () => authDashboard, () => authLogs],
  ] as const) {
    it(`cannot add a job or pause a queue with fetch (${label})`, async () => {
      const page = await newPage();
      if (dashboard() === authDashboard) await primeBasicAuth(page);
      const before = await pollJobIds();
      const refusedBefore = refusals(logs(), CROSS_ORIGIN).length;

      const report = await runAttack(page, 'fetch', dashboard());

      expect(await pollJobIds()).toEqual(before);
      expect(await pollQueue.isPaused()).toBe(false);
      // The no-cors POST reached the dashboard (with the cached credentials: the guard runs after auth)
      // and was refused there; the CORS PUT never got past the browser's preflight.
      const refused = refusals(logs(), CROSS_ORIGIN).slice(refusedBefore);
      expect(refused.map((line) => `${String(line.method)} ${String(line.path)}`)).toContain('POST /queues/api/queues/regions-poll/add');
      expect(refused.every((line) => line.secFetchSite === 'same-site')).toBe(true);
      expect(report).toContain('add: sent');
      expect(report).toMatch(/pause: (refused by the browser|sent)/);
    });

    it(`cannot add a job with a form POST (${label})`, async () => {
      const page = await newPage();
      if (dashboard() === authDashboard) await primeBasicAuth(page);
      const before = await pollJobIds();
      const refusedBefore = refusals(logs(), CROSS_ORIGIN).length;

      const answer = await runAttack(page, 'form', dashboard());

      expect(await pollJobIds()).toEqual(before);
      expect(answer).toContain('CROSS_ORIGIN_REQUEST');
      expect(refusals(logs(), CROSS_ORIGIN).length).toBe(refusedBefore + 1);
    });
  }

  it('while Bull Board’s own UI still pauses the queue (its requests are same-origin, with the cached credentials)', async () => {
    const page = await newPage();
    await primeBasicAuth(page);
    await page.goto(`${authDashboard.base}/queues/queue/regions-poll`);
    await page.locator('button:has(svg.lucide-ellipsis-vertical)').first().click();
    await page.getByRole('menuitem', { name: /Pause/ }).click();
    await page
      .getByRole('button', { name: /^(Pause|Confirm|Yes)/ })
      .last()
      .click();
    await expect.poll(() => pollQueue.isPaused(), { timeout: 15_000 }).toBe(true);
  });
});

describe('a DNS-rebinding page, in Chromium', () => {
  it('gets 421 for the UI: nothing of the queues is served under a foreign name', async () => {
    const page = await newPage();
    const response = await page.goto(`http://${REBIND_HOST}:${new URL(openDashboard.base).port}/queues/queue/regions-poll/${TASK}`);
    expect(response?.status()).toBe(421);
    const text = await page.content();
    expect(text).not.toContain(TASK);
    expect(text).toContain('DASHBOARD_ALLOWED_HOSTS');
  });

  it('can neither read the queues nor pause one from a page on the rebound name', async () => {
    const page = await newPage();
    const origin = `http://${REBIND_HOST}:${new URL(openDashboard.base).port}`;
    // The attacker's page, served while the name still pointed at the attacker; its requests then go to 127.0.0.1.
    await page.route(`${origin}/attack.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: REBIND_PAGE }));
    const refusedBefore = refusals(openLogs, 'request refused: Host is not one this dashboard answers to').length;
    await page.goto(`${origin}/attack.html`);
    await page.waitForFunction('document.title === "done"');
    const report = (await page.locator('body').textContent()) ?? '';
    expect(report).toContain('read: 421');
    expect(report).toContain('pause: 421');
    expect(report).not.toContain(TASK);
    expect(await pollQueue.isPaused()).toBe(false);
    const refused = refusals(openLogs, 'request refused: Host is not one this dashboard answers to').slice(refusedBefore);
    expect(refused.map((line) => line.host)).toContain(`${REBIND_HOST}:${new URL(openDashboard.base).port}`);
  });
});

describe('Bull Board’s job view, in Chromium', () => {
  it('shows the webhook URL redacted, never its token', async () => {
    const page = await newPage();
    await primeBasicAuth(page);
    await page.goto(`${authDashboard.base}/queues/queue/regions-poll/${TASK}`);
    await page.getByText('attack-test').first().waitFor(); // the job's data is rendered
    const text = (await page.locator('body').textContent()) ?? '';
    expect(text).toContain('https://hooks.example.com/in/regions?token=[redacted]');
    expect(text).not.toContain(SECRET);
    // And the API behind the view, which any script on the page could read.
    const api = await page.evaluate(async (path) => (await fetch(path)).text(), `/queues/api/queues/regions-poll/${TASK}`);
    expect(api).not.toContain(SECRET);
  });
});

const REBIND_PAGE = `<!DOCTYPE html><title>running</title><pre id="out"></pre><script>
(async () => {
  const out = [];
  try { const r = await fetch('/queues/api/queues'); out.push('read: ' + r.status + ' ' + (await r.text())); }
  catch (e) { out.push('read: error ' + e); }
  try { const r = await fetch('/queues/api/queues/regions-poll/pause', { method: 'PUT' }); out.push('pause: ' + r.status); }
  catch (e) { out.push('pause: error ' + e); }
  document.getElementById('out').textContent = out.join('\\n');
  document.title = 'done';
})();
</script>`;

/** The attacker's site: another origin (another loopback port), serving the two attack pages. */
async function startAttackerSite(): Promise<{ base: string; server: Server }> {
  const server = createServer((request, response) => {
    const requestUrl = new URL(request.url ?? '/', 'http://attacker');
    const target = requestUrl.searchParams.get('target') ?? '';
    const page = requestUrl.pathname === '/form' ? formPage(target) : requestUrl.pathname === '/fetch' ? fetchPage(target) : undefined;
    if (!page) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function fetchPage(target: string): string {
  return `<!DOCTYPE html><title>running</title><pre id="out"></pre><script>
const target = ${JSON.stringify(target)};
(async () => {
  const out = [];
  // A "simple" request: no preflight, the credentials the browser holds for the target go along.
  try {
    await fetch(target + '/queues/api/queues/regions-poll/add', {
      method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ name: 'poll', data: { taskId: 'csrf-fetch' } }),
    });
    out.push('add: sent');
  } catch (e) { out.push('add: error ' + e); }
  // PUT is not a simple method: Chromium preflights it, and the dashboard grants no CORS.
  try {
    await fetch(target + '/queues/api/queues/regions-poll/pause', { method: 'PUT', credentials: 'include' });
    out.push('pause: sent');
  } catch (e) { out.push('pause: refused by the browser'); }
  document.getElementById('out').textContent = out.join('\\n');
  document.title = 'done';
})();
</script>`;
}

function formPage(target: string): string {
  // text/plain forms can carry a JSON-looking body: name={"name":"poll","data":{"taskId":"csrf-form","x":" and value="}}.
  const action = `${target}/queues/api/queues/regions-poll/add`;
  return `<!DOCTYPE html><title>form</title>
<form id="f" method="POST" enctype="text/plain" action="${action.replace(/"/g, '&quot;')}">
<input type="hidden" name='{"name":"poll","data":{"taskId":"csrf-form","x":"' value='"}}'>
</form><script>document.getElementById('f').submit();</script>`;
}

import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { launchChromium } from './support/chromium.js';
import { serveDashboard, type Served } from './support/serve.js';
import { startWorld, type World } from './support/world.js';

// A real browser over the real UI: Debian's Chromium driven by playwright-core (no browser download).
const OUTPUT = fileURLToPath(new URL('../test-output/', import.meta.url));
const credentials = { username: 'ops', password: 'browser-test-password' };
// Bull Board's action icons (lucide): retry, clean/remove, duplicate (adds a job), queue actions menu.
const MUTATING_ICONS = ['lucide-refresh-cw', 'lucide-trash-2', 'lucide-files', 'lucide-ellipsis-vertical'];
const MUTATING_LABELS = /^(Retry all|Clean all|Promote all|Add job|Pause|Resume|Empty|Obliterate|Retry|Promote|Duplicate)$/;

let world: World;
let readOnly: Served;
let readWrite: Served;
let browser: Browser;
let taskId: string;
// The finished task's webhook URL carries a token: Bull Board's views of the webhook job must redact it.
const WEBHOOK_TOKEN = 'browser-s3cret';
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  mkdirSync(OUTPUT, { recursive: true });
  world = await startWorld('dashboard');
  taskId = await world.trackFinished(
    {
      pendingMs: 100,
      processingMs: 50,
      outcome: {
        status: 'Completed',
        rectangles: [
          [
            [11, 22, 33, 44],
            [55, 66, 77, 88],
            [1, 2, 3, 4],
          ],
        ],
      },
    },
    // The poll job is removed when it completes (task data model v2): what stays of a finished task in
    // Bull Board is its results-queue job and its webhook job (job id = task id in both).
    { metadata: { source: 'browser-test' }, webhookUrl: `${world.sink.url}/ok/browser?token=${WEBHOOK_TOKEN}` },
  );
  const auth = { DASHBOARD_USER: credentials.username, DASHBOARD_PASSWORD: credentials.password };
  readOnly = await serveDashboard({ config: world.dashboardConfig({ ...auth, DASHBOARD_READONLY: 'true' }), connection: world.url });
  readWrite = await serveDashboard({ config: world.dashboardConfig(auth), connection: world.url });
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await Promise.all([readOnly?.close(), readWrite?.close()]);
  await world?.close();
});

/**
 * A page with the Google Fonts stylesheet stubbed (no network here). It records its own CSP
 * violations and script errors, and the test that opened it fails if there were any — each test is
 * judged by its own pages, whatever ran before it.
 */
async function openPage(withCredentials: boolean): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    ...(withCredentials ? { httpCredentials: credentials } : {}),
  });
  contexts.push(context);
  await context.route(/^https:\/\/fonts\.(googleapis|gstatic)\.com\//, (route) =>
    route.fulfill({ status: 200, contentType: 'text/css', body: '' }),
  );
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to (load|execute|apply|connect|create)/i.test(message.text()))
      cspViolations.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  onTestFinished(async () => {
    await page.close(); // events the page sent before closing have all been delivered by now
    expect(cspViolations, 'CSP violations').toEqual([]);
    expect(pageErrors, 'script errors').toEqual([]);
  });
  return page;
}

async function mutatingControls(page: Page): Promise<string[]> {
  const found: string[] = [];
  for (const icon of MUTATING_ICONS) if ((await page.locator(`button:has(svg.${icon})`).count()) > 0) found.push(icon);
  const labelled = await page.getByRole('button', { name: MUTATING_LABELS }).allTextContents();
  return [...found, ...labelled];
}

describe('dashboard in a real browser (every page checked for CSP violations and script errors)', () => {
  it('asks for credentials: 401 without them', async () => {
    const page = await openPage(false);
    const challenged = page.waitForResponse((response) => response.url() === `${readOnly.base}/queues`);
    // With no credentials to offer, Chromium gives up on the challenge instead of rendering the 401 page.
    await expect(page.goto(`${readOnly.base}/queues`)).rejects.toThrow(/ERR_INVALID_AUTH_CREDENTIALS/);
    const response = await challenged;
    expect(response.status()).toBe(401);
    expect(await response.headerValue('www-authenticate')).toBe('Basic realm="regionwatch"');
    // The same from the browser context's own HTTP client, for the API under the board too.
    const api = await page.context().request.get(`${readOnly.base}/queues/api/queues`);
    expect(api.status()).toBe(401);
  });

  it('renders the three queues in Bull Board’s UI', async () => {
    const page = await openPage(true);
    const response = await page.goto(`${readOnly.base}/queues`);
    expect(response?.status()).toBe(200);
    for (const name of ['regions-poll', 'regions-results', 'regions-webhooks']) {
      await expect.poll(() => page.getByRole('link', { name, exact: true }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    }
    await page.getByText('regionwatch', { exact: true }).first().waitFor();
    await page.screenshot({ path: `${OUTPUT}dashboard-overview.png`, fullPage: true });
    // uiConfig.miscLinks: the header menu leads to the task lookup.
    await page.locator('button:has(svg.lucide-circle-user)').click();
    await page.getByText('Task lookup', { exact: true }).click();
    await page.waitForURL('**/tasks');
    await page.getByLabel('Aspose task id').waitFor();
  });

  it('shows the finished task’s delivered webhook in the completed list, with no mutating controls (read-only)', async () => {
    const page = await openPage(true);
    await page.goto(`${readOnly.base}/queues/queue/regions-webhooks?status=completed`);
    await page.getByText(taskId, { exact: true }).first().waitFor();
    expect(await page.locator(`a[href*="${taskId}"]`).count()).toBeGreaterThan(0);
    expect(await mutatingControls(page)).toEqual([]);
    expect((await page.locator('body').textContent()) ?? '').not.toContain(WEBHOOK_TOKEN);
    await page.screenshot({ path: `${OUTPUT}dashboard-readonly-completed.png`, fullPage: true });

    await page.goto(`${readOnly.base}/queues/queue/regions-webhooks/${taskId}`);
    await page.getByText(taskId, { exact: true }).first().waitFor();
    const bodyText = async () => (await page.locator('body').textContent()) ?? '';
    // The job's data holds the webhook URL: it is rendered, redacted, never with its token (nor in the API behind the view).
    await expect.poll(bodyText, { timeout: 15_000 }).toContain(`${world.sink.url}/ok/browser?token=[redacted]`);
    expect(await bodyText()).not.toContain(WEBHOOK_TOKEN);
    expect(await mutatingControls(page)).toEqual([]);
    const api = await page.evaluate(async (path) => (await fetch(path)).text(), `/queues/api/queues/regions-webhooks/${taskId}`);
    expect(api).toContain(taskId);
    expect(api).not.toContain(WEBHOOK_TOKEN);
  });

  it('does show those controls when not read-only (so the check above means something)', async () => {
    const page = await openPage(true);
    await page.goto(`${readWrite.base}/queues/queue/regions-webhooks?status=completed`);
    await page.getByText(taskId, { exact: true }).first().waitFor();
    const controls = await mutatingControls(page);
    expect(controls).toEqual(expect.arrayContaining(['lucide-refresh-cw', 'lucide-trash-2', 'Retry all', 'Clean all']));
  });

  it('looks the task up from the form and shows its status and regions', async () => {
    const page = await openPage(true);
    await page.goto(`${readOnly.base}/tasks`);
    await page.getByLabel('Aspose task id').fill(taskId);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.waitForURL(`**/tasks/${taskId}`);
    await expect.poll(() => page.locator('#result-status').textContent()).toBe('Completed');
    expect(await page.locator('#regions tr').count()).toBe(4); // header + 3 rectangles
    expect(await page.locator('#regions').textContent()).toContain('55667788');
    expect(await page.locator('#poll .state').first().textContent()).toBe('completed');
    await page.screenshot({ path: `${OUTPUT}task-lookup.png`, fullPage: true });

    // The page links into Bull Board's job view of the task's results-queue job (the poll job is gone once
    // it completes), and that view loads behind the same credentials.
    await page.locator(`a[href="/queues/queue/regions-results/${taskId}"]`).first().click();
    await page.waitForURL(`**/queues/queue/regions-results/${taskId}`);
    await page.getByText(taskId, { exact: true }).first().waitFor();
    await page.getByText('browser-test').first().waitFor(); // the results job's data: the result, with its metadata
  });
});

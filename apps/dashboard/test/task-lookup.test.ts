import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskView } from '../src/index.js';
import { serveDashboard, type Served } from './support/serve.js';
import { startWorld, type World } from './support/world.js';

let world: World;
let dashboard: Served;
let completedId: string;
let deadLetterId: string;
let pendingId: string;
let trackedAt: number;
const RECTANGLES = [
  [10, 20, 30, 40],
  [50, 60, 70, 80],
];

beforeAll(async () => {
  world = await startWorld('dashboard');
  trackedAt = Date.now();
  [completedId, deadLetterId, pendingId] = await Promise.all([
    world.trackFinished(
      // Pending for its first 3 GETs, then Completed: counted in polls, not time (a clock-driven Pending
      // phase can be over before the first poll on a loaded machine: 1 poll, no Pending in the history).
      { notReadyPolls: 3, outcome: { status: 'Completed', rectangles: [RECTANGLES], warnings: ['low contrast'] } },
      {
        metadata: { customer: '<script>alert(1)</script>', order: 'A&B "quoted"' },
        webhookUrl: `${world.sink.url}/ok/regions?token=s3cret#fragment`,
      },
    ),
    world.trackFinished(
      { pendingMs: 0, processingMs: 0, outcome: { status: 'Error', messages: ['image <unreadable>'] } },
      { webhookUrl: `${world.sink.url}/fail` },
    ),
    world.track({ pendingMs: 600_000 }),
  ]);
  dashboard = await serveDashboard({ config: world.dashboardConfig(), connection: world.url });
}, 60_000);
afterAll(async () => {
  await dashboard?.close();
  await world?.close();
});

async function taskJson(id: string): Promise<TaskView> {
  const response = await fetch(`${dashboard.base}/api/tasks/${encodeURIComponent(id)}`);
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toBe('no-store');
  return (await response.json()) as TaskView;
}

/**
 * How long the pending task may take to reach its second poll (1.1 s after the first when idle): a bound for
 * a worker that never polls, not a speed limit; a worker on a machine at load 15 needs seconds to start.
 */
const POLLING_LIMIT_MS = 60_000;

describe('task lookup (JSON)', () => {
  it('shows a finished task end to end: polls, result, results queue, webhook receipt', async () => {
    const view = await taskJson(completedId);
    expect(view.taskId).toBe(completedId);
    expect(view.poll).toMatchObject({
      queue: 'regions-poll',
      jobId: completedId,
      state: 'completed',
      // Its poll job was removed when it completed (the view comes from the task record): no dead link.
      boardPath: null,
      metadata: { customer: '<script>alert(1)</script>', order: 'A&B "quoted"' },
      // Query values and the fragment redacted (core's redactUrl): the token never reaches the page.
      webhookUrl: `${world.sink.url}/ok/regions?token=[redacted]#[redacted]`,
      dataProblem: null,
    });
    expect(view.poll?.progress.polls).toBeGreaterThanOrEqual(2);
    expect(view.poll?.progress.history.map((h) => h.status)).toContain('Pending');
    expect(view.poll?.submittedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(view.result).toMatchObject({
      taskId: completedId,
      status: 'Completed',
      regions: RECTANGLES.map(([left, top, right, bottom]) => ({ left, top, right, bottom })),
      warnings: ['low contrast'],
      errors: [],
    });
    expect(view.resultsQueue).toMatchObject({
      enabled: true,
      name: 'regions-results',
      job: { state: 'waiting', boardPath: `/queues/queue/regions-results/${completedId}` },
    });
    expect(view.webhook).toMatchObject({
      state: 'completed',
      url: `${world.sink.url}/ok/regions?token=[redacted]#[redacted]`,
      eventType: 'regions.completed',
      deadLetter: false,
      attemptsMade: 1,
      receipt: { statusCode: 204, attempt: 1 },
      boardPath: `/queues/queue/regions-webhooks/${completedId}`,
    });
    expect(JSON.stringify(view)).not.toContain('s3cret');
  });

  it('shows a dead-lettered webhook delivery', async () => {
    const view = await taskJson(deadLetterId);
    expect(view.result).toMatchObject({ status: 'Error', errors: ['image <unreadable>'], regions: [] });
    expect(view.webhook).toMatchObject({
      state: 'failed',
      deadLetter: true,
      maxAttempts: 2, // WEBHOOK_MAX_ATTEMPTS=2, the older form of the retry schedule
      eventType: 'regions.failed',
      receipt: null,
      delivery: {
        endpoint: new URL(world.sink.url).origin,
        attempts: 2,
        lastResult: 'HTTP 500',
        held: null,
        nextAttemptAt: null,
        ended: { reason: 'exhausted' },
      },
    });
    expect(view.webhook?.failedReason).toMatch(/500/);
  });

  it(
    'shows a task still being polled: its state, polls so far and next poll time',
    async () => {
      const view = await world.waitFor(
        'a few polls of the pending task',
        async () => {
          const current = await taskJson(pendingId);
          return (current.poll?.progress.polls ?? 0) >= 2 ? current : undefined;
        },
        POLLING_LIMIT_MS,
      );
      expect(['delayed', 'active', 'waiting']).toContain(view.poll?.state);
      expect(view.poll?.progress.lastStatus).toBe('Pending');
      expect(view.poll?.progress.history).toEqual([{ status: 'Pending', count: expect.any(Number) as number }]);
      expect(view.result).toBeNull();
      expect(view.resultsQueue.job).toBeNull();
      expect(view.webhook).toBeNull();
      const polling = await world.waitFor(
        'a delayed snapshot',
        async () => {
          const current = await taskJson(pendingId);
          return current.poll?.state === 'delayed' ? current : undefined;
        },
        POLLING_LIMIT_MS,
      );
      // The next poll was planned by a poll after tracking, for a time after that poll.
      expect(Date.parse(polling.poll?.progress.nextPollAt ?? '')).toBeGreaterThan(trackedAt);
    },
    2 * POLLING_LIMIT_MS + 10_000,
  );

  it('answers 404 for an id no queue knows, 400 for one that cannot be a task id', async () => {
    const unknown = await fetch(`${dashboard.base}/api/tasks/00000000-0000-4000-8000-000000000000`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'TASK_NOT_FOUND' } });
    for (const bad of ['has%20space', '12345', '-leading-dash', 'a'.repeat(129), 'semi%3Acolon']) {
      const response = await fetch(`${dashboard.base}/api/tasks/${bad}`);
      expect(response.status, bad).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'TASK_ID_INVALID' } });
    }
  });
});

describe('task lookup (HTML)', () => {
  it('renders the finished task, escaping data from other services', async () => {
    const response = await fetch(`${dashboard.base}/tasks/${completedId}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await response.text();
    expect(page).toContain(`Task ${completedId}`);
    expect(page).toContain('id="result-status">Completed<');
    expect(page).toMatch(/<td>1<\/td><td>10<\/td><td>20<\/td><td>30<\/td><td>40<\/td>/);
    expect(page).toContain('low contrast');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('A&amp;B &quot;quoted&quot;');
    expect(page).not.toContain(`href="/queues/queue/regions-poll/${completedId}"`); // removed on completion: it would 404
    expect(page).toContain('shown from the task record');
    expect(page).toContain(`href="/queues/queue/regions-results/${completedId}"`);
    expect(page).toContain(`href="/queues/queue/regions-webhooks/${completedId}"`);
    expect(page).toContain('HTTP 204 on attempt 1');
    expect(page).not.toContain('s3cret');
  });

  it('flags a dead letter and escapes Aspose error texts', async () => {
    const page = await (await fetch(`${dashboard.base}/tasks/${deadLetterId}`)).text();
    expect(page).toContain('id="dead-letter"');
    expect(page).toContain(`npm run replay -- ${deadLetterId}`);
    expect(page).toContain('image &lt;unreadable&gt;');
    expect(page).toContain('2 of 2 planned');
    expect(page).toMatch(/exhausted at \d{4}-/);
  });

  it('has a lookup form that redirects to the task, and refuses bad ids', async () => {
    const form = await fetch(`${dashboard.base}/tasks`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('Aspose task id');
    const found = await fetch(`${dashboard.base}/tasks?taskId=${encodeURIComponent(` ${completedId} `)}`, { redirect: 'manual' });
    expect(found.status).toBe(303);
    expect(found.headers.get('location')).toBe(`/tasks/${completedId}`);
    const bad = await fetch(`${dashboard.base}/tasks?taskId=${encodeURIComponent('<b>x</b>')}`);
    expect(bad.status).toBe(400);
    const badPage = await bad.text();
    expect(badPage).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(badPage).not.toContain('<b>x</b>');
  });

  it('renders 404 and 400 pages', async () => {
    const unknown = await fetch(`${dashboard.base}/tasks/never-tracked-id`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('Not found');
    const bad = await fetch(`${dashboard.base}/tasks/${encodeURIComponent('<img src=x>')}`);
    expect(bad.status).toBe(400);
    const page = await bad.text();
    expect(page).toContain('&lt;img src=x&gt;');
    expect(page).not.toContain('<img src=x>');
  });
});

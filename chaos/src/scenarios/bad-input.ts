import { JOB_NAMES } from '@regionwatch/core';
import { encodeRectangles } from '@regionwatch/simulator';
import { checkInvariant } from '../invariant.js';
import { waitUntil, type ChaosSize, type ScenarioReport } from '../scenario.js';
import { scriptTasks, type Expected } from '../scripted-tasks.js';
import { ChaosWorld } from '../world.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** PollJobs another language might write wrongly; each must fail alone, with a clear reason. */
const BAD_POLL_JOBS: [string, unknown][] = [
  ['bad-number-id', { taskId: 42 }],
  ['bad-metadata-type', { taskId: 'bad-meta', metadata: { n: 1 } }],
  ['bad-date', { taskId: 'bad-date', submittedAt: 'yesterday' }],
  ['bad-snake-case', { task_id: 'snake' }],
  ['bad-string', 'just a string'],
  ['bad-long-id', { taskId: 'x'.repeat(200) }],
  ['bad-js-url', { taskId: 'bad-url', webhookUrl: 'javascript:alert(1)' }],
  ['bad-huge-metadata', { taskId: 'bad-big', metadata: { big: 'x'.repeat(20_000) } }],
  ['bad-array', [1, 2, 3]],
];

/** Answers Aspose might give that regionwatch must turn into `Malformed` results, not crashes. */
function badAnswers(size: ChaosSize): { label: string; script: Parameters<ChaosWorld['simulator']['createTask']>[0] }[] {
  const rawCompleted = (data: string) => ({
    pendingMs: 0,
    processingMs: 0,
    outcome: { status: 'Completed' as const, rawResults: [{ type: 'Other', data }] },
  });
  return [
    { label: 'html-page', script: { rawBody: '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>' } },
    { label: 'unknown-status', script: { rawBody: '{"taskStatus":"Exploded","results":[]}' } },
    { label: 'missing-status', script: { rawBody: '{"id":"x","results":[]}' } },
    { label: 'wrong-types', script: { rawBody: '{"taskStatus":"Completed","results":"all of them"}' } },
    {
      label: 'huge-body',
      script: { rawBody: `{"taskStatus":"Pending","pad":"${'x'.repeat(size === 'full' ? 10 * 1024 * 1024 : 5 * 1024 * 1024)}"}` },
    },
    { label: 'not-base64', script: rawCompleted('%%%not base64%%%') },
    { label: 'not-rectangles', script: rawCompleted(b64('{"regions":[1,2,3,4]}')) },
    { label: 'negative', script: rawCompleted(b64('[[-1, 0, 10, 10]]')) },
    { label: 'float', script: rawCompleted(b64('[[0.5, 0, 10, 10]]')) },
    { label: 'huge-number', script: rawCompleted(b64('[[0, 0, 1e400, 10]]')) },
    { label: 'x2-before-x1', script: rawCompleted(b64('[[10, 0, 5, 10]]')) },
    {
      label: 'one-good-one-bad',
      script: {
        pendingMs: 0,
        processingMs: 0,
        outcome: {
          status: 'Completed',
          rawResults: [
            { type: 'Other', data: encodeRectangles([[1, 2, 3, 4]]) },
            { type: 'Other', data: null },
          ],
        },
      },
    },
  ];
}

/**
 * 5. Bad input through the worker's doors, mixed with good work: PollJobs written wrongly by other
 * languages fail one by one with a clear reason; every bad Aspose answer ends its task `Malformed`;
 * the good tasks all complete; no replica crashes.
 */
export async function badInput(size: ChaosSize): Promise<ScenarioReport> {
  const started = Date.now();
  // Unreadable answers end a task only after ASPOSE_INVALID_GRACE_MS of them (15 min by default): a second here.
  const world = await ChaosWorld.create({
    env: { POLL_INITIAL_DELAY_MS: '50', POLL_MAX_DELAY_MS: '200', ASPOSE_INVALID_GRACE_MS: '1000' },
  });
  try {
    const good = scriptTasks(world.simulator, 'good', size === 'full' ? 1_000 : 100, 2_000);
    const bad: Expected[] = badAnswers(size).map(({ label, script }) => {
      const taskId = world.simulator.createTask({ id: `bad-answer-${label}`, ...script });
      return { taskId, status: 'Malformed', regions: [] };
    });
    await Promise.all([world.startWorker(), world.startWorker()]);
    await world.producer.trackMany([...good, ...bad].map((e) => e.taskId));
    for (const [jobId, data] of BAD_POLL_JOBS) await world.pollQueue.add(JOB_NAMES.poll, data, { jobId });

    const expected = [...good, ...bad];
    await waitUntil(
      async () =>
        (await world.resultsQueue.count()) >= expected.length &&
        world.receiver.accepted.size >= expected.length &&
        (await world.pollQueue.getFailedCount()) >= BAD_POLL_JOBS.length,
      60_000,
    );
    const reasons = await Promise.all(BAD_POLL_JOBS.map(async ([jobId]) => (await world.pollQueue.getJob(jobId))?.failedReason ?? ''));
    const clearReasons = reasons.every((reason) => reason.startsWith('invalid PollJob data ('));
    const replicasAlive = world.live().length === 2;
    const exitCodes = await world.drain();
    const report = await checkInvariant(world, expected, { expectedFailedPollJobs: BAD_POLL_JOBS.length });
    return {
      name: 'bad input',
      size,
      ...report,
      ok: report.ok && clearReasons && replicasAlive && exitCodes.every((c) => c === 0),
      wallSeconds: (Date.now() - started) / 1000,
      notes: {
        goodTasks: good.length,
        badAnswers: bad.length,
        badPollJobs: BAD_POLL_JOBS.length,
        badPollJobsFailedClearly: clearReasons,
        replicasAlive,
      },
    };
  } finally {
    await world.close();
  }
}

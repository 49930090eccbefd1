import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type OCRResponse, type Simulator } from '../src/index.js';
import { fetchToken, getJson, getStatus, manualClock, submit } from './helpers.js';

const notExist = (id: string): OCRResponse => ({
  id,
  responseStatusCode: 'TaskNotFound',
  taskStatus: 'NotExist',
  results: [],
  error: { messages: ['Task not found'], warnings: [] },
});

describe('NotExist', () => {
  let sim: Simulator;
  afterEach(() => sim.close());

  it('for an unknown id, with 200', async () => {
    sim = await startSimulator();
    const token = await fetchToken(sim);
    expect(await getJson(sim, token, 'no-such-task')).toEqual(notExist('no-such-task'));
    expect(await (await getStatus(sim, token, 'no-such-task')).json()).toEqual({ ...notExist('no-such-task'), results: null });
    expect(sim.taskState('no-such-task')).toBeUndefined();
  });

  it('for a task scripted as NotExist, from the start', async () => {
    const clock = manualClock();
    sim = await startSimulator({ now: clock.now });
    const token = await fetchToken(sim);
    const id = sim.createTask({ outcome: { status: 'NotExist' } });
    expect(await getJson(sim, token, id)).toEqual(notExist(id));
    expect(sim.taskState(id)).toEqual({ status: 'NotExist', terminalAt: clock.now(), polls: 1, kind: null });
  });

  it('once the task is older than the retention', async () => {
    const clock = manualClock();
    sim = await startSimulator({ now: clock.now, pendingMs: 10, processingMs: 10 });
    const token = await fetchToken(sim);
    const id = await (await submit(sim, token)).text();
    clock.advance(24 * 60 * 60 * 1000 - 1);
    const fresh = await fetchToken(sim); // the first one expired after an hour
    expect((await getJson(sim, fresh, id)).taskStatus).toBe('Completed');
    clock.advance(1);
    expect(await getJson(sim, fresh, id)).toEqual(notExist(id));
  });

  it('honours a custom retention', async () => {
    const clock = manualClock();
    sim = await startSimulator({ now: clock.now, retentionMs: 1000, pendingMs: 0, processingMs: 0 });
    const token = await fetchToken(sim);
    const id = sim.createTask();
    clock.advance(1000);
    expect((await getJson(sim, token, id)).taskStatus).toBe('NotExist');
  });

  it('after DELETE (cancel)', async () => {
    const clock = manualClock();
    sim = await startSimulator({ now: clock.now, pendingMs: 100, processingMs: 100 });
    const token = await fetchToken(sim);
    const id = await (await submit(sim, token)).text();
    clock.advance(50);
    const res = await fetch(`${sim.url}/v5.0/ocr/DetectRegions?id=${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expect(await getJson(sim, token, id)).toEqual(notExist(id));
    // A cancel before the task finished is when it ended.
    expect(sim.taskState(id)).toMatchObject({ status: 'NotExist', terminalAt: clock.now() });
    const unknown = await fetch(`${sim.url}/v5.0/ocr/DetectRegions?id=never-existed`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(unknown.status).toBe(200);
    expect(sim.counters().cancel).toBe(2);
  });
});

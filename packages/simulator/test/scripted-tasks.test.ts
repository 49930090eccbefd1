import { afterEach, describe, expect, it } from 'vitest';
import { encodeRectangles, InvalidTaskScriptError, startSimulator, type Simulator, type TaskScript } from '../src/index.js';
import { decodeRectangles, fetchToken, getJson, getRegions, getStatus, manualClock } from './helpers.js';

describe('encodeRectangles', () => {
  it('encodes rectangles exactly like Aspose', () => {
    expect(encodeRectangles([[0, 8, 697, 441]])).toBe('W1swLCA4LCA2OTcsIDQ0MV1d');
    expect(
      Buffer.from(
        encodeRectangles([
          [1, 2, 3, 4],
          [5, 6, 7, 8],
        ]),
        'base64',
      ).toString(),
    ).toBe('[[1, 2, 3, 4], [5, 6, 7, 8]]');
    expect(Buffer.from(encodeRectangles([]), 'base64').toString()).toBe('[]');
  });
});

describe('scripted tasks', () => {
  let sim: Simulator;
  afterEach(() => sim.close());

  it('Completed with given rectangles and warnings', async () => {
    sim = await startSimulator({ pendingMs: 0, processingMs: 0 });
    const token = await fetchToken(sim);
    const id = sim.createTask({ outcome: { status: 'Completed', rectangles: [[[0, 8, 697, 441]]], warnings: ['Low resolution image'] } });
    expect(await getJson(sim, token, id)).toEqual({
      id,
      responseStatusCode: 'Ok',
      taskStatus: 'Completed',
      results: [{ type: 'Other', data: 'W1swLCA4LCA2OTcsIDQ0MV1d' }],
      error: { messages: [], warnings: ['Low resolution image'] },
    });
  });

  it('several result items and a custom responseStatusCode', async () => {
    sim = await startSimulator({ pendingMs: 0, processingMs: 0 });
    const token = await fetchToken(sim);
    const rectangles = [
      [[1, 2, 3, 4]],
      [
        [10, 20, 30, 40],
        [50, 60, 70, 80],
      ],
      [],
    ];
    const id = sim.createTask({ id: 'multi', outcome: { status: 'Completed', rectangles, responseStatusCode: 'PartiallyNotFound' } });
    expect(id).toBe('multi');
    const body = await getJson(sim, token, id);
    expect(body.responseStatusCode).toBe('PartiallyNotFound');
    expect(body.results?.map((item) => decodeRectangles(item.data))).toEqual(rectangles);
  });

  it('Error with messages', async () => {
    sim = await startSimulator({ pendingMs: 0, processingMs: 0 });
    const token = await fetchToken(sim);
    const id = sim.createTask({ outcome: { status: 'Error', messages: ['Image is corrupted'], warnings: ['w'] } });
    expect(await getJson(sim, token, id)).toEqual({
      id,
      responseStatusCode: 'Error',
      taskStatus: 'Error',
      results: [],
      error: { messages: ['Image is corrupted'], warnings: ['w'] },
    });
    expect(sim.taskState(id)?.status).toBe('Error');
  });

  it('per-task timings override the defaults', async () => {
    const clock = manualClock();
    sim = await startSimulator({ now: clock.now, pendingMs: 10_000, processingMs: 10_000 });
    const token = await fetchToken(sim);
    const id = sim.createTask({ pendingMs: 5, processingMs: 5 });
    expect(sim.taskState(id)).toEqual({ status: 'Pending', terminalAt: clock.now() + 10, polls: 0, kind: null });
    clock.advance(5);
    expect((await getJson(sim, token, id)).taskStatus).toBe('Processing');
    clock.advance(5);
    expect((await getJson(sim, token, id)).taskStatus).toBe('Completed');
  });

  it('rawResults are sent verbatim', async () => {
    sim = await startSimulator({ pendingMs: 0, processingMs: 0 });
    const token = await fetchToken(sim);
    const rawResults = [
      { type: 'Other', data: '***not base64***' },
      { type: 'Other', data: Buffer.from('{"not":"rectangles"}').toString('base64') },
      { type: null, data: null },
    ];
    const id = sim.createTask({ outcome: { status: 'Completed', rawResults } });
    expect((await getJson(sim, token, id)).results).toEqual(rawResults);
  });

  it('rawBody replaces the whole GET answer', async () => {
    sim = await startSimulator();
    const token = await fetchToken(sim);
    const id = sim.createTask({ rawBody: '{"taskStatus":"Exploded"}' });
    for (const res of [await getRegions(sim, token, id), await getStatus(sim, token, id)]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.text()).toBe('{"taskStatus":"Exploded"}');
    }
    expect(sim.taskState(id)?.polls).toBe(2);
  });

  it('rejects invalid scripts and duplicate ids', async () => {
    sim = await startSimulator();
    sim.createTask({ id: 'taken' });
    expect(() => sim.createTask({ id: 'taken' })).toThrow(InvalidTaskScriptError);
    const bad: unknown[] = [
      { outcome: { status: 'Exploded' } },
      { outcome: { status: 'Error' } },
      { outcome: { status: 'Completed', rectangles: [[1, 2, 3, 4]] } },
      { outcome: { status: 'Completed', rectangles: [], rawResults: [] } },
      { pendingMs: -1 },
      { typo: true },
    ];
    for (const script of bad) expect(() => sim.createTask(script as TaskScript), JSON.stringify(script)).toThrow(InvalidTaskScriptError);
  });

  it('draws POSTed outcomes from the configured mix', async () => {
    sim = await startSimulator({ outcomes: { Error: 1 }, pendingMs: 0, processingMs: 0 });
    const token = await fetchToken(sim);
    const id = sim.createTask();
    const body = await getJson(sim, token, id);
    expect(body).toMatchObject({ taskStatus: 'Error', responseStatusCode: 'Error', results: [] });
    expect(body.error?.messages?.length).toBeGreaterThan(0);

    await sim.close();
    sim = await startSimulator({ outcomes: { Completed: 0.5, Error: 0.3, NotExist: 0.2 }, pendingMs: 0, processingMs: 0 });
    const seen = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const status = sim.taskState(sim.createTask())?.status ?? 'missing';
      seen.set(status, (seen.get(status) ?? 0) + 1);
    }
    expect(seen.get('Completed')).toBeGreaterThan(420);
    expect(seen.get('Error')).toBeGreaterThan(230);
    expect(seen.get('NotExist')).toBeGreaterThan(140);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { PAGE_HEIGHT, PAGE_WIDTH, startSimulator, type OCRResponse, type Simulator } from '../src/index.js';
import { TINY_PNG, decodeRectangles, fetchToken, getJson, getStatus, manualClock, sleep, submit } from './helpers.js';

describe('DetectRegions task lifecycle', () => {
  let sim: Simulator;
  afterEach(() => sim.close());

  it('submit → Pending → Processing → Completed with decodable rectangles', async () => {
    const clock = manualClock();
    sim = await startSimulator({ now: clock.now, pendingMs: 20, processingMs: 30 });
    const token = await fetchToken(sim);

    const res = await submit(sim, token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const id = await res.text();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    expect(await getJson(sim, token, id)).toEqual({ id, responseStatusCode: 'NotReady', taskStatus: 'Pending', results: [], error: null });
    clock.advance(20);
    expect(await getJson(sim, token, id)).toMatchObject({ taskStatus: 'Processing', responseStatusCode: 'NotReady', results: [] });
    clock.advance(29);
    expect((await getJson(sim, token, id)).taskStatus).toBe('Processing');
    clock.advance(1);

    const done: OCRResponse = await getJson(sim, token, id);
    expect(done).toMatchObject({ id, responseStatusCode: 'Ok', taskStatus: 'Completed', error: null });
    expect(done.results).toHaveLength(1);
    const item = done.results?.[0];
    expect(item?.type).toBe('Other');
    const rects = decodeRectangles(item?.data ?? null);
    expect(rects.length).toBeGreaterThanOrEqual(1);
    expect(rects.length).toBeLessThanOrEqual(6);
    for (const [x1 = -1, y1 = -1, x2 = -1, y2 = -1, ...rest] of rects) {
      expect(rest).toEqual([]);
      for (const n of [x1, y1, x2, y2]) expect(Number.isInteger(n) && n >= 0).toBe(true);
      expect(x1).toBeLessThanOrEqual(x2);
      expect(y1).toBeLessThanOrEqual(y2);
      expect(x2).toBeLessThan(PAGE_WIDTH);
      expect(y2).toBeLessThan(PAGE_HEIGHT);
    }
    // Aspose's exact text form: ", " between numbers and between rectangles.
    expect(Buffer.from(item?.data ?? '', 'base64').toString()).toBe(`[${rects.map((r) => `[${r.join(', ')}]`).join(', ')}]`);

    expect(sim.taskState(id)).toEqual({ status: 'Completed', terminalAt: clock.now(), polls: 4, kind: null });
  });

  it('moves on real time with the default clock', async () => {
    sim = await startSimulator({ pendingMs: 20, processingMs: 20 });
    const token = await fetchToken(sim);
    // The task's clock started somewhere between these two readings of the real clock.
    const before = Date.now();
    const id = await (await submit(sim, token)).text();
    const after = Date.now();
    const terminalAt = sim.taskState(id)?.terminalAt ?? Number.NaN;
    expect(terminalAt).toBeGreaterThanOrEqual(before + 40);
    expect(terminalAt).toBeLessThanOrEqual(after + 40);
    // However late this process gets here, once the real clock has passed terminalAt the task is done.
    while (Date.now() < terminalAt) await sleep(terminalAt - Date.now() + 1);
    expect((await getJson(sim, token, id)).taskStatus).toBe('Completed');
  });

  it('GetTaskStatus reports the status without results', async () => {
    const clock = manualClock();
    sim = await startSimulator({ now: clock.now, pendingMs: 10, processingMs: 10 });
    const token = await fetchToken(sim);
    const id = await (await submit(sim, token)).text();
    const pending = await getStatus(sim, token, id);
    expect(pending.status).toBe(200);
    expect(await pending.json()).toEqual({ id, responseStatusCode: 'NotReady', taskStatus: 'Pending', results: null, error: null });
    clock.advance(20);
    expect(await (await getStatus(sim, token, id)).json()).toEqual({
      id,
      responseStatusCode: 'Ok',
      taskStatus: 'Completed',
      results: null,
      error: null,
    });
    expect(sim.counters()).toMatchObject({ status: 2, get: 0 });
  });

  it('rejects a missing, empty or non-base64 image with a 400 ProblemDetails', async () => {
    sim = await startSimulator();
    const token = await fetchToken(sim);
    for (const body of [{}, { image: '' }, { image: 'not base64!' }, { image: 'abc' }, 'not json', '[]']) {
      const res = await submit(sim, token, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.json()).toMatchObject({ status: 400, errors: expect.any(Object) });
    }
    const noJson = await fetch(`${sim.url}/v5.0/ocr/DetectRegions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
      body: TINY_PNG,
    });
    expect(noJson.status).toBe(415);
  });

  it('answers 400 when the id query parameter is missing', async () => {
    sim = await startSimulator();
    const token = await fetchToken(sim);
    for (const path of ['/v5.0/ocr/DetectRegions', '/v5.0/ocr/DetectRegions?id=', '/v5.0/ocr/Utilities/GetTaskStatus']) {
      const res = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status, path).toBe(400);
      expect(await res.json()).toMatchObject({ errors: { id: expect.any(Array) } });
    }
    const cancel = await fetch(`${sim.url}/v5.0/ocr/DetectRegions`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(cancel.status).toBe(400);
  });

  it('answers 404 for unknown paths and 405 for wrong methods', async () => {
    sim = await startSimulator();
    const token = await fetchToken(sim);
    const unknown = await fetch(`${sim.url}/v5.0/ocr/RecognizeImage`, { headers: { authorization: `Bearer ${token}` } });
    expect(unknown.status).toBe(404);
    const root = await fetch(sim.url);
    expect(root.status).toBe(404);
    const put = await fetch(`${sim.url}/v5.0/ocr/DetectRegions?id=x`, { method: 'PUT', headers: { authorization: `Bearer ${token}` } });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('POST, GET, DELETE');
    // ASP.NET routing ignores case, so real clients get away with it.
    const lower = await fetch(`${sim.url}/v5.0/ocr/detectregions?id=x`, { headers: { authorization: `Bearer ${token}` } });
    expect(lower.status).toBe(200);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { fetchToken, getRegions, getStatus, manualClock, submit } from './helpers.js';

describe('counters and request log', () => {
  let sim: Simulator;
  afterEach(() => sim.close());

  it('counts every Aspose request per endpoint and logs it in arrival order', async () => {
    const clock = manualClock();
    sim = await startSimulator({ now: clock.now });
    const token = await fetchToken(sim);
    clock.advance(10);
    const id = await (await submit(sim, token)).text();
    clock.advance(10);
    await getRegions(sim, token, id);
    await getRegions(sim, 'bad', id);
    await getStatus(sim, token, id);
    await fetch(`${sim.url}/v5.0/ocr/DetectRegions?id=${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    await fetch(`${sim.url}/nowhere`); // not an Aspose endpoint: neither counted nor logged

    expect(sim.counters()).toEqual({ token: 1, submit: 1, get: 2, status: 1, cancel: 1, unauthorized: 1, faults: 0 });
    const start = clock.now() - 20;
    expect(sim.requestLog()).toEqual([
      { at: start, endpoint: 'token', status: 200 },
      { at: start + 10, endpoint: 'submit', status: 200 },
      { at: start + 20, endpoint: 'get', status: 200, taskId: id },
      { at: start + 20, endpoint: 'get', status: 401, taskId: id },
      { at: start + 20, endpoint: 'status', status: 200, taskId: id },
      { at: start + 20, endpoint: 'cancel', status: 200, taskId: id },
    ]);
    expect(sim.taskState(id)?.polls).toBe(2); // the 401 never reached the task

    sim.resetCounters();
    expect(sim.counters()).toEqual({ token: 0, submit: 0, get: 0, status: 0, cancel: 0, unauthorized: 0, faults: 0 });
    expect(sim.requestLog()).toEqual([]);
  });

  it('stamps every request with the simulator clock at its arrival, so a test can count requests per window', async () => {
    const clock = manualClock();
    sim = await startSimulator({ now: clock.now });
    const token = await fetchToken(sim);
    sim.resetCounters();
    const burst = (n: number) => Promise.all(Array.from({ length: n }, () => getRegions(sim, token, 'x').then((res) => res.text())));
    const start = clock.now();
    await burst(5);
    clock.advance(400);
    await burst(5);
    clock.advance(700);
    await burst(3);

    const log = sim.requestLog();
    expect(log.map((entry) => entry.at)).toEqual([
      ...Array<number>(5).fill(start),
      ...Array<number>(5).fill(start + 400),
      ...Array<number>(3).fill(start + 1_100),
    ]);
    expect(log.every((entry) => entry.endpoint === 'get' && entry.status === 200 && entry.taskId === 'x')).toBe(true);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type OCRResponse, type Simulator } from '../src/index.js';
import { fetchToken, getRegions } from './helpers.js';

let sim: Simulator;
let token: string;
beforeAll(async () => {
  sim = await startSimulator({ pendingMs: 60_000 });
  token = await fetchToken(sim);
});
afterAll(() => sim.close());

const status = async (id: string) => ((await (await getRegions(sim, token, id)).json()) as OCRResponse).taskStatus;

describe('notReadyPolls', () => {
  it('reads Pending for exactly that many GETs, then the outcome, whatever the clock says', async () => {
    const id = sim.createTask({ notReadyPolls: 3, outcome: { status: 'Completed', rectangles: [[[1, 2, 3, 4]]] } });
    expect(sim.taskState(id)).toMatchObject({ status: 'Pending', terminalAt: null, polls: 0 });
    expect([await status(id), await status(id)]).toEqual(['Pending', 'Pending']);
    const before = Date.now();
    expect(await status(id)).toBe('Pending');
    const state = sim.taskState(id);
    expect(state).toMatchObject({ status: 'Completed', polls: 3 });
    expect(state?.terminalAt).toBeGreaterThanOrEqual(before);
    expect(await status(id)).toBe('Completed');
    expect(sim.taskState(id)?.polls).toBe(4);
  });

  it('0 means terminal from the first GET; the control surface accepts it and rejects bad values', async () => {
    const id = sim.createTask({ notReadyPolls: 0, outcome: { status: 'Error', messages: ['x'] } });
    expect(await status(id)).toBe('Error');
    const bad = await fetch(`${sim.url}/__simulator/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ notReadyPolls: -1 }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('notReadyPolls must be a non-negative integer');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/index.js';
import { fetchToken, getJson, getRegions } from './helpers.js';

describe('HTTP control surface /__simulator/', () => {
  let sim: Simulator;
  afterEach(() => sim.close());

  const call = (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${sim.url}/__simulator/${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  it('creates scripted tasks and reports their state, without auth', async () => {
    sim = await startSimulator({ pendingMs: 0, processingMs: 0 });
    const created = await call('POST', 'tasks', { id: 'abc', outcome: { status: 'Error', messages: ['boom'] } });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ id: 'abc' });
    const token = await fetchToken(sim);
    expect(await getJson(sim, token, 'abc')).toMatchObject({ taskStatus: 'Error', error: { messages: ['boom'] } });

    const state = await call('GET', 'tasks/abc');
    expect(await state.json()).toEqual({ status: 'Error', terminalAt: expect.any(Number), polls: 1, kind: null });
    expect((await call('GET', 'tasks/nope')).status).toBe(404);

    const generated = await call('POST', 'tasks');
    expect((await generated.json()) as { id: string }).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('rejects bad JSON and invalid scripts or faults with 400', async () => {
    sim = await startSimulator();
    expect((await call('POST', 'tasks', '{nope')).status).toBe(400);
    const invalid = await call('POST', 'tasks', { outcome: { status: 'Exploded' } });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ status: 400, detail: expect.stringContaining('outcome.status') });
    expect((await call('PUT', 'faults', { resetRate: 7 })).status).toBe(400);
    expect((await call('PUT', 'faults', '[')).status).toBe(400);
    expect((await call('GET', 'nothing-here')).status).toBe(404);
  });

  it('sets, reads and clears faults', async () => {
    sim = await startSimulator();
    const token = await fetchToken(sim);
    const put = await call('PUT', 'faults', { tooManyRequests: { rate: 1, retryAfterSeconds: 2 } });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ tooManyRequests: { rate: 1, retryAfterSeconds: 2 } });
    expect((await getRegions(sim, token, 'x')).status).toBe(429);
    expect((await call('DELETE', 'faults')).status).toBe(204);
    expect((await getRegions(sim, token, 'x')).status).toBe(200);
    expect(await (await call('GET', 'faults')).json()).toMatchObject({ tooManyRequests: { rate: 0 } });
  });

  it('reads and resets counters, reads the request log', async () => {
    sim = await startSimulator();
    const token = await fetchToken(sim);
    await getRegions(sim, token, 'x');
    expect(await (await call('GET', 'counters')).json()).toMatchObject({ token: 1, get: 1 });
    expect(await (await call('GET', 'requests')).json()).toHaveLength(2);
    expect((await call('POST', 'counters/reset')).status).toBe(204);
    expect(await (await call('GET', 'counters')).json()).toMatchObject({ token: 0, get: 0 });
  });

  it('expires and revokes tokens, sets their lifetime', async () => {
    sim = await startSimulator();
    let token = await fetchToken(sim);
    expect((await call('POST', 'tokens/expire')).status).toBe(204);
    expect((await getRegions(sim, token, 'x')).status).toBe(401);
    token = await fetchToken(sim);
    expect((await call('POST', 'tokens/revoke')).status).toBe(204);
    expect((await getRegions(sim, token, 'x')).status).toBe(401);
    expect((await call('PUT', 'tokens/lifetime', { seconds: 9 })).status).toBe(204);
    expect((await call('PUT', 'tokens/lifetime', { seconds: 'x' })).status).toBe(400);
  });
});

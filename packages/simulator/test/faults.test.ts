import { afterEach, describe, expect, it } from 'vitest';
import { InvalidFaultsError, startSimulator, type Faults, type Simulator } from '../src/index.js';
import { fetchToken, getRegions, manualClock, requestToken, sleep, submit } from './helpers.js';

const demoForm = { grant_type: 'client_credentials', client_id: 'regionwatch-demo', client_secret: 'regionwatch-demo-secret' };

describe('fault injection', () => {
  let sim: Simulator;
  afterEach(() => sim.close());

  it('serverErrorRate answers 500 (JSON) or 502/503 (HTML), and counts the requests', async () => {
    sim = await startSimulator();
    const token = await fetchToken(sim);
    const id = sim.createTask();
    sim.setFaults({ serverErrorRate: 1 });
    const seen = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const res = await getRegions(sim, token, id);
      seen.add(res.status);
      const type = res.headers.get('content-type') ?? '';
      if (res.status === 500) expect(type).toMatch(/^application\/problem\+json/);
      else expect(type).toMatch(/^text\/html/);
      await res.text();
    }
    expect([...seen].sort()).toEqual([500, 502, 503]);
    expect(sim.counters()).toMatchObject({ get: 30, faults: 30 });
    expect(sim.taskState(id)?.polls).toBe(0); // faulted GETs never reached the task
  });

  it('faults come before auth, and the token endpoint is out of the default scope', async () => {
    sim = await startSimulator();
    sim.setFaults({ serverErrorRate: 1 });
    expect((await fetch(`${sim.url}/v5.0/ocr/DetectRegions?id=x`)).status).toBeGreaterThanOrEqual(500);
    expect((await requestToken(sim, demoForm)).status).toBe(200);
    expect((await fetch(`${sim.url}/__simulator/counters`)).status).toBe(200);
  });

  it('scope "token" and "all"', async () => {
    sim = await startSimulator();
    const token = await fetchToken(sim);
    sim.setFaults({ scope: 'token', serverErrorRate: 1 });
    expect((await requestToken(sim, demoForm)).status).toBeGreaterThanOrEqual(500);
    expect((await getRegions(sim, token, 'x')).status).toBe(200);
    sim.setFaults({ scope: 'all', serverErrorRate: 1 });
    expect((await requestToken(sim, demoForm)).status).toBeGreaterThanOrEqual(500);
    expect((await getRegions(sim, token, 'x')).status).toBeGreaterThanOrEqual(500);
  });

  it('tooManyRequests with Retry-After in seconds', async () => {
    sim = await startSimulator();
    const token = await fetchToken(sim);
    sim.setFaults({ tooManyRequests: { rate: 1, retryAfterSeconds: 7 } });
    const res = await getRegions(sim, token, 'x');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toMatchObject({ status: 429 });
  });

  it('tooManyRequests with Retry-After as an HTTP-date', async () => {
    const clock = manualClock(1_750_000_000_000);
    sim = await startSimulator({ now: clock.now });
    const token = await fetchToken(sim);
    sim.setFaults({ tooManyRequests: { rate: 1, retryAfterSeconds: 3, retryAfterHttpDate: true } });
    const res = await submit(sim, token);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe(new Date(1_750_000_003_000).toUTCString());
    expect(sim.counters()).toMatchObject({ submit: 1, faults: 1 });
  });

  it('releaseHeld answers the requests a latency fault holds now, and only those', async () => {
    sim = await startSimulator();
    const token = await fetchToken(sim);
    const id = sim.createTask({ pendingMs: 3_600_000 });
    sim.setFaults({ latency: { rate: 1, ms: 3_600_000 } });
    let answered = 0;
    const held = Array.from({ length: 3 }, () => getRegions(sim, token, id).then((res) => (answered++, res)));
    while (sim.counters().faults < 3) await sleep(5); // all three are waiting on the fault
    expect(answered).toBe(0);
    expect(sim.releaseHeld()).toBe(3);
    const responses = await Promise.all(held);
    expect(responses.map((res) => res.status)).toEqual([200, 200, 200]);
    expect(sim.taskState(id)?.polls).toBe(3); // answered normally, as if the delay had run out

    // A request that arrives after the release is held as usual; the HTTP control releases it too.
    const later = getRegions(sim, token, id);
    while (sim.counters().faults < 4) await sleep(5);
    const release = await fetch(`${sim.url}/__simulator/faults/release`, { method: 'POST' });
    expect(await release.json()).toEqual({ released: 1 });
    expect((await later).status).toBe(200);
    expect(sim.releaseHeld()).toBe(0);
  });

  it('latency delays the answer, which is otherwise normal', async () => {
    sim = await startSimulator();
    const token = await fetchToken(sim);
    sim.setFaults({ latency: { rate: 1, ms: 80 } });
    const started = performance.now();
    const res = await getRegions(sim, token, 'x');
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    expect(res.status).toBe(200);
    expect(sim.counters().faults).toBe(1);
  });

  it('resetRate drops the connection: the client sees ECONNRESET', async () => {
    sim = await startSimulator();
    const token = await fetchToken(sim);
    sim.setFaults({ resetRate: 1 });
    const error: unknown = await getRegions(sim, token, 'x').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as { cause?: { code?: string } }).cause?.code).toBe('ECONNRESET');
    expect(sim.requestLog().at(-1)).toMatchObject({ endpoint: 'get', status: 0 });
    sim.clearFaults();
    expect((await getRegions(sim, token, 'x')).status).toBe(200);
  });

  it('nonJsonRate answers GETs with a 200 HTML page, not POSTs', async () => {
    sim = await startSimulator();
    const token = await fetchToken(sim);
    sim.setFaults({ nonJsonRate: 1 });
    const res = await getRegions(sim, token, 'x');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toMatch(/<html>[\s\S]*Service Unavailable[\s\S]*<\/html>/);
    expect((await submit(sim, token)).headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('truncatedJsonRate cuts the JSON of task GETs', async () => {
    sim = await startSimulator({ pendingMs: 0, processingMs: 0 });
    const token = await fetchToken(sim);
    const id = sim.createTask();
    const full = await (await getRegions(sim, token, id)).text();
    sim.setFaults({ truncatedJsonRate: 1 });
    const res = await getRegions(sim, token, id);
    expect(res.status).toBe(200);
    const cut = await res.text();
    expect(cut.length).toBeLessThan(full.length);
    expect(full.startsWith(cut)).toBe(true);
    expect(() => JSON.parse(cut) as unknown).toThrow();
  });

  it('tokenEndpointDown answers 503 on the token endpoint only', async () => {
    sim = await startSimulator();
    const token = await fetchToken(sim);
    sim.setFaults({ tokenEndpointDown: true });
    const res = await requestToken(sim, demoForm);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('Service Unavailable');
    expect((await getRegions(sim, token, 'x')).status).toBe(200);
    expect(sim.counters()).toMatchObject({ token: 2, faults: 1 });
  });

  it('a fractional rate hits about that share, reproducibly for a seed', async () => {
    const run = async (): Promise<number[]> => {
      const s = await startSimulator({ seed: 42 });
      try {
        const token = await fetchToken(s);
        s.setFaults({ serverErrorRate: 0.3 });
        const statuses: number[] = [];
        for (let i = 0; i < 200; i++) {
          const res = await getRegions(s, token, 'x');
          await res.text();
          statuses.push(res.status);
        }
        return statuses;
      } finally {
        await s.close();
      }
    };
    const first = await run();
    const failures = first.filter((status) => status !== 200).length;
    expect(failures).toBeGreaterThan(35);
    expect(failures).toBeLessThan(85);
    expect(await run()).toEqual(first);
    sim = await startSimulator(); // for afterEach
  });

  it('rejects faults it cannot apply, and reports the active ones', async () => {
    sim = await startSimulator();
    expect(() => sim.setFaults({ serverErrorRate: 2 })).toThrow(InvalidFaultsError);
    expect(() => sim.setFaults({ scope: 'everything' } as unknown as Partial<Faults>)).toThrow(InvalidFaultsError);
    expect(() => sim.setFaults({ serverErorRate: 0.1 } as unknown as Partial<Faults>)).toThrow(InvalidFaultsError);
    sim.setFaults({ latency: { rate: 0.5, ms: 10 } });
    expect(sim.faults()).toMatchObject({ scope: 'api', serverErrorRate: 0, latency: { rate: 0.5, ms: 10 } });
    sim.setFaults({ resetRate: 0.1 }); // replaces: latency is off again
    expect(sim.faults()).toMatchObject({ resetRate: 0.1, latency: { rate: 0 } });
    sim.clearFaults();
    expect(sim.faults().resetRate).toBe(0);
  });
});

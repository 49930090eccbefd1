import { Agent, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { InvalidSimulatorOptionsError, startSimulator } from '../src/index.js';

describe('startSimulator / close', () => {
  it('closes promptly with an idle keep-alive connection open', async () => {
    const sim = await startSimulator();
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      request(`${sim.url}/__simulator/counters`, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
        .on('error', reject)
        .end();
    });
    const started = performance.now();
    await sim.close();
    expect(performance.now() - started).toBeLessThan(1000);
    await sim.close(); // idempotent
    agent.destroy();
  });

  it('closes while a request waits on a latency fault', async () => {
    const sim = await startSimulator();
    sim.setFaults({ scope: 'token', latency: { rate: 1, ms: 60_000 } });
    const pending = fetch(sim.tokenUrl, { method: 'POST' }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await sim.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(TypeError);
  });

  it('listens on the requested host and port', async () => {
    const sim = await startSimulator({ host: '127.0.0.1' });
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
    expect(sim.credentials).toEqual({ clientId: 'regionwatch-demo', clientSecret: 'regionwatch-demo-secret' });
    await sim.close();
  });

  it('rejects options it cannot use', async () => {
    await expect(startSimulator({ pendingMs: -1 })).rejects.toBeInstanceOf(InvalidSimulatorOptionsError);
    await expect(startSimulator({ outcomes: { Completed: 0 } })).rejects.toBeInstanceOf(InvalidSimulatorOptionsError);
    await expect(startSimulator({ seed: 1.5 })).rejects.toBeInstanceOf(InvalidSimulatorOptionsError);
  });
});

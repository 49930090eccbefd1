import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { InvalidSimulatorOptionsError, startSimulator } from '../src/index.js';
import { sleep } from './helpers.js';

/** Waits until `check` holds, polling every 5 ms (the test's own timeout bounds it). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await sleep(5);
}

describe('startSimulator / close', () => {
  it('drops an idle keep-alive connection on close instead of waiting for its idle timeout', async () => {
    const sim = await startSimulator();
    const agent = new Agent({ keepAlive: true });
    const socket = await new Promise<Socket>((resolve, reject) => {
      const req = request(`${sim.url}/__simulator/counters`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(req.socket as Socket));
      });
      req.on('error', reject).end();
    });
    const socketClosed = new Promise((resolve) => socket.once('close', resolve));
    expect(socket.destroyed).toBe(false); // kept alive by the agent, idle
    // close() resolves only once every connection is gone: had it waited for the idle timeout (the
    // server's keepAliveTimeout), the server would still hold this socket open.
    await sim.close();
    await socketClosed;
    await sim.close(); // idempotent
    agent.destroy();
  });

  it('closes while a request waits on a latency fault, ending that request instead of answering it', async () => {
    const sim = await startSimulator();
    sim.setFaults({ scope: 'token', latency: { rate: 1, ms: 3_600_000 } });
    const pending = fetch(sim.tokenUrl, { method: 'POST' }).catch((error: unknown) => error);
    // The fault is counted as the request starts waiting on it.
    await until(() => sim.counters().faults === 1);
    await sim.close();
    // An hour-long wait cannot have run out: the request was cut, not answered.
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

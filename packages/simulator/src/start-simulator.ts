import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector } from './fault-injector.js';
import { HeldRequests } from './held-requests.js';
import { createRequestHandler } from './request-handler.js';
import { RequestStats } from './request-stats.js';
import { resolveOptions, type SimulatorOptions } from './simulator-options.js';
import type { Simulator, SimulatorControls } from './simulator.js';
import { TaskStore } from './task-store.js';
import { TokenStore } from './token-store.js';

/**
 * Starts a deterministic Aspose OCR Cloud 5.0 simulator on loopback (by default on a port the OS
 * picks) and resolves once it is listening.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const resolved = resolveOptions(options);
  const tasks = new TaskStore(resolved);
  const tokens = new TokenStore(resolved.seed, resolved.tokenLifetimeSeconds, resolved.now);
  const stats = new RequestStats();
  const faults = new FaultInjector(resolved.seed, resolved.now);
  const shutdown = new AbortController();
  const held = new HeldRequests(shutdown.signal);

  const controls: SimulatorControls = {
    createTask: (script) => tasks.create(script),
    taskState: (id) => tasks.state(id),
    setFaults: (partial) => {
      faults.set(partial);
    },
    clearFaults: () => faults.clear(),
    releaseHeld: () => held.releaseAll(),
    faults: () => faults.current(),
    expireTokens: () => tokens.expireAll(),
    revokeTokens: () => tokens.revokeAll(),
    setTokenLifetime: (seconds) => tokens.setLifetime(seconds),
    counters: () => stats.counters(),
    requestLog: () => stats.requestLog(),
    resetCounters: () => stats.reset(),
  };

  const server = createServer(createRequestHandler({ options: resolved, tasks, tokens, stats, faults, controls, held }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(resolved.port, resolved.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
  const url = `http://${host}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    port,
    tokenUrl: `${url}/connect/token`,
    credentials: { clientId: resolved.clientId, clientSecret: resolved.clientSecret },
    ...controls,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        shutdown.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets would hold close() open until their idle timeout.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

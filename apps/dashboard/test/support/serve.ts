import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@regionwatch/core';
import { createApp, type DashboardDeps } from '../../src/index.js';

export type Served = { base: string; close(): Promise<void> };

/** `createApp` on a loopback port of its own (the way tests reach it: real HTTP, no mocks). */
export async function serveDashboard(deps: Omit<DashboardDeps, 'logger'> & Partial<Pick<DashboardDeps, 'logger'>>): Promise<Served> {
  const dashboard = createApp({ logger: createLogger({ level: 'silent' }), ...deps });
  const server = createServer(dashboard.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await dashboard.close();
    },
  };
}

export function basic(user: string, password: string): { authorization: string } {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}` };
}

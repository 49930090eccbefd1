import { createServer, request } from 'node:http';
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

export type RawResponse = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/**
 * One HTTP/1.1 request with exactly the headers given — `Host` included, which `fetch` will not let
 * a test choose. What a rebinding browser or a forged cross-site request looks like on the wire.
 */
export function rawRequest(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: {
          host: url.host,
          ...options.headers,
          ...(options.body === undefined ? {} : { 'content-length': Buffer.byteLength(options.body) }),
        },
        setHost: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

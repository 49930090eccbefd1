import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BOARD_PATH, createApp, type DashboardDeps } from './create-app.js';
import { hasCredentials, listenHost } from './listen-host.js';

export type StartDashboardOptions = DashboardDeps & {
  /** Default `DASHBOARD_PORT` (0 picks a free port). */
  port?: number;
};

export type RunningDashboard = {
  /** Base URL to open, e.g. `http://127.0.0.1:3000`; Bull Board is at `${url}/queues`. */
  url: string;
  port: number;
  /** The bound address: `127.0.0.1`, or `::`/`0.0.0.0` (every interface). */
  address: string;
  server: Server;
  /** Stops listening, drops open connections (Bull Board keeps some alive), closes the queues. */
  close(): Promise<void>;
};

/** `createApp` plus an HTTP server on the address `listenHost` allows; what `main.ts` and the demo run. */
export async function startDashboard(options: StartDashboardOptions): Promise<RunningDashboard> {
  const { config, logger } = options;
  const dashboard = createApp(options);
  const server = createServer(dashboard.app);
  const host = listenHost(config);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? config.DASHBOARD_PORT, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await dashboard.close();
    throw error;
  }
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${host ?? 'localhost'}:${port}`;
  const fields = {
    url: `${url}${BOARD_PATH}`,
    address,
    port,
    readOnly: config.DASHBOARD_READONLY,
    allowedHosts: config.DASHBOARD_ALLOWED_HOSTS,
  };
  if (hasCredentials(config)) {
    logger.info(fields, 'dashboard listening on every interface (basic auth on)');
  } else {
    logger.warn(
      fields,
      'dashboard has no authentication (DASHBOARD_USER and DASHBOARD_PASSWORD unset), so it listens on 127.0.0.1 only; ' +
        'set both to reach it from elsewhere',
    );
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await dashboard.close();
      logger.info('dashboard stopped');
    })());
  return { url, port, address, server, close };
}

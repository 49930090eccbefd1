import type { Config } from '@regionwatch/core';

/**
 * Where the dashboard may listen. Without credentials nothing stands between a caller and the
 * queues' actions, so only loopback; with them, every interface (`undefined` lets Node pick `::`
 * with IPv4 mapped in, or `0.0.0.0` on hosts without IPv6).
 */
export function listenHost(config: Pick<Config, 'DASHBOARD_USER' | 'DASHBOARD_PASSWORD'>): '127.0.0.1' | undefined {
  return hasCredentials(config) ? undefined : '127.0.0.1';
}

export function hasCredentials(config: Pick<Config, 'DASHBOARD_USER' | 'DASHBOARD_PASSWORD'>): boolean {
  return config.DASHBOARD_USER !== undefined && config.DASHBOARD_PASSWORD !== undefined;
}

import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * The dashboard's access settings, as a self-contained piece of the config variables (spread into
 * `variables.ts`); the both-or-neither rule for the credentials is `dashboardCredentialsInPairs` in rules.ts.
 */

/** Shorter basic-auth passwords are refused at start-up. */
export const MIN_DASHBOARD_PASSWORD_LENGTH = 12;

/** A host name, IPv4 address or bracketed IPv6 address, optionally `:port` — what a Host header holds. */
const HOST =
  /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?)(?::(\d{1,5}))?$/;

export type ParsedHost = { hostname: string; port: number | undefined };

/**
 * A `Host` header (or an allow-list entry) as a lower-case name without a trailing dot, plus the
 * port if one is given; `undefined` for anything that is not a plain host (user info, path, scheme).
 */
export function parseHost(text: string): ParsedHost | undefined {
  const match = HOST.exec(text);
  if (!match?.[1]) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65_535)) return undefined;
  if (match[1].startsWith('[') && isIP(match[1].slice(1, -1)) !== 6) return undefined;
  return { hostname: match[1].toLowerCase().replace(/\.$/, ''), port };
}

const nonBlank = (value: string) => value.trim() !== '';

/** Express's `trust proxy` names for address ranges. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isProxyAddress(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

export const dashboardEnvShape = {
  /** Basic-auth user; without user and password the dashboard listens on 127.0.0.1 only. */
  DASHBOARD_USER: z
    .string()
    .refine(nonBlank, 'must not be blank')
    .refine((user) => !user.includes(':'), 'must not contain ":" (HTTP Basic authentication cannot carry one in the user name)')
    .optional(),
  /** Basic-auth password: at least 12 characters (counted as characters, not bytes). */
  DASHBOARD_PASSWORD: z
    .string()
    .refine(nonBlank, { message: 'must not be blank', abort: true })
    .refine(
      (password) => [...password].length >= MIN_DASHBOARD_PASSWORD_LENGTH,
      `must be at least ${MIN_DASHBOARD_PASSWORD_LENGTH} characters long`,
    )
    .optional(),
  /**
   * Extra `Host` names the dashboard answers, comma-separated (`name` or `name:port`), besides
   * localhost, 127.0.0.1 and [::1]. Without credentials nothing else is answered (DNS rebinding);
   * with credentials, a non-empty list is enforced too and an empty one allows any Host.
   */
  DASHBOARD_ALLOWED_HOSTS: z
    .string()
    .transform((list, ctx) => {
      const hosts: string[] = [];
      for (const entry of list.split(',').map((e) => e.trim())) {
        if (entry === '') continue;
        const host = parseHost(entry);
        if (!host) {
          ctx.addIssue({ code: 'custom', message: `${JSON.stringify(entry)} is not a host name (name or name:port, no scheme or path)` });
          return z.NEVER;
        }
        hosts.push(host.port === undefined ? host.hostname : `${host.hostname}:${host.port}`);
      }
      return hosts;
    })
    .default([]),
  /**
   * Which proxies in front of the dashboard to believe about the client's address (Express's
   * `trust proxy`): a hop count, or addresses/ranges (`loopback`, `10.0.0.0/8`, …). Unset: none, so
   * behind a proxy every client shares the proxy's address for the failed-login limit.
   */
  DASHBOARD_TRUST_PROXY: z
    .string()
    .transform((value, ctx) => {
      if (/^\d+$/.test(value) && Number(value) >= 1) return Number(value);
      const entries = value
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e !== '');
      if (entries.length === 0 || !entries.every(isProxyAddress)) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a hop count (1, 2, …) or a comma-separated list of proxy addresses or ranges (loopback, 10.0.0.0/8, …)',
        });
        return z.NEVER;
      }
      return entries;
    })
    .optional(),
};

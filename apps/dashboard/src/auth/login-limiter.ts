import { isIP } from 'node:net';
import type { RedisClient } from '@regionwatch/core';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** Failed logins one client may make in a window before every login from it is refused until the window ends. */
export type LoginFailureLimit = { failures: number; windowSeconds: number };

/** 10 failures in 15 minutes: an operator's typos never get there, a password guesser gets 40 an hour. */
export const DEFAULT_LOGIN_FAILURE_LIMIT: LoginFailureLimit = { failures: 10, windowSeconds: 15 * 60 };

/** Where one client stands: failures in the current window, and how long it must wait (0: it may try). */
export type LoginStanding = { failures: number; retryAfterMs: number };

export type LoginLimiter = {
  check(client: string): Promise<LoginStanding>;
  recordFailure(client: string): Promise<LoginStanding>;
  /** A successful login clears the client's failures (a typo is forgiven). */
  forgive(client: string): Promise<void>;
};

/**
 * Failed basic-auth logins counted per client in Redis with rate-limiter-flexible, so every
 * dashboard replica shares one count; while Redis is away an in-memory limiter of the same shape
 * stands in (per replica) rather than letting guesses through uncounted.
 */
export function createLoginLimiter(options: { connection: RedisClient; prefix: string; limit?: LoginFailureLimit }): LoginLimiter {
  const { failures: points, windowSeconds: duration } = options.limit ?? DEFAULT_LOGIN_FAILURE_LIMIT;
  const limiter = new RateLimiterRedis({
    storeClient: options.connection,
    keyPrefix: `${options.prefix}:dashboard:login-failures`,
    points,
    duration,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ points, duration }),
  });
  const standing = (res: RateLimiterRes | null): LoginStanding => {
    const failures = res?.consumedPoints ?? 0;
    return { failures, retryAfterMs: res && failures >= points ? Math.max(1, res.msBeforeNext) : 0 };
  };
  return {
    check: async (client) => standing(await limiter.get(client)),
    recordFailure: async (client) => {
      try {
        return standing(await limiter.consume(client));
      } catch (rejected) {
        // consume() rejects with the RateLimiterRes once the points are spent; anything else is a real error.
        if (rejected instanceof RateLimiterRes) return standing(rejected);
        throw rejected;
      }
    },
    forgive: async (client) => {
      await limiter.delete(client);
    },
  };
}

/**
 * The key one client's failures are counted under: its IPv4 address, or its IPv6 /64 (one
 * customer's prefix; counting single IPv6 addresses would let a guesser rotate through 2^64).
 */
export function clientKey(ip: string | undefined): string {
  if (ip === undefined || ip === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  const address = ip.replace(/%.*$/, ''); // zone id
  if (isIP(address) !== 6) return ip;
  const [head = '', tail] = address.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const first = groups(head);
  const last = groups(tail);
  const all = tail === undefined ? first : [...first, ...Array<string>(8 - first.length - last.length).fill('0'), ...last];
  return `${all
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

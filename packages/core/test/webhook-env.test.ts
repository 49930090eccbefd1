import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  formatDuration,
  legacyRetrySchedule,
  loadConfig,
  loadWorkerConfig,
  parseRetrySchedule,
  scheduleSpan,
  webhookRetrySchedule,
} from '../src/index.js';

const secret = (fill: number) => `whsec_${Buffer.alloc(32, fill).toString('base64')}`;
const WORKER = { ASPOSE_CLIENT_ID: 'id', ASPOSE_CLIENT_SECRET: 'secret' };

function issuesOf(env: NodeJS.ProcessEnv): { variable: string; message: string }[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error('loadConfig accepted the environment');
}

const S = 1_000;
const M = 60 * S;
const H = 60 * M;

describe('WEBHOOK_RETRY_SCHEDULE', () => {
  it('defaults to the Standard Webhooks schedule: nine retries over about 75 hours', () => {
    const delays = webhookRetrySchedule(loadConfig({}));
    expect(delays).toEqual([5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 14 * H, 20 * H, 24 * H]);
    expect(formatDuration(scheduleSpan(delays))).toBe('3d 3h 35m 5s');
  });

  it('reads ms, s, m and h, decimals included, and ignores spaces around entries', () => {
    const config = loadWorkerConfig({ ...WORKER, WEBHOOK_RETRY_SCHEDULE: '5ms, 300ms,1.8s , 0.5m,2h' });
    expect(webhookRetrySchedule(config)).toEqual([5, 300, 1_800, 30 * S, 2 * H]);
  });

  it.each([
    ['5', 'delay 1 of 1 is not a number with a unit (ms, s, m or h), e.g. 5s,5m,30m'],
    ['5s,,5m', 'delay 2 of 3 is not a number with a unit (ms, s, m or h), e.g. 5s,5m,30m'],
    ['5s,-1m', 'delay 2 of 2 is not a number with a unit (ms, s, m or h), e.g. 5s,5m,30m'],
    ['5s,2d', 'delay 2 of 2 is not a number with a unit (ms, s, m or h), e.g. 5s,5m,30m'],
    ['0s', 'delay 1 of 1 must be at least 1ms'],
    ['169h', 'delay 1 of 1 must be at most 168h (a week)'],
    [Array(101).fill('1s').join(','), 'must list at most 100 delays'],
  ])('refuses %j clearly', (value, message) => {
    expect(issuesOf({ WEBHOOK_RETRY_SCHEDULE: value })).toEqual([{ variable: 'WEBHOOK_RETRY_SCHEDULE', message }]);
  });

  it('keeps the older form working: WEBHOOK_MAX_ATTEMPTS attempts, doubling from WEBHOOK_RETRY_BASE_MS, at most an hour each', () => {
    expect(webhookRetrySchedule(loadConfig({ WEBHOOK_MAX_ATTEMPTS: '4', WEBHOOK_RETRY_BASE_MS: '30' }))).toEqual([30, 60, 120]);
    expect(webhookRetrySchedule(loadConfig({ WEBHOOK_MAX_ATTEMPTS: '3' }))).toEqual([5_000, 10_000]);
    expect(webhookRetrySchedule(loadConfig({ WEBHOOK_RETRY_BASE_MS: '1000' }))).toEqual([1, 2, 4, 8, 16, 32, 64].map((n) => n * S));
    expect(webhookRetrySchedule(loadConfig({ WEBHOOK_MAX_ATTEMPTS: '1' }))).toEqual([]);
    expect(legacyRetrySchedule(12, 20 * M).at(-1)).toBe(H);
  });

  it('refuses both forms at once, naming the older variables set', () => {
    expect(issuesOf({ WEBHOOK_RETRY_SCHEDULE: '5s', WEBHOOK_MAX_ATTEMPTS: '3' })).toEqual([
      {
        variable: 'WEBHOOK_RETRY_SCHEDULE',
        message:
          'cannot be combined with WEBHOOK_MAX_ATTEMPTS (the older form of the same setting): ' +
          'unset it, or unset WEBHOOK_RETRY_SCHEDULE to keep the older form',
      },
    ]);
    expect(() =>
      loadWorkerConfig({ ...WORKER, WEBHOOK_RETRY_SCHEDULE: '5s', WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_RETRY_BASE_MS: '9' }),
    ).toThrow(/WEBHOOK_RETRY_SCHEDULE: cannot be combined with WEBHOOK_MAX_ATTEMPTS and WEBHOOK_RETRY_BASE_MS .*unset them/);
  });

  it('parseRetrySchedule is the same parser, for other tools', () => {
    expect(parseRetrySchedule('1h,30m')).toEqual({ delays: [H, 30 * M] });
    expect(parseRetrySchedule('1x')).toEqual({ problem: expect.stringMatching(/^delay 1 of 1 is not/) });
  });
});

describe('WEBHOOK_SECRET', () => {
  it('holds one secret or several separated by spaces, in order', () => {
    expect(loadConfig({ WEBHOOK_SECRET: secret(1) }).WEBHOOK_SECRET).toEqual([secret(1)]);
    expect(loadConfig({ WEBHOOK_SECRET: ` ${secret(2)}  ${secret(1)}\t` }).WEBHOOK_SECRET).toEqual([secret(2), secret(1)]);
  });

  it('names the bad secret by position, never by value', () => {
    const issues = issuesOf({ WEBHOOK_SECRET: `${secret(1)} whsec_leak-me` });
    expect(issues).toEqual([
      { variable: 'WEBHOOK_SECRET', message: 'secret 2 of 2 must be whsec_ followed by the base64 of 24 to 64 random bytes' },
    ]);
    expect(JSON.stringify(issues)).not.toContain('leak-me');
    expect(issuesOf({ WEBHOOK_SECRET: Array(9).fill(secret(3)).join(' ') })[0]?.message).toBe(
      'must hold at most 8 secrets (separated by spaces)',
    );
  });
});

describe('WEBHOOK_ENDPOINT_MAX_RPS', () => {
  it('defaults to 20 and takes fractions', () => {
    expect(loadConfig({}).WEBHOOK_ENDPOINT_MAX_RPS).toBe(20);
    expect(loadConfig({ WEBHOOK_ENDPOINT_MAX_RPS: '0.5' }).WEBHOOK_ENDPOINT_MAX_RPS).toBe(0.5);
    expect(issuesOf({ WEBHOOK_ENDPOINT_MAX_RPS: '0' })).toEqual([
      { variable: 'WEBHOOK_ENDPOINT_MAX_RPS', message: 'must be greater than 0' },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, requireAsposeCredentials } from '../src/index.js';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

function errorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('applies every contract default to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      REDIS_URL: 'redis://127.0.0.1:6379',
      REGIONWATCH_PREFIX: 'regionwatch',
      ASPOSE_BASE_URL: 'https://api.aspose.cloud',
      ASPOSE_TOKEN_URL: 'https://api.aspose.cloud/connect/token',
      ASPOSE_TIMEOUT_MS: 10_000,
      POLL_INITIAL_DELAY_MS: 1_000,
      POLL_MAX_DELAY_MS: 30_000,
      TASK_DEADLINE_MS: 86_400_000,
      WORKER_CONCURRENCY: 50,
      RESULTS_QUEUE: 'regions-results',
      WEBHOOK_TIMEOUT_MS: 15_000,
      WEBHOOK_ENDPOINT_MAX_RPS: 20,
      WEBHOOK_ALLOW_PRIVATE: false,
      METRICS_PORT: 9464,
      DASHBOARD_PORT: 3000,
      DASHBOARD_READONLY: false,
      LOG_LEVEL: 'info',
    });
    expect(config.ASPOSE_MAX_RPS).toBeUndefined();
    expect(config.WEBHOOK_URL).toBeUndefined();
    // Unset: the schedule in effect is the default one unless the older form is set (webhook-env.test.ts).
    expect(config.WEBHOOK_RETRY_SCHEDULE).toBeUndefined();
    expect(config.WEBHOOK_MAX_ATTEMPTS).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses numbers, booleans and URLs and derives the token URL from the base URL', () => {
    const config = loadConfig({
      ASPOSE_BASE_URL: 'http://127.0.0.1:8089/',
      ASPOSE_MAX_RPS: '2.5',
      WORKER_CONCURRENCY: '7',
      DASHBOARD_READONLY: 'TRUE',
      WEBHOOK_ALLOW_PRIVATE: '1',
      WEBHOOK_URL: 'https://hooks.example.com/x',
      WEBHOOK_SECRET: SECRET,
      RESULTS_QUEUE: '',
    });
    expect(config.ASPOSE_TOKEN_URL).toBe('http://127.0.0.1:8089/connect/token');
    expect(config.ASPOSE_MAX_RPS).toBe(2.5);
    expect(config.WORKER_CONCURRENCY).toBe(7);
    expect(config.DASHBOARD_READONLY).toBe(true);
    expect(config.WEBHOOK_ALLOW_PRIVATE).toBe(true);
    expect(config.RESULTS_QUEUE).toBe('');
  });

  it('treats an empty string as unset for ordinary variables', () => {
    expect(loadConfig({ WORKER_CONCURRENCY: '', LOG_LEVEL: '' })).toMatchObject({ WORKER_CONCURRENCY: 50, LOG_LEVEL: 'info' });
  });

  it('names every offending variable in one error', () => {
    const error = errorOf({
      REDIS_URL: 'http://nope',
      WORKER_CONCURRENCY: 'lots',
      ASPOSE_TIMEOUT_MS: '0',
      ASPOSE_MAX_RPS: '-3',
      DASHBOARD_READONLY: 'maybe',
      LOG_LEVEL: 'loud',
      METRICS_PORT: '70000',
      WEBHOOK_SECRET: 'short',
      ASPOSE_BASE_URL: 'ftp://x',
    });
    const variables = error.issues.map((i) => i.variable).sort();
    expect(variables).toEqual(
      [
        'ASPOSE_BASE_URL',
        'ASPOSE_MAX_RPS',
        'ASPOSE_TIMEOUT_MS',
        'DASHBOARD_READONLY',
        'LOG_LEVEL',
        'METRICS_PORT',
        'REDIS_URL',
        'WEBHOOK_SECRET',
        'WORKER_CONCURRENCY',
      ].sort(),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    for (const variable of variables) expect(error.message).toContain(variable);
    expect(error.message).toMatch(/WORKER_CONCURRENCY: must be a whole number/);
    expect(error.message).toMatch(/ASPOSE_TIMEOUT_MS: must be at least 1/);
  });

  it('never repeats a refused value in the error (the message goes to stderr and CI logs)', () => {
    const error = errorOf({
      REDIS_URL: 'http://user:leak-1@redis:6379',
      ASPOSE_BASE_URL: 'ftp://user:leak-2@aspose.example',
      WEBHOOK_URL: 'ftp://hooks.example/?token=leak-3',
      WEBHOOK_SECRET: 'leak-4',
      DASHBOARD_USER: 'ops',
      DASHBOARD_PASSWORD: 'leak-5',
    });
    expect(error.issues.map((i) => i.variable).sort()).toEqual([
      'ASPOSE_BASE_URL',
      'DASHBOARD_PASSWORD',
      'REDIS_URL',
      'WEBHOOK_SECRET',
      'WEBHOOK_URL',
    ]);
    expect(error.message).not.toMatch(/leak-/);
  });

  it('checks variables against each other', () => {
    expect(errorOf({ POLL_INITIAL_DELAY_MS: '5000', POLL_MAX_DELAY_MS: '1000' }).issues).toEqual([
      { variable: 'POLL_MAX_DELAY_MS', message: 'must be at least POLL_INITIAL_DELAY_MS (5000)' },
    ]);
    expect(errorOf({ ASPOSE_CLIENT_ID: 'id' }).issues[0]?.variable).toBe('ASPOSE_CLIENT_SECRET');
    expect(errorOf({ WEBHOOK_URL: 'https://example.com/hook' }).issues[0]?.variable).toBe('WEBHOOK_SECRET');
    expect(errorOf({ DASHBOARD_PASSWORD: 'long-enough-password' }).issues[0]?.variable).toBe('DASHBOARD_USER');
  });

  it('requireAsposeCredentials refuses a config without credentials', () => {
    expect(() => requireAsposeCredentials(loadConfig({}))).toThrow(/ASPOSE_CLIENT_ID: is required/);
    expect(requireAsposeCredentials(loadConfig({ ASPOSE_CLIENT_ID: 'a', ASPOSE_CLIENT_SECRET: 'b' }))).toEqual({
      clientId: 'a',
      clientSecret: 'b',
    });
  });
});

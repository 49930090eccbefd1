import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  POLL_PLAN_VARIABLE_NAMES,
  REDIS_VARIABLE_NAMES,
  configSchema,
  dashboardConfigSchema,
  demoConfigSchema,
  describeConfig,
  loadDashboardConfig,
  loadDemoConfig,
  loadProducerConfig,
  loadReplayConfig,
  loadTrackConfig,
  loadWorkerConfig,
  producerConfigSchema,
  replayConfigSchema,
  trackConfigSchema,
  VARIABLE_NAMES,
  workerConfigSchema,
} from '../src/index.js';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const CREDENTIALS = { ASPOSE_CLIENT_ID: 'id', ASPOSE_CLIENT_SECRET: 'secret' };

/** A host service's environment: values of its own that regionwatch's worker would refuse. */
const HOST_ENV = { LOG_LEVEL: 'warning', WEBHOOK_URL: 'https://host.example.com/its-own-hook', DASHBOARD_PORT: 'eighty', PORT: '8080' };

function issuesOf(load: () => unknown): { variable: string; message: string }[] {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).issues];
  }
  throw new Error('the environment was accepted');
}

const variablesOf = (schema: { in: { shape: object } } | { shape: object }) =>
  Object.keys('in' in schema ? schema.in.shape : schema.shape).sort();

describe('per-process configuration', () => {
  it('gives each process only the variables it reads, all of them variables of the contract', () => {
    // Every process that talks to Redis reads every REDIS_* variable: any of them may run on a Sentinel or a Cluster.
    // POLL_SHARDS: whoever adds poll jobs or reads them must find each task's shard; replay too, since webhook
    // deliveries sit in their task's shard.
    // The polling variables: a producer places a new task's first poll as the workers would (POLL_PLAN_VARIABLE_NAMES).
    expect(variablesOf(trackConfigSchema)).toEqual(
      [...REDIS_VARIABLE_NAMES, ...POLL_PLAN_VARIABLE_NAMES, 'POLL_SHARDS', 'REGIONWATCH_PREFIX'].sort(),
    );
    expect(variablesOf(replayConfigSchema)).toEqual([...REDIS_VARIABLE_NAMES, 'REGIONWATCH_PREFIX', 'POLL_SHARDS'].sort());
    expect(variablesOf(producerConfigSchema)).toEqual(
      [
        'ASPOSE_BASE_URL',
        'ASPOSE_CLIENT_ID',
        'ASPOSE_CLIENT_SECRET',
        'ASPOSE_TIMEOUT_MS',
        'ASPOSE_TOKEN_URL',
        ...POLL_PLAN_VARIABLE_NAMES,
        'POLL_SHARDS',
        ...REDIS_VARIABLE_NAMES,
        'REGIONWATCH_PREFIX',
      ].sort(),
    );
    expect(variablesOf(dashboardConfigSchema)).not.toContain('ASPOSE_CLIENT_SECRET');
    expect(variablesOf(dashboardConfigSchema)).not.toContain('WEBHOOK_SECRET');
    expect(variablesOf(workerConfigSchema)).not.toContain('DASHBOARD_PASSWORD');
    for (const schema of [workerConfigSchema, dashboardConfigSchema]) expect(variablesOf(schema)).toContain('POLL_SHARDS');
    expect(variablesOf(demoConfigSchema)).toEqual(
      [...new Set([...variablesOf(workerConfigSchema), ...variablesOf(dashboardConfigSchema)])].sort(),
    );
    expect(variablesOf(configSchema)).toEqual([...VARIABLE_NAMES].sort());
    for (const schema of [workerConfigSchema, dashboardConfigSchema, producerConfigSchema, trackConfigSchema, replayConfigSchema]) {
      for (const variable of variablesOf(schema)) expect(VARIABLE_NAMES).toContain(variable);
      expect(variablesOf(schema)).toEqual(expect.arrayContaining([...REDIS_VARIABLE_NAMES]));
    }
  });

  it('takes every default from the one definition of each variable', () => {
    const contract = configSchema.parse({ ...CREDENTIALS });
    for (const config of [
      loadWorkerConfig(CREDENTIALS),
      loadDashboardConfig({}),
      loadProducerConfig({}),
      loadTrackConfig({}),
      loadReplayConfig({}),
      loadDemoConfig(CREDENTIALS),
    ]) {
      expect(contract).toMatchObject(config);
      expect(Object.isFrozen(config)).toBe(true);
    }
  });

  describe('the producer inside a host service', () => {
    it('ignores the host’s LOG_LEVEL=warning and its WEBHOOK_URL without WEBHOOK_SECRET', () => {
      const config = loadProducerConfig({ ...HOST_ENV, REDIS_URL: 'redis://redis:6379', POLL_INITIAL_DELAY_MS: '250' });
      expect(config).toEqual({
        REDIS_URL: 'redis://redis:6379',
        REDIS_TLS: false,
        REDIS_SENTINEL_TLS: false,
        REGIONWATCH_PREFIX: 'regionwatch',
        POLL_INITIAL_DELAY_MS: 250,
        POLL_MAX_DELAY_MS: 30_000,
        POLL_STRATEGY: 'adaptive',
        POLL_LAG_PER_POLL_MS: 2_500,
        POLL_LEARN_HALF_LIFE: 100,
        POLL_LEARN_MIN_SAMPLES: 20,
        POLL_MAX_KINDS: 100,
        TASK_DEADLINE_MS: 86_400_000,
        POLL_SHARDS: 1,
        ASPOSE_BASE_URL: 'https://api.aspose.cloud',
        ASPOSE_TOKEN_URL: 'https://api.aspose.cloud/connect/token',
        ASPOSE_TIMEOUT_MS: 10_000,
      });
      expect(() => loadTrackConfig(HOST_ENV)).not.toThrow();
      expect(() => loadReplayConfig(HOST_ENV)).not.toThrow();
    });

    it('still checks what it reads, all offending variables in one error', () => {
      expect(issuesOf(() => loadProducerConfig({ ...HOST_ENV, REDIS_URL: 'http://nope', ASPOSE_CLIENT_ID: 'id' }))).toEqual([
        { variable: 'REDIS_URL', message: 'must be a redis:// or rediss:// URL' },
        { variable: 'ASPOSE_CLIENT_SECRET', message: 'is required when the other Aspose credential is set' },
      ]);
      expect(issuesOf(() => loadProducerConfig({ ASPOSE_CLIENT_ID: 'id' }))).toEqual([
        { variable: 'ASPOSE_CLIENT_SECRET', message: 'is required when the other Aspose credential is set' },
      ]);
      expect(loadProducerConfig(CREDENTIALS)).toMatchObject(CREDENTIALS);
    });
  });

  describe('the worker', () => {
    it('reads POLL_SHARDS: 1 to 64 poll queues, 1 by default', () => {
      expect(loadWorkerConfig(CREDENTIALS).POLL_SHARDS).toBe(1);
      expect(loadWorkerConfig({ ...CREDENTIALS, POLL_SHARDS: '3' }).POLL_SHARDS).toBe(3);
      expect(issuesOf(() => loadWorkerConfig({ ...CREDENTIALS, POLL_SHARDS: '0' }))).toEqual([
        { variable: 'POLL_SHARDS', message: 'must be at least 1' },
      ]);
      expect(issuesOf(() => loadProducerConfig({ POLL_SHARDS: '65' }))).toEqual([
        { variable: 'POLL_SHARDS', message: 'must be at most 64 (one BullMQ worker per shard in every replica)' },
      ]);
    });

    it('refuses the same environment, naming every variable, credentials included', () => {
      const issues = issuesOf(() => loadWorkerConfig(HOST_ENV));
      expect(issues.map((i) => i.variable).sort()).toEqual(['ASPOSE_CLIENT_ID', 'ASPOSE_CLIENT_SECRET', 'LOG_LEVEL']);
      expect(issues.find((i) => i.variable === 'ASPOSE_CLIENT_ID')?.message).toMatch(/^is required: /);
      // zod checks rules between variables once every variable has its type (the credentials were missing).
      expect(issuesOf(() => loadWorkerConfig({ ...HOST_ENV, ...CREDENTIALS, LOG_LEVEL: 'warn' }))).toEqual([
        { variable: 'WEBHOOK_SECRET', message: 'is required when WEBHOOK_URL is set' },
      ]);
    });

    it('accepts a complete environment and derives the token URL', () => {
      const config = loadWorkerConfig({
        ...CREDENTIALS,
        ASPOSE_BASE_URL: 'http://127.0.0.1:8089/',
        WEBHOOK_URL: 'https://h.example/x',
        WEBHOOK_SECRET: SECRET,
      });
      expect(config.ASPOSE_TOKEN_URL).toBe('http://127.0.0.1:8089/connect/token');
      expect(config).not.toHaveProperty('DASHBOARD_PORT');
      expect(issuesOf(() => loadWorkerConfig({ ...CREDENTIALS, POLL_INITIAL_DELAY_MS: '5000', POLL_MAX_DELAY_MS: '1000' }))).toEqual([
        { variable: 'POLL_MAX_DELAY_MS', message: 'must be at least POLL_INITIAL_DELAY_MS (5000)' },
      ]);
    });

    it('describes itself for the start-up log without secrets or unset variables', () => {
      const described = describeConfig(loadWorkerConfig({ ...CREDENTIALS, REDIS_URL: 'redis://u:pw@redis:6379', WEBHOOK_SECRET: SECRET }));
      expect(described).toMatchObject({ ASPOSE_CLIENT_ID: 'id', ASPOSE_CLIENT_SECRET: '[redacted]', WEBHOOK_SECRET: '[redacted]' });
      expect(JSON.stringify(described)).not.toContain(':pw@');
      expect(described).not.toHaveProperty('WEBHOOK_URL');
    });
  });

  describe('the dashboard', () => {
    it('reads its own variables only: Aspose and webhook settings are none of its business', () => {
      const config = loadDashboardConfig({ ...HOST_ENV, DASHBOARD_PORT: '0', LOG_LEVEL: 'debug', ASPOSE_CLIENT_ID: 'id' });
      expect(config).toMatchObject({ DASHBOARD_PORT: 0, LOG_LEVEL: 'debug', RESULTS_QUEUE: 'regions-results' });
      expect(config).not.toHaveProperty('ASPOSE_CLIENT_ID');
      expect(
        issuesOf(() => loadDashboardConfig({ DASHBOARD_PASSWORD: 'long-enough-pw', DASHBOARD_READONLY: 'maybe' })).map((i) => i.variable),
      ).toEqual(['DASHBOARD_READONLY']);
      expect(issuesOf(() => loadDashboardConfig({ DASHBOARD_PASSWORD: 'long-enough-pw' }))).toEqual([
        { variable: 'DASHBOARD_USER', message: 'is required when the other dashboard credential is set' },
      ]);
    });
  });

  describe('the demo', () => {
    it('checks the worker’s rules and the dashboard’s together', () => {
      const env = { ...CREDENTIALS, POLL_INITIAL_DELAY_MS: '5000', POLL_MAX_DELAY_MS: '1000', WEBHOOK_URL: 'https://h.example/x' };
      expect(issuesOf(() => loadDemoConfig({ ...env, DASHBOARD_USER: 'ops' })).map((i) => i.variable)).toEqual([
        'POLL_MAX_DELAY_MS',
        'WEBHOOK_SECRET',
        'DASHBOARD_PASSWORD',
      ]);
      expect(loadDemoConfig({ ...CREDENTIALS, DASHBOARD_PORT: '0' })).toMatchObject({ DASHBOARD_PORT: 0, METRICS_PORT: 9464 });
    });
  });
});

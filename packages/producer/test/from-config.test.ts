import { it } from '@regionwatch/testkit/vitest';
import { afterEach, describe, expect, vi } from 'vitest';
import { ConfigError, RegionTaskProducer } from '../src/index.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

const id = (n: number) => `5c0ffee0-2222-4000-8000-${String(n).padStart(12, '0')}`;

describe('RegionTaskProducer.fromConfig() inside a host service', () => {
  it.for([
    ['LOG_LEVEL=warning', { LOG_LEVEL: 'warning' }],
    ['its own WEBHOOK_URL without WEBHOOK_SECRET', { WEBHOOK_URL: 'https://host.example.com/its-own-hook', WEBHOOK_SECRET: '' }],
  ] as const)('works when the host’s environment has %s (the worker’s rules are not the producer’s)', async ([, hostEnv], { redis }) => {
    vi.stubEnv('REDIS_URL', redis.url);
    vi.stubEnv('REGIONWATCH_PREFIX', redis.prefix);
    for (const [name, value] of Object.entries(hostEnv)) vi.stubEnv(name, value);
    const producer = RegionTaskProducer.fromConfig();
    try {
      expect(await producer.track(id(1))).toEqual({ taskId: id(1), created: true });
    } finally {
      await producer.close();
    }
  });

  it('still refuses a bad value of its own, naming the variable', () => {
    vi.stubEnv('POLL_INITIAL_DELAY_MS', 'soon');
    expect(() => RegionTaskProducer.fromConfig()).toThrow(ConfigError);
    expect(() => RegionTaskProducer.fromConfig()).toThrow(/POLL_INITIAL_DELAY_MS: must be a whole number/);
  });
});

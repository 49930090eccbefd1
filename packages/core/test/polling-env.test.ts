import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';

describe('adaptive polling variables', () => {
  it('default to the adaptive strategy with the knobs the offline bench chose', () => {
    expect(loadConfig({})).toMatchObject({
      POLL_STRATEGY: 'adaptive',
      POLL_LAG_PER_POLL_MS: 2_500,
      POLL_LEARN_HALF_LIFE: 100,
      POLL_LEARN_MIN_SAMPLES: 20,
      POLL_MAX_KINDS: 100,
    });
  });

  it('parse valid values', () => {
    expect(
      loadConfig({
        POLL_STRATEGY: 'exponential',
        POLL_LAG_PER_POLL_MS: '600',
        POLL_LEARN_HALF_LIFE: '400',
        POLL_LEARN_MIN_SAMPLES: '50',
        POLL_MAX_KINDS: '10',
      }),
    ).toMatchObject({ POLL_STRATEGY: 'exponential', POLL_LAG_PER_POLL_MS: 600, POLL_LEARN_HALF_LIFE: 400, POLL_MAX_KINDS: 10 });
  });

  it('name each bad variable', () => {
    try {
      loadConfig({ POLL_STRATEGY: 'smart', POLL_LAG_PER_POLL_MS: '0', POLL_LEARN_HALF_LIFE: '2', POLL_MAX_KINDS: 'many' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const variables = (error as ConfigError).issues.map((i) => i.variable).sort();
      expect(variables).toEqual(['POLL_LAG_PER_POLL_MS', 'POLL_LEARN_HALF_LIFE', 'POLL_MAX_KINDS', 'POLL_STRATEGY']);
      expect((error as ConfigError).message).toMatch(/POLL_STRATEGY.*adaptive or exponential/);
    }
  });
});

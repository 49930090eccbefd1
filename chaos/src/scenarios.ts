import type { ChaosSize, ScenarioReport } from './scenario.js';
import { asposeStorms } from './scenarios/aspose-storms.js';
import { badInput } from './scenarios/bad-input.js';
import { redisOutage } from './scenarios/redis-outage.js';
import { redisRestart } from './scenarios/redis-restart.js';
import { replicaCrashes } from './scenarios/replica-crashes.js';
import { webhookOutage } from './scenarios/webhook-outage.js';

/** Every scenario `npm run chaos` runs, in order. */
export const SCENARIOS = {
  'replica-crashes': replicaCrashes,
  'redis-shutdown': (size: ChaosSize) => redisRestart(size, 'shutdown'),
  'redis-kill': (size: ChaosSize) => redisRestart(size, 'kill'),
  'redis-outage': redisOutage,
  'aspose-storms': asposeStorms,
  'webhook-outage': webhookOutage,
  'bad-input': badInput,
} satisfies Record<string, (size: ChaosSize) => Promise<ScenarioReport>>;

export type ScenarioName = keyof typeof SCENARIOS;

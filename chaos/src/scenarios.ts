import type { ChaosSize, ScenarioReport } from './scenario.js';
import { asposeStorms } from './scenarios/aspose-storms.js';
import { badInput } from './scenarios/bad-input.js';
import { clusterOneSlot, clusterSharded, clusterShardedOwnTag } from './scenarios/cluster-one-slot.js';
import { redisFailover } from './scenarios/redis-failover.js';
import { redisOutage } from './scenarios/redis-outage.js';
import { redisRestart } from './scenarios/redis-restart.js';
import { replicaCrashes } from './scenarios/replica-crashes.js';
import { throttledAccount } from './scenarios/throttled-account.js';
import { webhookBreaker } from './scenarios/webhook-breaker.js';
import { webhookOutage } from './scenarios/webhook-outage.js';

/** Every scenario `npm run chaos` runs, in order. */
export const SCENARIOS = {
  'replica-crashes': replicaCrashes,
  'redis-shutdown': (size: ChaosSize) => redisRestart(size, 'shutdown'),
  'redis-kill': (size: ChaosSize) => redisRestart(size, 'kill'),
  'redis-failover': redisFailover,
  'redis-outage': redisOutage,
  'aspose-storms': asposeStorms,
  'webhook-outage': webhookOutage,
  'webhook-breaker': webhookBreaker,
  'bad-input': badInput,
  'throttled-account': throttledAccount,
  'cluster-one-slot': clusterOneSlot,
  'cluster-sharded': clusterSharded,
  'cluster-sharded-own-tag': clusterShardedOwnTag,
} satisfies Record<string, (size: ChaosSize) => Promise<ScenarioReport>>;

export type ScenarioName = keyof typeof SCENARIOS;

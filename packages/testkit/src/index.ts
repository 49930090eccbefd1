// @regionwatch/testkit: dev and test helpers (tests, the demo, benchmarks; never production code).
// The vitest fixtures (`test`/`it` with `redis` and `fileRedis`) are in '@regionwatch/testkit/vitest'.

// A real Redis: REDIS_URL, else testcontainers, else a spawned redis-server.
export {
  NoRedisAvailableError,
  provideRedis,
  spawnRedisServer,
  waitForPing,
  type ProvidedRedis,
  type ProvideRedisOptions,
} from './provide-redis.js';

// Redis high availability for tests: a real Sentinel set-up and a real Cluster on loopback ports
// (file-scoped vitest fixtures `sentinel` and `cluster` in '@regionwatch/testkit/vitest').
export { infoOf, startRedisProcess, type RedisNodeProcess, type StartRedisProcessOptions } from './redis-process.js';
export { startRedisSentinel, type RedisSentinelSet, type StartRedisSentinelOptions } from './redis-sentinel.js';
export { startRedisCluster, type ClusterPrimary, type RedisClusterSet, type StartRedisClusterOptions } from './redis-cluster.js';

// Processes and ports: Node children, worker replicas in their own processes, free ports, bounded waits.
export { REPO_ROOT, spawnNode, until, waitFor, type NodeChild } from './node-process.js';
export {
  BUILT_WORKER,
  buildWorker,
  buildWorkspaces,
  SOURCE_WORKER,
  startWorkerProcess,
  stopWorkerProcesses,
  type WorkerProcess,
} from './worker-process.js';
export { freePort } from './free-port.js';
export { regionResult } from './region-result.js';

// Checking what a run did: a webhook receiver that verifies signatures, and rate measurements.
export { WebhookReceiver, type Delivery, type ReceiverAnswer } from './webhook-receiver.js';
export { maxInSlidingWindow } from './sliding-window.js';
export { allVariables, configSchemas, variablesOf, type ConfigSchemas } from './config-variables.js';

export { freePort } from './free-port.js';
export { REPO_ROOT, spawnNode, until, waitFor, type NodeChild } from './node-process.js';
export {
  NoRedisAvailableError,
  provideRedis,
  spawnRedisServer,
  waitForPing,
  type ProvidedRedis,
  type ProvideRedisOptions,
} from './provide-redis.js';
export { WebhookReceiver, type Delivery, type ReceiverAnswer } from './webhook-receiver.js';
export { BUILT_WORKER, buildWorker, SOURCE_WORKER, startWorkerProcess, stopWorkerProcesses, type WorkerProcess } from './worker-process.js';
export { maxInSlidingWindow } from './sliding-window.js';
export { allVariables, configSchemas, variablesOf, type ConfigSchemas } from './config-variables.js';

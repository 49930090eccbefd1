export { freePort } from './free-port.js';
export { NoRedisAvailableError, provideRedis, spawnRedisServer, waitForPing, type ProvidedRedis, type ProvideRedisOptions } from './provide-redis.js';

import { ConfigError, createLogger, describeConfig, loadConfig, requireAsposeCredentials } from '@regionwatch/core';
import { startWorker } from './worker-runtime.js';

// One worker replica: read the config, start, and stop cleanly on SIGTERM/SIGINT (exit 0).
let config;
try {
  config = loadConfig();
  requireAsposeCredentials(config); // refuse to start without them, before touching Redis
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
const logger = createLogger({ level: config.LOG_LEVEL, name: 'regionwatch-worker' });
logger.info({ config: describeConfig(config) }, 'configuration');

try {
  const worker = await startWorker({ config, logger });
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'signal received');
    worker.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  if (error instanceof ConfigError) {
    logger.fatal(error.message);
    process.exit(2);
  }
  logger.fatal({ err: error }, 'worker failed to start');
  process.exit(1);
}

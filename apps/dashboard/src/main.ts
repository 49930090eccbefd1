import { ConfigError, createLogger, describeConfig, loadConfig } from '@regionwatch/core';
import { startDashboard } from './start-dashboard.js';

// The dashboard: read the config, listen, and stop cleanly on SIGTERM/SIGINT (exit 0).
let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
const logger = createLogger({ level: config.LOG_LEVEL, name: 'regionwatch-dashboard' });
logger.info({ config: describeConfig(config) }, 'configuration');

try {
  const dashboard = await startDashboard({ config, logger });
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'signal received');
    dashboard.close().then(
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
  logger.fatal({ err: error }, 'dashboard failed to start');
  process.exit(1);
}

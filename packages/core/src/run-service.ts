import { describeConfig } from './config/load-config.js';
import { ConfigError } from './errors/config-error.js';
import { createLogger, type Logger } from './logger.js';

/** Something `runService` keeps running until a signal asks it to stop. */
export type Service = { close(): Promise<void> };

/**
 * The life of a process that `main.ts` starts: load and check its own config, once (a bad one prints
 * its message and exits 2), start, and on SIGTERM/SIGINT close and exit 0 (1 if closing failed).
 */
export async function runService<C extends { readonly LOG_LEVEL: string }>(
  name: string,
  loadConfig: (env: NodeJS.ProcessEnv) => C,
  start: (config: C, logger: Logger) => Promise<Service>,
): Promise<void> {
  let config: C;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
  const logger = createLogger({ level: config.LOG_LEVEL, name });
  logger.info({ config: describeConfig(config) }, 'configuration');
  // A signal while starting (e.g. still waiting for an unreachable Redis) stops the process at once:
  // nothing has been taken yet that would need handing back.
  const stopWhileStarting = (signal: NodeJS.Signals) => {
    logger.info({ signal }, `signal received while starting: ${name} exits without having started`);
    process.exit(0);
  };
  process.once('SIGTERM', stopWhileStarting);
  process.once('SIGINT', stopWhileStarting);
  let service: Service;
  try {
    service = await start(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, `${name} failed to start`);
    process.exit(1);
  } finally {
    process.off('SIGTERM', stopWhileStarting);
    process.off('SIGINT', stopWhileStarting);
  }
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'signal received');
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

import { ConfigError, loadReplayConfig, parseCommandLine } from '@regionwatch/core';
import { connectOrExit } from './cli/connect-or-exit.js';
import { PrefixInUseError, purgePrefix } from './purge/purge-prefix.js';

const USAGE = `usage: npm run purge -- --prefix PREFIX [--yes] [--force]
  Removes every key of one regionwatch environment from Redis (REDIS_URL, REDIS_SENTINELS or
  REDIS_CLUSTER_NODES): all queues, jobs, results, dead letters and regionwatch's own keys under
  "PREFIX:". Without --yes it only counts them.
  Refuses while a worker of that prefix is connected, unless --force. Another prefix is never touched.`;

const { values } = parseCommandLine(USAGE, {
  options: {
    prefix: { type: 'string' },
    yes: { type: 'boolean' },
    force: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
// The prefix is never taken from REGIONWATCH_PREFIX: removing an environment is spelled out.
if (!values.prefix) {
  console.error(`--prefix is required (it is never read from REGIONWATCH_PREFIX)\n${USAGE}`);
  process.exit(2);
}

let config;
try {
  config = loadReplayConfig({ ...process.env, REGIONWATCH_PREFIX: values.prefix });
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : String(error));
  process.exit(2);
}
const { connection, where } = await connectOrExit(config, 'purge');
let exitCode = 0;
try {
  const report = await purgePrefix(connection, values.prefix, { remove: values.yes ?? false, force: values.force ?? false });
  const queues = report.queues.length > 0 ? ` (queues: ${report.queues.join(', ')})` : '';
  if (report.removed) console.log(`removed ${report.keys} key(s) of prefix "${report.prefix}"${queues} from ${where}`);
  else if (report.keys === 0) console.log(`no key of prefix "${report.prefix}" in ${where}`);
  else
    console.log(
      `would remove ${report.keys} key(s) of prefix "${report.prefix}"${queues} from ${where}; run again with --yes to remove them`,
    );
} catch (error) {
  console.error(`purge failed: ${(error as Error).message}`);
  exitCode = error instanceof PrefixInUseError ? 3 : 1;
} finally {
  connection.disconnect();
}
process.exitCode = exitCode;

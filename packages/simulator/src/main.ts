// `npm run simulator`: a simulator on a fixed port for the demo and for pointing a local worker at.
import { parseArgs } from 'node:util';
import { WORKLOAD_NAMES, type WorkloadName } from './completion-workload.js';
import { startSimulator } from './start-simulator.js';

const USAGE = `usage: npm run simulator -- [--port N] [--host H] [--seed N] [--log-requests]
  Starts the Aspose OCR Cloud simulator (defaults: 127.0.0.1:8089, seed 1) and prints the ASPOSE_* variables
  to point a worker at it. Env: SIMULATOR_PORT, SIMULATOR_HOST, SIMULATOR_SEED, SIMULATOR_PENDING_MS,
  SIMULATOR_PROCESSING_MS, SIMULATOR_LOG_REQUESTS=1, SIMULATOR_WORKLOAD=${WORKLOAD_NAMES.join('|')} (completion times
  drawn from a workload instead), SIMULATOR_TIME_SCALE (multiplies the workload's times, e.g. 0.05).`;

let parsed;
try {
  parsed = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      'log-requests': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
const { values } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const env = process.env;
const simulator = await startSimulator({
  host: values.host ?? env.SIMULATOR_HOST ?? '127.0.0.1',
  port: integer('--port / SIMULATOR_PORT', values.port ?? env.SIMULATOR_PORT, 8089),
  seed: integer('--seed / SIMULATOR_SEED', values.seed ?? env.SIMULATOR_SEED, 1),
  pendingMs: integer('SIMULATOR_PENDING_MS', env.SIMULATOR_PENDING_MS, 300),
  processingMs: integer('SIMULATOR_PROCESSING_MS', env.SIMULATOR_PROCESSING_MS, 700),
  logRequests: values['log-requests'] ?? env.SIMULATOR_LOG_REQUESTS === '1',
  ...(env.SIMULATOR_WORKLOAD ? { completionTimes: { workload: workloadName(env.SIMULATOR_WORKLOAD), timeScale: timeScale() } } : {}),
});

const { clientId, clientSecret } = simulator.credentials;
console.log(
  `Aspose OCR Cloud simulator on ${simulator.url} (control surface ${simulator.url}/__simulator/). Point a worker at it with: ` +
    `ASPOSE_BASE_URL=${simulator.url} ASPOSE_CLIENT_ID=${clientId} ASPOSE_CLIENT_SECRET=${clientSecret}`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    simulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('simulator: close failed:', error);
        process.exit(1);
      },
    );
  });
}

function integer(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`simulator: ${name} must be a non-negative integer, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

function workloadName(raw: string): WorkloadName {
  if ((WORKLOAD_NAMES as readonly string[]).includes(raw)) return raw as WorkloadName;
  console.error(`simulator: SIMULATOR_WORKLOAD must be one of ${WORKLOAD_NAMES.join(', ')}, got "${raw}"`);
  process.exit(2);
}

function timeScale(): number {
  const raw = env.SIMULATOR_TIME_SCALE;
  if (raw === undefined || raw === '') return 1;
  const value = Number(raw);
  if (!(value > 0) || !Number.isFinite(value)) {
    console.error(`simulator: SIMULATOR_TIME_SCALE must be a positive number, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

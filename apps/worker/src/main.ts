import { loadWorkerConfig, runService } from '@regionwatch/core';
import { startWorker } from './worker-runtime.js';

// One worker replica. Its config (Aspose credentials included) is checked before it touches Redis.
await runService('regionwatch-worker', loadWorkerConfig, (config, logger) => startWorker({ config, logger }));

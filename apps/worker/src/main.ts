import { requireAsposeCredentials, runService } from '@regionwatch/core';
import { startWorker } from './worker-runtime.js';

// One worker replica. It refuses to start without Aspose credentials, before touching Redis.
await runService('regionwatch-worker', (config, logger) => startWorker({ config, logger }), requireAsposeCredentials);

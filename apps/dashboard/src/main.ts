import { loadDashboardConfig, runService } from '@regionwatch/core';
import { startDashboard } from './start-dashboard.js';

// The dashboard: read the config, listen, and stop cleanly on SIGTERM/SIGINT (exit 0).
await runService('regionwatch-dashboard', loadDashboardConfig, (config, logger) => startDashboard({ config, logger }));

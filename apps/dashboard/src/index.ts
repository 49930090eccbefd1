// @regionwatch/dashboard: Bull Board and the task lookup over the regionwatch queues.

// Running it: startDashboard listens (main.ts, the demo); createApp is the Express app alone (tests).
export { startDashboard, type RunningDashboard, type StartDashboardOptions } from './start-dashboard.js';
export { BOARD_PATH, createApp, type Dashboard, type DashboardDeps } from './create-app.js';

// Access: basic auth and where it may listen.
export { AUTH_REALM, basicAuth, parseBasicAuthorization, type Credentials } from './auth/basic-auth.js';
export { hasCredentials, listenHost } from './listen-host.js';

// Errors and their HTTP statuses (RedisUnavailableError, answered 503, comes from @regionwatch/core).
export { InvalidTaskIdError } from './errors/invalid-task-id-error.js';
export { TaskNotFoundError } from './errors/task-not-found-error.js';
export { statusForError } from './errors/status-for-error.js';

// What the task lookup shows (`/api/tasks/:taskId`).
export type {
  DeliveryReceiptView,
  JobStateName,
  JobSummary,
  PollJobView,
  PollProgressView,
  TaskView,
  WebhookDeliveryView,
} from './tasks/task-view.js';

// @regionwatch/dashboard: Bull Board and the task lookup over the regionwatch queues.

// Running it: startDashboard listens (main.ts, the demo); createApp is the Express app alone (tests).
export { startDashboard, type RunningDashboard, type StartDashboardOptions } from './start-dashboard.js';
export { BOARD_PATH, createApp, type Dashboard, type DashboardDeps } from './create-app.js';

// Access: basic auth, the failed-login limit and where it may listen.
export { AUTH_REALM, basicAuth, parseBasicAuthorization, type BasicAuthOptions, type Credentials } from './auth/basic-auth.js';
export {
  clientKey,
  createLoginLimiter,
  DEFAULT_LOGIN_FAILURE_LIMIT,
  type LoginFailureLimit,
  type LoginLimiter,
  type LoginStanding,
} from './auth/login-limiter.js';
export { hasCredentials, listenHost } from './listen-host.js';

// Errors and their HTTP statuses (RedisUnavailableError, answered 503, comes from @regionwatch/core).
export { InvalidTaskIdError } from './errors/invalid-task-id-error.js';
export { TaskNotFoundError } from './errors/task-not-found-error.js';
export { CrossOriginRequestError } from './errors/cross-origin-request-error.js';
export { MisdirectedRequestError } from './errors/misdirected-request-error.js';
export { statusForError } from './errors/status-for-error.js';

// What the task lookup shows (`/api/tasks/:taskId`), and how much of it a page shows.
export { MAX_LISTED_MESSAGES, MAX_REGION_ROWS, MAX_SHOWN_TEXT } from './tasks/render-task-page.js';
export type {
  DeliveryReceiptView,
  DeliveryStateView,
  JobStateName,
  JobSummary,
  PollJobView,
  PollProgressView,
  TaskView,
  WebhookDeliveryView,
} from './tasks/task-view.js';

// What the learned completion times view shows (`/learned`, `/api/learned`).
export { readLearned, type LearnedKindView, type LearnedView } from './learned/learned-view.js';
// What the webhook endpoints view shows (`/webhooks`, `/api/webhooks`).
export { MAX_ENDPOINTS_SHOWN, readEndpoints, type EndpointsView, type EndpointView } from './webhooks/endpoint-view.js';

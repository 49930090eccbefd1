export { AUTH_REALM, basicAuth, parseBasicAuthorization, type BasicAuthOptions, type Credentials } from './auth/basic-auth.js';
export {
  clientKey,
  createLoginLimiter,
  DEFAULT_LOGIN_FAILURE_LIMIT,
  type LoginFailureLimit,
  type LoginLimiter,
  type LoginStanding,
} from './auth/login-limiter.js';
export { BOARD_PATH, createApp, type Dashboard, type DashboardDeps } from './create-app.js';
export { InvalidTaskIdError } from './errors/invalid-task-id-error.js';
export { RedisUnavailableError } from './errors/redis-unavailable-error.js';
export { statusForError } from './errors/status-for-error.js';
export { TaskNotFoundError } from './errors/task-not-found-error.js';
export { CrossOriginRequestError } from './errors/cross-origin-request-error.js';
export { MisdirectedRequestError } from './errors/misdirected-request-error.js';
export { MAX_LISTED_MESSAGES, MAX_REGION_ROWS, MAX_SHOWN_TEXT } from './tasks/render-task-page.js';
export { hasCredentials, listenHost } from './listen-host.js';
export { startDashboard, type RunningDashboard, type StartDashboardOptions } from './start-dashboard.js';
export type {
  DeliveryReceiptView,
  JobStateName,
  JobSummary,
  PollJobView,
  PollProgressView,
  TaskView,
  WebhookDeliveryView,
} from './tasks/task-view.js';

export { AUTH_REALM, basicAuth, parseBasicAuthorization, type Credentials } from './auth/basic-auth.js';
export { BOARD_PATH, createApp, type Dashboard, type DashboardDeps } from './create-app.js';
export { InvalidTaskIdError } from './errors/invalid-task-id-error.js';
export { statusForError } from './errors/status-for-error.js';
export { TaskNotFoundError } from './errors/task-not-found-error.js';
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

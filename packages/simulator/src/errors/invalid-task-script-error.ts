/** `createTask` (or `POST /__simulator/tasks`) got a script it cannot run. */
export class InvalidTaskScriptError extends Error {
  override readonly name = 'InvalidTaskScriptError';
  readonly code = 'INVALID_TASK_SCRIPT';
  constructor(detail: string) {
    super(`Invalid task script: ${detail}. See the TaskScript type for the accepted shape.`);
  }
}

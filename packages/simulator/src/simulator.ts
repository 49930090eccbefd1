import type { Faults } from './faults.js';
import type { Counters, RequestLogEntry } from './request-stats.js';
import type { TaskScript, TaskState } from './task-script.js';

/** A running simulator, returned by `startSimulator`. */
export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:41234`; Aspose paths hang off it. */
  readonly url: string;
  readonly port: number;
  /** `${url}/connect/token`. */
  readonly tokenUrl: string;
  /** The client credentials the token endpoint accepts. */
  readonly credentials: { clientId: string; clientSecret: string };

  /** Creates a task that behaves as scripted and returns its id. Throws `InvalidTaskScriptError`. */
  createTask(script?: TaskScript): string;
  /** The task's current status, when it became or becomes terminal, and how often it was polled. */
  taskState(id: string): TaskState | undefined;

  /** Replaces the active faults (omitted fields are off). Throws `InvalidFaultsError`. */
  setFaults(faults: Partial<Faults>): void;
  clearFaults(): void;
  /** The active faults, with defaults filled in. */
  faults(): Faults;
  /**
   * Answers, now, every request a latency fault is holding (as if its delay had run out) and returns
   * how many. With a long latency, tests keep requests in flight exactly until they call this.
   */
  releaseHeld(): number;

  /** Every token issued so far expires now (401 on next use). */
  expireTokens(): void;
  /** Every token issued so far is revoked (401 on next use). */
  revokeTokens(): void;
  /** `expires_in` for tokens issued from now on. */
  setTokenLifetime(seconds: number): void;

  counters(): Counters;
  /** The most recent Aspose requests (token endpoint included), oldest first. */
  requestLog(): RequestLogEntry[];
  /** Zeroes the counters and empties the request log. */
  resetCounters(): void;

  /** Stops listening and drops every connection, keep-alive ones included. */
  close(): Promise<void>;
}

/** What the `/__simulator/` control surface can reach. */
export type SimulatorControls = Omit<Simulator, 'url' | 'port' | 'tokenUrl' | 'credentials' | 'close'>;

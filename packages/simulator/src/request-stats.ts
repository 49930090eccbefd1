import type { Endpoint } from './endpoint.js';
import { RingBuffer } from './ring-buffer.js';

/** Requests per Aspose endpoint since start (or the last reset), faulted ones included. */
export type Counters = {
  token: number;
  submit: number;
  get: number;
  status: number;
  cancel: number;
  /** Requests answered 401. */
  unauthorized: number;
  /** Faults injected (a latency fault followed by a normal answer counts once). */
  faults: number;
};

/**
 * One request to an Aspose endpoint. `at` is when it arrived (simulator clock), so the log is in
 * arrival order; `status` is 0 until answered and stays 0 for a reset connection.
 */
export type RequestLogEntry = {
  at: number;
  endpoint: Endpoint;
  status: number;
  /** The `id` query parameter of task requests (GET, status, cancel), so tests can count per task. */
  taskId?: string;
};

/** How many requests the log keeps (the most recent). */
export const REQUEST_LOG_CAPACITY = 200_000;

export class RequestStats {
  private counts: Counters = zeroCounters();
  private readonly log = new RingBuffer<RequestLogEntry>(REQUEST_LOG_CAPACITY);

  /** Counts a request and returns its log entry, whose `status` the caller fills in when answered. */
  arrived(endpoint: Endpoint, at: number, taskId?: string): RequestLogEntry {
    this.counts[endpoint]++;
    const entry: RequestLogEntry = taskId ? { at, endpoint, status: 0, taskId } : { at, endpoint, status: 0 };
    this.log.push(entry);
    return entry;
  }

  unauthorized(): void {
    this.counts.unauthorized++;
  }

  fault(): void {
    this.counts.faults++;
  }

  counters(): Counters {
    return { ...this.counts };
  }

  requestLog(): RequestLogEntry[] {
    return this.log.toArray().map((entry) => ({ ...entry }));
  }

  reset(): void {
    this.counts = zeroCounters();
    this.log.clear();
  }
}

function zeroCounters(): Counters {
  return { token: 0, submit: 0, get: 0, status: 0, cancel: 0, unauthorized: 0, faults: 0 };
}

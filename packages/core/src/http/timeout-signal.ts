/**
 * Like `AbortSignal.timeout(ms)`, but the abort waits for the I/O that has already arrived. After the
 * event loop was blocked (a busy CPU, a long GC pause), Node runs due timers *before* it reads the
 * sockets: an answer that came in time would be thrown away as a timeout, and a delivered webhook sent
 * again. Deferring the abort to `setImmediate` (the check phase, after the poll phase of the same turn)
 * lets an answer already in the socket win; one that has not arrived is still aborted at `ms` plus one turn.
 */
export function timeoutSignal(ms: number): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort(new DOMException(`The operation timed out after ${ms} ms`, 'TimeoutError'));
  setTimeout(() => setImmediate(abort), ms).unref();
  return controller.signal;
}

import { InvalidRequestBodyError } from './errors/invalid-request-body-error.js';
import { isRecord } from './is-record.js';
import { emptyReply, jsonReply, type Reply } from './http/reply.js';
import type { SimulatorControls } from './simulator.js';
import type { Faults } from './faults.js';
import type { TaskScript } from './task-script.js';

/**
 * The test-only control surface under `/__simulator/` (no auth, no faults): the programmatic
 * `Simulator` API over HTTP, for tests and demos running in another process. `path` has the prefix
 * removed. Bodies are validated by the same code as the programmatic API; errors propagate to the
 * caller, which maps them to statuses.
 */
export function handleControl(method: string, path: string, body: string, controls: SimulatorControls): Reply {
  const route = `${method} ${path}`;
  if (route === 'POST tasks') return jsonReply(201, { id: controls.createTask(parseJson(body, {}) as TaskScript) });
  if (method === 'GET' && path.startsWith('tasks/')) {
    const state = controls.taskState(decodePathSegment(path.slice('tasks/'.length)));
    return state ? jsonReply(200, state) : jsonReply(404, { error: 'unknown task' });
  }
  switch (route) {
    case 'GET faults':
      return jsonReply(200, controls.faults());
    case 'PUT faults':
      controls.setFaults(parseJson(body, {}) as Partial<Faults>);
      return jsonReply(200, controls.faults());
    case 'DELETE faults':
      controls.clearFaults();
      return emptyReply(204);
    case 'POST faults/release':
      return jsonReply(200, { released: controls.releaseHeld() });
    case 'GET counters':
      return jsonReply(200, controls.counters());
    case 'GET requests':
      return jsonReply(200, controls.requestLog());
    case 'POST counters/reset':
      controls.resetCounters();
      return emptyReply(204);
    case 'POST tokens/expire':
      controls.expireTokens();
      return emptyReply(204);
    case 'POST tokens/revoke':
      controls.revokeTokens();
      return emptyReply(204);
    case 'PUT tokens/lifetime': {
      const parsed = parseJson(body, undefined);
      const seconds = isRecord(parsed) ? parsed.seconds : undefined;
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0)
        throw new InvalidRequestBodyError('expected { "seconds": <non-negative number> }');
      controls.setTokenLifetime(seconds);
      return emptyReply(204);
    }
    default:
      return jsonReply(404, { error: `no control endpoint ${route}` });
  }
}

/** The body as JSON; `fallback` for an empty body. The shape is checked by the controls themselves. */
function parseJson(body: string, fallback: unknown): unknown {
  if (body.trim() === '') return fallback;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new InvalidRequestBodyError('not valid JSON');
  }
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidRequestBodyError(`malformed task id in path: ${segment}`);
  }
}

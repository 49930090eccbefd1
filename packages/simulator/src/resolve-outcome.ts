import { encodeRectangles } from './encode-rectangles.js';
import { generateRectangles } from './generate-rectangles.js';
import { Prng } from './prng.js';
import type { ResolvedOutcome } from './stored-task.js';
import type { Outcome } from './task-script.js';

/** Error messages of generated `Error` tasks, worded like the Aspose service's. */
export const GENERATED_ERROR_MESSAGES = ['Region detection failed: the image could not be processed.'];

/**
 * Turns a scripted (or drawn) outcome into the exact result items. Generated rectangles come from a
 * stream keyed by the seed and the image fingerprint, so the same image under the same seed always
 * yields the same regions, whatever else happened in the run.
 */
export function resolveOutcome(outcome: Outcome, seed: number, fingerprint: readonly number[]): ResolvedOutcome {
  switch (outcome.status) {
    case 'NotExist':
      return { status: 'NotExist' };
    case 'Error':
      return {
        status: 'Error',
        messages: outcome.messages,
        warnings: outcome.warnings ?? [],
        responseStatusCode: outcome.responseStatusCode ?? 'Error',
      };
    case 'Completed': {
      const results =
        outcome.rawResults ??
        (outcome.rectangles ?? [generateRectangles(Prng.fromWords(seed, ...fingerprint))]).map((rects) => ({
          type: 'Other',
          data: encodeRectangles(rects),
        }));
      return { status: 'Completed', results, warnings: outcome.warnings ?? [], responseStatusCode: outcome.responseStatusCode ?? 'Ok' };
    }
  }
}

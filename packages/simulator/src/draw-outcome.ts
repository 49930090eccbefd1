import type { Prng } from './prng.js';
import { GENERATED_ERROR_MESSAGES } from './resolve-outcome.js';
import type { OutcomeWeights } from './simulator-options.js';
import type { Outcome } from './task-script.js';

/** An outcome for an unscripted task, drawn from the weighted mix. */
export function drawOutcome(prng: Prng, weights: Required<OutcomeWeights>): Outcome {
  const total = weights.Completed + weights.Error + weights.NotExist;
  let ticket = prng.next() * total;
  ticket -= weights.Completed;
  if (ticket < 0) return { status: 'Completed' };
  ticket -= weights.Error;
  if (ticket < 0) return { status: 'Error', messages: [...GENERATED_ERROR_MESSAGES] };
  return weights.NotExist > 0 ? { status: 'NotExist' } : { status: 'Completed' };
}

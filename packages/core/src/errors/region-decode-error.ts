import { RegionwatchError } from './regionwatch-error.js';

/**
 * A result item that is not base64 of a JSON array of `[x1, y1, x2, y2]` rectangles. Nothing to
 * fix on our side: the task ends `Malformed` with this message and the raw items kept.
 */
export class RegionDecodeError extends RegionwatchError {
  readonly code = 'REGION_DECODE_FAILED';
  /** Index of the offending item in Aspose's `results`. */
  readonly itemIndex: number;
  readonly reason: string;

  constructor(itemIndex: number, reason: string) {
    super(`result item ${itemIndex}: ${reason}`);
    this.itemIndex = itemIndex;
    this.reason = reason;
  }
}

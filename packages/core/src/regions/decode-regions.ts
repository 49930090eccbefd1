import type { Region } from '../contract/region.js';
import { RegionDecodeError } from '../errors/region-decode-error.js';

// Canonical base64 with padding: Buffer.from(s, 'base64') skips any character it does not know,
// so garbage would decode to *something*; we check the alphabet and the padding first.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A result item as Aspose returns it (both fields are nullable in the API schema). */
export type ResultItem = { type?: string | null; data?: string | null };

/**
 * Decodes every item of Aspose's `results` into rectangles, in order. Throws `RegionDecodeError`
 * naming the first bad item and why; never anything else.
 */
export function decodeRegions(results: readonly ResultItem[] | null | undefined): Region[] {
  const regions: Region[] = [];
  (results ?? []).forEach((item, index) => {
    for (const region of decodeItem(item, index)) regions.push(region);
  });
  return regions;
}

function decodeItem(item: ResultItem, index: number): Region[] {
  const data = item.data;
  if (typeof data !== 'string') throw new RegionDecodeError(index, 'data is missing');
  if (data.length === 0) throw new RegionDecodeError(index, 'data is empty');
  if (!BASE64.test(data)) throw new RegionDecodeError(index, 'data is not valid base64');
  const bytes = Buffer.from(data, 'base64');
  // Non-zero bits after the last full byte mean the string is not what an encoder would produce.
  if (bytes.toString('base64') !== data) throw new RegionDecodeError(index, 'data is not canonical base64');

  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new RegionDecodeError(index, 'data does not decode to UTF-8 text');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new RegionDecodeError(index, `decoded text is not JSON: ${preview(text)}`);
  }
  if (!Array.isArray(parsed)) throw new RegionDecodeError(index, 'decoded JSON is not an array of rectangles');
  return parsed.map((rectangle, r) => toRegion(rectangle, index, r));
}

function toRegion(rectangle: unknown, index: number, r: number): Region {
  if (!Array.isArray(rectangle) || rectangle.length !== 4) {
    throw new RegionDecodeError(index, `rectangle ${r} is not an [x1, y1, x2, y2] array`);
  }
  for (const value of rectangle) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new RegionDecodeError(
        index,
        `rectangle ${r} has a coordinate that is not a non-negative integer: ${JSON.stringify(value) ?? String(value)}`,
      );
    }
  }
  const [left, top, right, bottom] = rectangle as [number, number, number, number];
  if (left > right) throw new RegionDecodeError(index, `rectangle ${r} has x1 > x2 (${left} > ${right})`);
  if (top > bottom) throw new RegionDecodeError(index, `rectangle ${r} has y1 > y2 (${top} > ${bottom})`);
  return { left, top, right, bottom };
}

function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** The inverse, in Aspose's own format (`[[0, 8, 697, 441]]`); used by tests and the simulator's peers. */
export function encodeRegions(regions: readonly Region[]): string {
  const text = `[${regions.map((r) => `[${r.left}, ${r.top}, ${r.right}, ${r.bottom}]`).join(', ')}]`;
  return Buffer.from(text, 'utf8').toString('base64');
}

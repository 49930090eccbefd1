/**
 * Encodes rectangles the way Aspose does in a DetectRegions result item: base64 of the JSON-like text
 * `[[x1, y1, x2, y2], ...]` with `", "` separators, e.g. `[[0, 8, 697, 441]]` → `W1swLCA4LCA2OTcsIDQ0MV1d`.
 * The exact spacing matters: clients are tested against the bytes Aspose really sends.
 */
export function encodeRectangles(rects: number[][]): string {
  const text = `[${rects.map((rect) => `[${rect.join(', ')}]`).join(', ')}]`;
  return Buffer.from(text, 'utf8').toString('base64');
}

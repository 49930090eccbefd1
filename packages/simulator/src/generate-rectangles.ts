import type { Prng } from './prng.js';

/** An A4 page scanned at 300 dpi, the usual input, so generated regions look like real ones. */
export const PAGE_WIDTH = 2480;
export const PAGE_HEIGHT = 3508;

/** 1–6 rectangles `[x1, y1, x2, y2]` inside the page: non-negative integers, x1 ≤ x2, y1 ≤ y2. */
export function generateRectangles(prng: Prng): number[][] {
  const count = prng.int(1, 6);
  const rects: number[][] = [];
  for (let i = 0; i < count; i++) {
    const x1 = prng.int(0, PAGE_WIDTH - 40);
    const y1 = prng.int(0, PAGE_HEIGHT - 20);
    const x2 = prng.int(x1, Math.min(PAGE_WIDTH - 1, x1 + 1800));
    const y2 = prng.int(y1, Math.min(PAGE_HEIGHT - 1, y1 + 900));
    rects.push([x1, y1, x2, y2]);
  }
  return rects;
}

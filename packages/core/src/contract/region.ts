import { z } from 'zod';

const pixel = z.number().int().nonnegative();

/** One detected rectangle: top-left (`left`, `top`) and bottom-right (`right`, `bottom`), pixels. */
export const regionSchema = z.object({ left: pixel, top: pixel, right: pixel, bottom: pixel });
export type Region = z.infer<typeof regionSchema>;

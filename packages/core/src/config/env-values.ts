import { z } from 'zod';

// The shapes environment values come in: strings, parsed into what the code uses. Every variable in
// ./variables.ts is built from these, so one kind of value is checked (and worded) one way.

/** A whole number of at least `min` (ms, counts, ports). */
export const wholeNumber = (min: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(Number.MAX_SAFE_INTEGER));

/** A number above 0, fractions allowed (a rate). */
export const positiveNumber = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
  .transform(Number)
  .pipe(z.number().positive('must be greater than 0'));

/** true/false, 1/0 or yes/no, any case. */
export const flag = z
  .string()
  .transform((v) => v.toLowerCase())
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' }))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });

export const tcpPort = wholeNumber(0).pipe(z.number().max(65_535, 'must be a TCP port (0-65535)'));

/** A secret or name with no format of its own; `required` says why a process cannot run without it. */
export const requiredString = (required: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `is required: ${required}` : 'must be a string') });

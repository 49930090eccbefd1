import type { IncomingMessage } from 'node:http';
import { PayloadTooLargeError } from '../errors/payload-too-large-error.js';

/** The request body as UTF-8 text, refused past `limitBytes` so a runaway client cannot exhaust memory. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limitBytes) throw new PayloadTooLargeError(limitBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

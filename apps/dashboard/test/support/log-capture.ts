import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@regionwatch/core';

export type LogCapture = { logger: Logger; lines: Record<string, unknown>[]; text(): string };

/** A real pino logger (redaction included) whose JSON lines the test can read. */
export function captureLogs(level = 'debug'): LogCapture {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: createLogger({ level, destination }), lines, text: () => lines.map((line) => JSON.stringify(line)).join('\n') };
}

import { createHash } from 'node:crypto';

/** Two 32-bit words of SHA-256 over `text`: enough to derive a per-image random stream. */
export function fingerprint(text: string): [number, number] {
  const digest = createHash('sha256').update(text).digest();
  return [digest.readUInt32BE(0), digest.readUInt32BE(4)];
}

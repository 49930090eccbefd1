import { describe, expect, it } from 'vitest';
import { buildPollJob, imageSizeKind, InvalidTrackRequestError } from '../src/index.js';

describe('PollJob kind', () => {
  it('is the image size class for submit(): six classes, ×4 apart', () => {
    expect(imageSizeKind(0)).toBe('image-64k');
    expect(imageSizeKind(64 * 1024)).toBe('image-64k');
    expect(imageSizeKind(64 * 1024 + 1)).toBe('image-256k');
    expect(imageSizeKind(1024 * 1024)).toBe('image-1m');
    expect(imageSizeKind(3 * 1024 * 1024)).toBe('image-4m');
    expect(imageSizeKind(16 * 1024 * 1024)).toBe('image-16m');
    expect(imageSizeKind(200 * 1024 * 1024)).toBe('image-large');
  });

  it('is a short label, validated before anything is written', () => {
    expect(buildPollJob('task-1', { kind: 'invoice-scan' }).kind).toBe('invoice-scan');
    expect(buildPollJob('task-1', {}).kind).toBeUndefined();
    for (const bad of ['', '_shared', 'has space', 'x'.repeat(65), 'a:b']) {
      expect(() => buildPollJob('task-1', { kind: bad })).toThrow(InvalidTrackRequestError);
    }
    expect(() => buildPollJob('task-1', { kind: 'a:b' })).toThrow(/kind/);
  });
});

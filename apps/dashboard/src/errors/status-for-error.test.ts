import { RedisUnavailableError } from '@regionwatch/core';
import { describe, expect, it } from 'vitest';
import { CrossOriginRequestError } from './cross-origin-request-error.js';
import { InvalidTaskIdError } from './invalid-task-id-error.js';
import { MisdirectedRequestError } from './misdirected-request-error.js';
import { statusForError } from './status-for-error.js';
import { TaskNotFoundError } from './task-not-found-error.js';

describe('statusForError', () => {
  it('maps each typed error to its status, and the rest to 500', () => {
    expect(statusForError(new InvalidTaskIdError('a b', 'bad'))).toBe(400);
    expect(statusForError(new TaskNotFoundError('abc'))).toBe(404);
    expect(statusForError(new RedisUnavailableError(2_000))).toBe(503);
    expect(statusForError(new CrossOriginRequestError())).toBe(403);
    expect(statusForError(new MisdirectedRequestError())).toBe(421);
    expect(statusForError(Object.assign(new Error('bad URI'), { status: 400 }))).toBe(400);
    expect(statusForError(Object.assign(new Error('boom'), { status: 503 }))).toBe(500);
    expect(statusForError(new Error('boom'))).toBe(500);
    expect(statusForError('thrown string')).toBe(500);
  });

  it('gives the typed errors stable codes', () => {
    expect(new InvalidTaskIdError('x', 'y').code).toBe('TASK_ID_INVALID');
    expect(new TaskNotFoundError('x').code).toBe('TASK_NOT_FOUND');
    expect(new TaskNotFoundError('x').name).toBe('TaskNotFoundError');
  });
});

import { describe, expect, it } from 'vitest';
import { pipelineGroups } from '../src/index.js';

describe('pipelineGroups', () => {
  it('groups the indexes of equal keys, groups in the order their keys first appear', () => {
    expect([...pipelineGroups(['b', 'a', 'b', 'c', 'a'])]).toEqual([
      ['b', [0, 2]],
      ['a', [1, 4]],
      ['c', [3]],
    ]);
  });
  it('has no group for no keys', () => {
    expect(pipelineGroups([]).size).toBe(0);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCommandLine } from '../src/index.js';

const USAGE = 'usage: tool [--name N]';
const options = { name: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

class Exit extends Error {
  constructor(readonly code: number | undefined) {
    super(`exit ${code}`);
  }
}

describe('parseCommandLine', () => {
  afterEach(() => vi.restoreAllMocks());
  const capture = () => ({
    exit: vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Exit(code as number | undefined);
    }),
    out: vi.spyOn(console, 'log').mockImplementation(() => {}),
    err: vi.spyOn(console, 'error').mockImplementation(() => {}),
  });

  it('returns the values and positionals', () => {
    const { values, positionals } = parseCommandLine(USAGE, { args: ['--name', 'x', 'a1'], options, allowPositionals: true });
    expect(values).toEqual({ name: 'x' });
    expect(positionals).toEqual(['a1']);
  });

  it('an unknown option prints the reason and the usage on stderr and exits 2', () => {
    const io = capture();
    expect(() => parseCommandLine(USAGE, { args: ['--nope'], options })).toThrow(new Exit(2));
    expect(io.err).toHaveBeenCalledWith(expect.stringMatching(/Unknown option '--nope'[\s\S]*\nusage: tool \[--name N\]$/));
    expect(io.out).not.toHaveBeenCalled();
  });

  it('--help and -h print the usage on stdout and exit 0', () => {
    for (const flag of ['--help', '-h']) {
      const io = capture();
      expect(() => parseCommandLine(USAGE, { args: [flag], options })).toThrow(new Exit(0));
      expect(io.out).toHaveBeenCalledWith(USAGE);
      vi.restoreAllMocks();
    }
  });
});

// `npm run track` and `npm run replay` against a Redis that is not there (issue 17 §1): they fail
// fast, exit 2 and say so in one line, as the README promises — no stack traces, no hang.
import { join } from 'node:path';
import { freePort, REPO_ROOT, spawnNode } from '@regionwatch/testkit';
import { describe, expect, it } from 'vitest';

const CLIS = {
  track: join(REPO_ROOT, 'packages/producer/src/cli.ts'),
  replay: join(REPO_ROOT, 'apps/worker/src/replay-cli.ts'),
};

describe('command-line tools while Redis is unreachable', () => {
  // Concurrent: each waits out the tools' 5 s for its own unreachable port; nothing is shared.
  it.concurrent.each([
    ['track', ['some-task-id']],
    ['replay', ['--all']],
  ] as const)(
    '%s exits 2 with one line naming Redis',
    async (cli, args) => {
      const port = await freePort(); // nothing listens there
      const child = spawnNode(CLIS[cli], [...args], { REDIS_URL: `redis://:secret@127.0.0.1:${port}`, REGIONWATCH_PREFIX: 'cli-down' });
      // Bounded: the tools give Redis 5 s; a hang is a failure, not a stuck test run.
      const code = await Promise.race([child.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 60_000))]);
      if (code === 'still running') child.process.kill('SIGKILL');
      expect(code, child.lines.join('\n')).toBe(2);
      expect(child.lines).toHaveLength(1);
      expect(child.lines[0]).toMatch(/Redis did not answer within 5000 ms: connect ECONNREFUSED/);
      // The URL is named, its password is not.
      expect(child.lines[0]).toContain(`127.0.0.1:${port}`);
      expect(child.lines[0]).not.toContain('secret');
    },
    90_000,
  );
});

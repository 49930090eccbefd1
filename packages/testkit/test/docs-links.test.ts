// Every relative link in the repository's Markdown resolves: the file or folder exists, and a `#anchor`
// names a heading of the file it points into (GitHub's slugs). remark-validate-links does the checking;
// unified-engine gives it every file at once, which is what lets it check anchors in other files.
// Links to the web are not checked here (that would need the network).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { remark } from 'remark';
import remarkValidateLinks from 'remark-validate-links';
import { engine, type Options as EngineOptions } from 'unified-engine';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/index.js';

/** The Markdown files git would commit: tracked ones and new ones that are not ignored. */
function markdownFiles(): string[] {
  const output = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', '*.md'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  return [...new Set(output.split('\n').filter((path) => path.length > 0))].sort();
}

type Problem = { file: string; line: number | undefined; reason: string };

/** The broken links remark-validate-links finds in `files` (paths relative to the repository root). */
async function brokenLinks(files: string[]): Promise<Problem[]> {
  return new Promise((resolve, reject) => {
    engine(
      {
        processor: remark(),
        cwd: REPO_ROOT,
        files,
        // No git remote lookup: links are checked as local paths, from the repository root.
        // (Listed here rather than `.use()`d so that the engine hands it the whole file set; its type
        // declares that second parameter, which unified's plugin type does not know.)
        plugins: [[remarkValidateLinks, { repository: false, root: REPO_ROOT }]] as EngineOptions['plugins'],
        output: false,
        out: false,
        quiet: true,
        silent: true,
        color: false,
        streamError: new Writable({ write: (_chunk, _encoding, done) => done() }), // the test reports, not the engine
      },
      (error, _code, context) => {
        if (error) return reject(error);
        resolve(
          (context?.files ?? []).flatMap((file) =>
            file.messages.map((message) => ({ file: file.path, line: message.line, reason: message.reason })),
          ),
        );
      },
    );
  });
}

describe('links in the Markdown files', () => {
  it('finds the documents it is meant to check', () => {
    const files = markdownFiles();
    expect(files).toEqual(expect.arrayContaining(['README.md', 'CHANGELOG.md', 'bench/README.md', 'docs/operations.md']));
    expect(files.some((path) => path.startsWith('node_modules/'))).toBe(false);
  });

  it('resolve: every relative link to an existing file, every anchor to a heading', async () => {
    const problems = await brokenLinks(markdownFiles());
    expect(problems.map((p) => `${p.file}:${p.line ?? '?'} ${p.reason}`)).toEqual([]);
  }, 60_000);

  it('catch a missing file, a missing heading in another file and one in the same file', async () => {
    // Inside the repository (test-output/ is git-ignored), so links resolve as they do for the real files.
    await mkdir(join(REPO_ROOT, 'test-output'), { recursive: true });
    const dir = await mkdtemp(join(REPO_ROOT, 'test-output', 'docs-links-'));
    try {
      await writeFile(
        join(dir, 'a.md'),
        '# A\n\n## Real heading\n\n[ok](b.md#other) [ok](#real-heading) [ok](../../README.md#quick-start)\n',
      );
      await writeFile(
        join(dir, 'b.md'),
        '# B\n\n## Other\n\n[bad](missing.md) [bad](a.md#nope) [bad](#nowhere) [bad](../../README.md#no-such)\n',
      );
      const rel = (name: string) => relative(REPO_ROOT, join(dir, name));
      const problems = await brokenLinks([rel('a.md'), rel('b.md'), 'README.md']);
      expect(problems.every((p) => p.file.endsWith('b.md') && p.line === 5)).toBe(true);
      expect(problems.map((p) => p.reason).sort()).toEqual([
        'Cannot find file `missing.md`',
        'Cannot find heading for `#no-such` in `../../README.md`',
        'Cannot find heading for `#nope` in `a.md`',
        'Cannot find heading for `#nowhere`',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

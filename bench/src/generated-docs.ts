import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './child-process.js';
import { replaceGeneratedSection } from './generated-section.js';
import { renderMarkdown, renderSizing, renderSummary, sizingRetention, type BenchResults } from './report.js';

/**
 * Rewrites the generated sections from a full run's results: the report in bench/README.md, the
 * summary in the README's Performance section and the sizing in docs/operations.md.
 */
export async function writeGeneratedDocs(results: BenchResults, log: (line: string) => void = () => {}): Promise<void> {
  for (const [path, section, content] of [
    ['bench/README.md', 'bench', renderMarkdown(results)],
    ['README.md', 'bench-summary', renderSummary(results)],
    ['docs/operations.md', 'sizing', renderSizing(results, sizingRetention())],
  ] as const) {
    const docPath = join(ROOT, path);
    await writeFile(docPath, replaceGeneratedSection(await readFile(docPath, 'utf8'), section, content));
    log(`updated the ${section} section of ${path}`);
  }
}

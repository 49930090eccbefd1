import { readFile } from 'node:fs/promises';
import { parseCommandLine } from '@regionwatch/core';
import { writeGeneratedDocs } from './generated-docs.js';
import type { BenchResults } from './report.js';

// `npm run bench:render -- bench/results/<date>.json`: after a change to how the report is written
// (report.ts), the docs again from the saved full run they quote, without measuring anything.
const USAGE = `usage: npm run bench:render -- bench/results/<date>.json
  Rewrites bench/README.md's report, the README's Performance summary and docs/operations.md's sizing
  from a saved full run (what \`npm run bench\` writes after a full run), without running a scenario.`;

const { positionals } = parseCommandLine(USAGE, { options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
const [file] = positionals;
if (positionals.length !== 1 || file === undefined) {
  console.error(USAGE);
  process.exit(2);
}
const results = JSON.parse(await readFile(file, 'utf8')) as BenchResults;
if (results.mode !== 'full') {
  console.error(`${file} is a ${results.mode} run: the docs quote full runs only`);
  process.exit(2);
}
await writeGeneratedDocs(results, (line) => console.error(line));

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readGeneratedSection, replaceGeneratedSection } from '../src/generated-section.js';
import { footprintGoals, renderMarkdown, renderSizing, renderSummary, sizingRetention, type BenchResults } from '../src/report.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('replaceGeneratedSection', () => {
  const doc = 'intro\n<!-- bench:start -->\nold\nfigures\n<!-- bench:end -->\noutro\n';

  it('replaces only what is between the markers, and reads back what it wrote', () => {
    const next = replaceGeneratedSection(doc, 'bench', 'new');
    expect(next).toBe('intro\n<!-- bench:start -->\nnew\n<!-- bench:end -->\noutro\n');
    expect(readGeneratedSection(next, 'bench')).toBe('new');
    expect(replaceGeneratedSection(next, 'bench', 'new')).toBe(next);
  });

  it('refuses a document without the markers, or with them out of order', () => {
    expect(() => replaceGeneratedSection('no markers', 'bench', 'x')).toThrow(/<!-- bench:start -->/);
    expect(() => replaceGeneratedSection('<!-- bench:end --> <!-- bench:start -->', 'bench', 'x')).toThrow(/no <!-- bench:start -->/);
    expect(() => replaceGeneratedSection(doc, 'bench-summary', 'x')).toThrow(/bench-summary/);
    expect(readGeneratedSection('no markers', 'bench')).toBeUndefined();
  });
});

// The figures in the docs are the latest full run's, as `npm run bench` wrote them: a figure edited by
// hand, or results committed without the docs they change, fails here.
describe('the figures quoted in the docs', () => {
  const fullRuns = readdirSync(join(root, 'bench/results'))
    .filter((name) => /^\d{4}-\d\d-\d\d\.json$/.test(name))
    .sort();
  const latest = fullRuns.at(-1);
  const results = JSON.parse(read(`bench/results/${latest ?? 'none'}`)) as BenchResults;

  it('come from a full run of every scenario', () => {
    expect(results.mode).toBe('full');
    for (const key of ['throughput', 'httpClients', 'redisCost', 'memory', 'enqueue', 'latency', 'scaleOut', 'cpuProfile'] as const)
      expect(results[key], key).toBeDefined();
  });

  it('bench/README.md holds the report of the latest full run', () => {
    expect(readGeneratedSection(read('bench/README.md'), 'bench')).toBe(renderMarkdown(results));
  });

  it("the README's Performance summary is the latest full run's", () => {
    expect(readGeneratedSection(read('README.md'), 'bench-summary')).toBe(renderSummary(results));
  });

  it("the sizing in docs/operations.md is the latest full run's, with the retention the code sets", () => {
    expect(readGeneratedSection(read('docs/operations.md'), 'sizing')).toBe(renderSizing(results, sizingRetention()));
  });

  it('each footprint goal (issue 13) the run measured is judged; a run with the footprint figures has all six', () => {
    const goals = footprintGoals(results);
    for (const goal of goals) expect(goal.met, goal.figure).toBeTypeOf('boolean');
    // Runs before the footprint scenarios (2026-11-28) have only the enqueue ratio.
    if (results.memory?.finished) expect(goals).toHaveLength(6);
  });
});

describe('the footprint goals', () => {
  const base = { date: '2026-01-01', mode: 'full', wallSeconds: 1 } as const;
  const machine = { cores: 2, cpu: 'x', memoryGiB: 1, node: 'v20', redis: '7', platform: 'linux' };

  it('judge each figure against its baseline from the same results', () => {
    const results = {
      ...base,
      machine,
      enqueue: { ids: 10, trackManyPerSecond: 89, addBulkPerSecond: 100, ratio: 0.89 },
      redisCost: {
        tasks: 1,
        polls: 4,
        commandsPerPoll: 12,
        commandsPerTask: 48,
        roundTripsPerPoll: 1,
        top: [],
        bareStep: { commandsPerStep: 10, top: [] },
        bytesWritten: { metadataBytes: 16_384, perPoll: { none: 1, large: 2 }, perPendingPoll: { none: 1_500, large: 1_700 } },
      },
    } satisfies BenchResults;
    const met = Object.fromEntries(footprintGoals(results).map((g) => [g.figure.split(' ')[0], g.met]));
    // 12 ≤ 10 + 2; +200 B > 1 % of 16 KiB; 0.89 < 0.9.
    expect(met).toEqual({ Redis: true, bytes: false, '`trackMany`': false });
  });
  it("say why a goal is missed from the run's own figures, and nothing for a goal met", () => {
    const results = {
      ...base,
      machine,
      enqueue: {
        ids: 10,
        trackManyPerSecond: 50,
        addBulkPerSecond: 100,
        ratio: 0.5,
        rounds: 2,
        commandsPerId: {
          trackMany: 13,
          addBulk: 11,
          beyond: [
            { command: 'exists', perId: 1 },
            { command: 'hget', perId: 1 },
          ],
        },
      },
      redisCost: {
        tasks: 10,
        polls: 40,
        commandsPerPoll: 40,
        commandsPerTask: 160,
        roundTripsPerPoll: 1,
        top: [],
        bareStep: { commandsPerStep: 30, top: [] },
        perPendingPoll: { worker: 29.5, bareStep: 31 },
        perTaskBeyondBareStep: 44,
        beyondBareStep: [
          { command: 'get', perPoll: 2 },
          { command: 'exists', perPoll: -2.25 },
        ],
      },
    } satisfies BenchResults;
    const why = Object.fromEntries(footprintGoals(results).map((g) => [g.figure.split(' ')[0], g.why]));
    expect(why['`trackMany`']).toContain("13.00 Redis commands per id against addBulk's 11.00 (exists +1.00, hget +1.00)");
    // 40 > 30 + 2: per Pending poll the worker is under (c); 44 commands per task ÷ 4 polls = 11 per poll.
    expect(why.Redis).toContain("A Pending poll costs the worker 29.5 commands against (c)'s 31.0");
    expect(why.Redis).toContain('44.0 commands more than');
    expect(why.Redis).toContain('11.0 per poll at 4 polls per task');
    expect(why.Redis).toContain('get +2.00, exists −2.25');
    expect(renderMarkdown(results)).toContain('Why the goals marked ✗ are missed');

    const met = { ...results, enqueue: { ...results.enqueue, ratio: 0.95 }, redisCost: { ...results.redisCost, commandsPerPoll: 31 } };
    expect(footprintGoals(met).map((g) => g.why)).toEqual([undefined, undefined]);
    expect(renderMarkdown(met)).not.toContain('Why the goals marked ✗ are missed');
  });
});

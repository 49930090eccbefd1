import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../child-process.js';
import type { BenchContext } from '../context.js';
import { runWorkers, type WorkerRun } from './worker-run.js';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number };
type CpuProfile = { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] };

export type ProfileFigures = {
  run: WorkerRun;
  /** Share of busy samples (idle excluded) by where the code lives. */
  byArea: { area: string; percent: number }[];
  /** Functions with the most self time. */
  topFunctions: { fn: string; area: string; percent: number }[];
};

/** Where a frame's code lives: our packages, a dependency, Node itself, or the VM. */
function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : 'native';
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1] ?? 'dependency';
  if (url.startsWith('node:')) return 'node core';
  const ours = /\/(packages|apps)\/([^/]+)\//.exec(url);
  return ours ? `@regionwatch/${ours[2]}` : url;
}

/** 8. A `--cpu-prof` of a worker during a throughput run, summarised by self time. */
export async function measureCpuProfile(ctx: BenchContext, concurrency = 64): Promise<ProfileFigures> {
  const dir = join(ROOT, 'bench/.tmp/cpu-profile');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  ctx.log(`  CPU profile: ${ctx.sizes.profileTasks} tasks × ${ctx.sizes.pollsPerTask} polls, C=${concurrency}, worker under --cpu-prof`);
  const run = await runWorkers(ctx, {
    tasks: ctx.sizes.profileTasks,
    polls: ctx.sizes.pollsPerTask,
    concurrency,
    nodeFlags: ['--cpu-prof', '--cpu-prof-dir', dir],
  });
  const file = (await readdir(dir)).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error('the worker wrote no CPU profile');
  const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;

  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfSamples = new Map<number, number>();
  for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
  const areas = new Map<string, number>();
  const functions = new Map<string, { area: string; samples: number }>();
  let busy = 0;
  for (const [id, samples] of selfSamples) {
    const node = byNode.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    busy += samples;
    const { functionName, url, lineNumber } = node.callFrame;
    const area = areaOf(url, functionName);
    areas.set(area, (areas.get(area) ?? 0) + samples);
    const key = `${functionName || '(anonymous)'} ${url ? `${shortPath(url)}:${lineNumber + 1}` : ''}`.trim();
    const entry = functions.get(key) ?? { area, samples: 0 };
    entry.samples += samples;
    functions.set(key, entry);
  }
  const percent = (samples: number) => Math.round((1000 * samples) / busy) / 10;
  return {
    run,
    byArea: [...areas]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([area, samples]) => ({ area, percent: percent(samples) })),
    topFunctions: [...functions]
      .sort((a, b) => b[1].samples - a[1].samples)
      .slice(0, 12)
      .map(([fn, { area, samples }]) => ({ fn, area, percent: percent(samples) })),
  };
}

/** `…/node_modules/x/y.js` → `node_modules/x/y.js` (likewise packages/, apps/): short and still findable. */
function shortPath(url: string): string {
  return url.replace(/^.*\/(node_modules|packages|apps)\//, '$1/');
}

import { spawnNode } from '@regionwatch/testkit';

export { REPO_ROOT as ROOT, spawnNode, until, type NodeChild } from '@regionwatch/testkit';

/** Runs a child to completion and returns the JSON object it printed last. */
export async function runJsonChild<T>(entry: string, args: string[], env: Record<string, string> = {}): Promise<T> {
  const child = spawnNode(entry, args, env);
  const code = await child.exited;
  const json = [...child.lines].reverse().find((line) => line.startsWith('{'));
  if (code !== 0 || !json) throw new Error(`${entry} exited ${code}:\n${child.lines.slice(-20).join('\n')}`);
  return JSON.parse(json) as T;
}

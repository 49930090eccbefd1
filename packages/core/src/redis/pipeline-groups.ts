/**
 * The indexes of `keys`, grouped by key, in the order the keys first appear: one group per Redis pipeline
 * when each item's commands go to the slot its key names (a Cluster pipeline must stay on one node).
 */
export function pipelineGroups<K>(keys: readonly K[]): Map<K, number[]> {
  const groups = new Map<K, number[]>();
  keys.forEach((key, index) => {
    const indexes = groups.get(key);
    if (indexes) indexes.push(index);
    else groups.set(key, [index]);
  });
  return groups;
}

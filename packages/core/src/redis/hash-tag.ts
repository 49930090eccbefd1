/**
 * The hash tag of a Redis key as Redis Cluster reads it: the text between the FIRST `{` and the first
 * `}` after it, when that text is not empty. Only the tag is hashed to pick the key's slot, so keys
 * with the same tag always share a slot (and a node) and one Lua script may touch them together —
 * which every BullMQ script does with a queue's keys. No tag (or `{}`): the whole key is hashed.
 */
export function hashTagOf(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return undefined;
  return key.slice(open + 1, close);
}

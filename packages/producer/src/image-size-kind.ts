/** Upper bounds of the size classes (bytes), ×4 apart: six kinds in all, so a producer never floods the learner. */
const CLASSES: readonly [maxBytes: number, kind: string][] = [
  [64 * 1024, 'image-64k'],
  [256 * 1024, 'image-256k'],
  [1024 * 1024, 'image-1m'],
  [4 * 1024 * 1024, 'image-4m'],
  [16 * 1024 * 1024, 'image-16m'],
];

/**
 * The `kind` `submit()` gives a task: the size class of its image (`image-64k` for ≤ 64 KiB,
 * `image-256k`, `image-1m`, `image-4m`, `image-16m`, then `image-large`). Aspose takes longer on
 * bigger images, so each class gets its own learned completion times.
 */
export function imageSizeKind(bytes: number): string {
  for (const [maxBytes, kind] of CLASSES) if (bytes <= maxBytes) return kind;
  return 'image-large';
}

/**
 * The fixed bucket layout of a learned completion-time histogram (times in ms since `submittedAt`).
 *
 * Bucket 0 is (0, 10 ms]; then four buckets per doubling (each 19 % wider than the one before) up to
 * ~56 h; the last bucket is open, (56 h, ∞), for tasks that never finished (right-censored). That is
 * 99 buckets: fine enough that a quantile read from it is within a few per cent of the truth, few
 * enough that a kind's Redis hash (99 bucket fields + 2 bookkeeping fields) stays a compact listpack
 * (`hash-max-listpack-entries` 128), and one layout covers a simulator scaled down 20× (a median of
 * 150 ms) as well as a real day-long deadline.
 *
 * Inside a bucket the mass is taken as spread uniformly in log(time) (linearly in bucket 0): that is
 * what the quantile interpolation and the spreading of censored intervals both assume.
 */
export const FIRST_EDGE_MS = 10;
export const BUCKETS_PER_DOUBLING = 4;
/** Log-spaced edges after the first: the last finite edge is 10 ms × 2^(97/4) ≈ 56.6 h. */
const LOG_EDGES = 98;
/** Every bucket, the open last one included. */
export const BUCKET_COUNT = LOG_EDGES + 1;
/** The last finite edge: longer times are clamped to it (finite) or fall in the open bucket (∞). */
export const LAST_EDGE_MS = edge(LOG_EDGES);
/** Index of the open bucket (LAST_EDGE_MS, ∞). */
export const OPEN_BUCKET = BUCKET_COUNT - 1;

/** Edge `i` (0 … LOG_EDGES): 0, 10 ms, 10 ms × 2^(1/4), … */
function edge(i: number): number {
  return i === 0 ? 0 : FIRST_EDGE_MS * 2 ** ((i - 1) / BUCKETS_PER_DOUBLING);
}

/** Lower edge of bucket `k`. */
export function bucketLow(k: number): number {
  return edge(k);
}

/** Upper edge of bucket `k` (∞ for the open bucket). */
export function bucketHigh(k: number): number {
  return k >= OPEN_BUCKET ? Number.POSITIVE_INFINITY : edge(k + 1);
}

/** The bucket holding time `ms` (upper edges inclusive: a task done at exactly 10 ms is in bucket 0). */
export function bucketOf(ms: number): number {
  if (!(ms > FIRST_EDGE_MS)) return 0;
  if (ms > LAST_EDGE_MS) return OPEN_BUCKET;
  // Rounding can put an exact edge one bucket too high; step back when it did.
  const k = Math.min(OPEN_BUCKET - 1, Math.ceil(BUCKETS_PER_DOUBLING * Math.log2(ms / FIRST_EDGE_MS)));
  return ms <= bucketLow(k) ? k - 1 : k;
}

/**
 * Share of bucket `k`'s mass at or below `ms`, under the within-bucket assumption (log-uniform;
 * linear in bucket 0). The open bucket holds everything "later than we can say": none of it is
 * below any finite time.
 */
export function fractionBelow(k: number, ms: number): number {
  if (k >= OPEN_BUCKET) return ms === Number.POSITIVE_INFINITY ? 1 : 0;
  const low = bucketLow(k);
  const high = bucketHigh(k);
  if (ms <= low) return 0;
  if (ms >= high) return 1;
  return k === 0 ? ms / high : Math.log(ms / low) / Math.log(high / low);
}

/** The time below which `fraction` of bucket `k`'s mass lies: the inverse of `fractionBelow`. */
export function timeAtFraction(k: number, fraction: number): number {
  if (k >= OPEN_BUCKET) return Number.POSITIVE_INFINITY;
  const low = bucketLow(k);
  const high = bucketHigh(k);
  const f = Math.min(Math.max(fraction, 0), 1);
  return k === 0 ? f * high : low * (high / low) ** f;
}

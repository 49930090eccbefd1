/** One arrival rate of a capacity scan: what the worker did with tasks arriving that fast under the cap. */
export type CapacityPoint = {
  /** Poisson arrivals per second (scaled time). */
  arrivalsPerSecond: number;
  /** Results decided per second over the arrivals' span: below the arrival rate once a backlog builds. */
  tasksPerSecond: number;
  /** GETs Aspose received per second over the same span. */
  getsPerSecond: number;
  meanPolls: number;
  p50LagMs: number;
  p95LagMs: number;
};

/** Where a strategy's p95 lag crosses the bound, between two scanned arrival rates. */
export type Capacity = {
  /**
   * The arrival rate at which the p95 lag reaches the bound: interpolated linearly between the last rate within it and
   * the first beyond it; the highest rate scanned when none went beyond (then a lower bound: `beyond` is absent).
   */
  arrivalsPerSecond: number;
  /** The last scanned rate whose p95 lag was within the bound. */
  within: number;
  /** The first scanned rate whose p95 lag was beyond it (the scan stops there). */
  beyond?: number;
};

/**
 * The highest arrival rate a strategy carries under the cap with its p95 lag within `boundMs`: the capacity at a
 * latency bound, the figure a saturated run cannot give (with a standing backlog the queue's wait spaces every
 * strategy's polls to about one per task). Points are taken in order of arrival rate up to the first beyond the bound;
 * `undefined` when even the lowest rate is beyond it.
 */
export function capacityWithin(points: readonly CapacityPoint[], boundMs: number): Capacity | undefined {
  const sorted = [...points].sort((a, b) => a.arrivalsPerSecond - b.arrivalsPerSecond);
  const firstBeyond = sorted.findIndex((p) => p.p95LagMs > boundMs);
  if (firstBeyond === 0) return undefined;
  if (firstBeyond === -1) {
    const last = sorted.at(-1);
    return last ? { arrivalsPerSecond: last.arrivalsPerSecond, within: last.arrivalsPerSecond } : undefined;
  }
  const a = sorted[firstBeyond - 1] as CapacityPoint;
  const b = sorted[firstBeyond] as CapacityPoint;
  const crossing = a.arrivalsPerSecond + ((boundMs - a.p95LagMs) * (b.arrivalsPerSecond - a.arrivalsPerSecond)) / (b.p95LagMs - a.p95LagMs);
  return { arrivalsPerSecond: crossing, within: a.arrivalsPerSecond, beyond: b.arrivalsPerSecond };
}

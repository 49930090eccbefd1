/** Dropping a connection needs no answer from Redis; waiting longer than this means it is not coming. */
export const DISCONNECT_WAIT_MS = 250;

/** Waits for `work` at most `ms`; true if it settled in time (a rejection counts: the step is over). */
export async function within(ms: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = work.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))))]);
  } finally {
    clearTimeout(timer);
  }
}

import type { ResultStatus } from '@regionwatch/core';
import type { Simulator } from '@regionwatch/simulator';

/** What the simulator decided for a task: the one result regionwatch must end it with. */
export type Expected = { taskId: string; status: ResultStatus; regions: { left: number; top: number; right: number; bottom: number }[] };

/**
 * Creates `count` tasks with known outcomes (mostly Completed with rectangles derived from the index,
 * some Error, some NotExist), finishing at spread-out times within `windowMs`.
 */
export function scriptTasks(simulator: Simulator, label: string, count: number, windowMs: number): Expected[] {
  return Array.from({ length: count }, (_, i) => {
    const taskId = `${label}-${String(i).padStart(6, '0')}-4000-8000-c0ffee000000`;
    const pendingMs = Math.round((((i * 7919) % 1000) / 1000) * windowMs);
    if (i % 10 === 0) {
      simulator.createTask({ id: taskId, pendingMs, processingMs: 0, outcome: { status: 'Error', messages: [`cannot read image ${i}`] } });
      return { taskId, status: 'Error', regions: [] };
    }
    if (i % 10 === 1) {
      simulator.createTask({ id: taskId, outcome: { status: 'NotExist' } });
      return { taskId, status: 'NotExist', regions: [] };
    }
    const rectangles = [
      [i % 500, (i * 3) % 700, (i % 500) + 40, ((i * 3) % 700) + 25],
      [0, 0, i % 97, i % 89],
    ];
    simulator.createTask({ id: taskId, pendingMs, processingMs: 0, outcome: { status: 'Completed', rectangles: [rectangles] } });
    return {
      taskId,
      status: 'Completed',
      regions: rectangles.map(([left = 0, top = 0, right = 0, bottom = 0]) => ({ left, top, right, bottom })),
    };
  });
}

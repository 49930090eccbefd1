import type { TrackOptions } from '@regionwatch/producer';
import type { Simulator } from '@regionwatch/simulator';

/** A task the demo tracks, with what the reader should expect to see. */
export type SampleTask = { taskId: string; label: string; options?: TrackOptions };

const day = 24 * 60 * 60 * 1000;

/**
 * One task per kind of outcome, scripted in the simulator so the demo shows every terminal status
 * (tasks created by POST get generated regions; these ones get the given answers).
 */
export function scriptSampleTasks(simulator: Simulator): SampleTask[] {
  const task = (label: string, script: Parameters<Simulator['createTask']>[0], options?: TrackOptions): SampleTask => ({
    taskId: simulator.createTask(script),
    label,
    ...(options ? { options } : {}),
  });
  return [
    task(
      'the Aspose documentation example',
      { outcome: { status: 'Completed', rectangles: [[[0, 8, 697, 441]]] } },
      { metadata: { source: 'docs' } },
    ),
    task('two result items, with a warning', {
      pendingMs: 1_500,
      outcome: {
        status: 'Completed',
        rectangles: [
          [
            [40, 52, 1210, 310],
            [40, 380, 1190, 1460],
          ],
          [[60, 1530, 1180, 1702]],
        ],
        warnings: ['Low image contrast'],
      },
    }),
    task('Aspose reports an error', { outcome: { status: 'Error', messages: ['Image format is not supported'] } }),
    task('an id Aspose does not know', { outcome: { status: 'NotExist' } }),
    task('regions that are not valid base64', {
      outcome: {
        status: 'Completed',
        rawResults: [
          { type: 'Other', data: 'W1swLCA4LCA2OTcsIDQ0MV1d' },
          { type: 'Other', data: 'not*base64' },
        ],
      },
    }),
    task('sent to Aspose more than a day ago', { pendingMs: day * 2 }, { submittedAt: new Date(Date.now() - day - 60_000) }),
  ];
}

/** A few tiny images for `submit()` (the one-call path: POST to Aspose, then track the id). */
export function sampleImages(): { label: string; image: Buffer }[] {
  // 1×1 PNGs: enough for the simulator, and valid images for the real API.
  const png = (hex: string) => Buffer.from(hex, 'hex');
  return [
    {
      label: 'submitted image: white pixel',
      image: png(
        '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
          '1f15c4890000000d49444154789c63f8ffffff7f0009fb03fd2a86e38a0000000049454e44ae426082',
      ),
    },
    {
      label: 'submitted image: black pixel',
      image: png(
        '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
          '1f15c4890000000d49444154789c6360606060000000050001a5f645400000000049454e44ae426082',
      ),
    },
  ];
}

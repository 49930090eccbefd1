import { describe, expect, it } from 'vitest';
import { startSimulator, type OCRResponse } from '../src/index.js';
import { TINY_PNG, fetchToken, getJson, submit } from './helpers.js';

/** Submits the same images to a fresh simulator and returns the ids and finished answers. */
async function scenario(seed: number, images: string[]): Promise<{ ids: string[]; answers: OCRResponse[]; token: string }> {
  const sim = await startSimulator({ seed, pendingMs: 0, processingMs: 0, outcomes: { Completed: 0.7, Error: 0.3 } });
  try {
    const token = await fetchToken(sim);
    const ids: string[] = [];
    for (const image of images) ids.push(await (await submit(sim, token, { image, settings: {} })).text());
    const answers: OCRResponse[] = [];
    for (const id of ids) answers.push(await getJson(sim, token, id));
    return { ids, answers, token };
  } finally {
    await sim.close();
  }
}

const images = [TINY_PNG, Buffer.from('page two').toString('base64'), Buffer.from('page three').toString('base64'), TINY_PNG];

describe('determinism', () => {
  it('the same seed gives the same ids, tokens, outcomes and rectangles', async () => {
    const first = await scenario(7, images);
    const second = await scenario(7, images);
    expect(second).toEqual(first);
    expect(new Set(first.ids).size).toBe(images.length);
  });

  it('a different seed gives different ids', async () => {
    const a = await scenario(7, images);
    const b = await scenario(8, images);
    expect(b.ids).not.toEqual(a.ids);
  });

  it('the same image under the same seed gets the same rectangles, whatever came before', async () => {
    const sim = await startSimulator({ seed: 3, pendingMs: 0, processingMs: 0 });
    try {
      const token = await fetchToken(sim);
      const first = await (await submit(sim, token)).text();
      await submit(sim, token, { image: Buffer.from('other').toString('base64') });
      const again = await (await submit(sim, token)).text();
      const [a, b] = [await getJson(sim, token, first), await getJson(sim, token, again)];
      expect(a.results).toEqual(b.results);
      expect(a.id).not.toBe(b.id);
    } finally {
      await sim.close();
    }
  });

  it('turning on faults does not change task ids', async () => {
    const idsWith = async (faulty: boolean): Promise<string[]> => {
      const sim = await startSimulator({ seed: 11 });
      try {
        if (faulty) sim.setFaults({ latency: { rate: 0.5, ms: 1 } });
        const token = await fetchToken(sim);
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push(await (await submit(sim, token)).text());
        return ids;
      } finally {
        await sim.close();
      }
    };
    expect(await idsWith(true)).toEqual(await idsWith(false));
  });
});

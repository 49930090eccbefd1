import type { BenchContext } from '../context.js';
import { bareHttp, type BareRun } from './baselines.js';

export type HttpClientRow = { client: 'got' | 'undici' | 'fetch'; concurrency: number; run: BareRun };

/** 2. The same bare GET loop with got, undici and Node's fetch. */
export async function measureHttpClients(ctx: BenchContext, concurrency = 64): Promise<HttpClientRow[]> {
  const rows: HttpClientRow[] = [];
  for (const client of ['got', 'undici', 'fetch'] as const) {
    ctx.log(`  HTTP client ${client}, C=${concurrency}, ${ctx.sizes.httpRequests} requests`);
    rows.push({ client, concurrency, run: await bareHttp(ctx, client, concurrency, ctx.sizes.httpRequests) });
  }
  return rows;
}

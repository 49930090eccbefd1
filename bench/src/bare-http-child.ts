// Baseline: a bare GET loop at concurrency C with one HTTP client, no queue. Prints one JSON line.
import { parseArgs } from 'node:util';
import got from 'got';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: {
    client: { type: 'string' },
    url: { type: 'string' },
    token: { type: 'string' },
    concurrency: { type: 'string' },
    requests: { type: 'string' },
  },
});
const url = values.url ?? '';
const headers = { authorization: `Bearer ${values.token ?? ''}`, accept: 'application/json' };
const concurrency = Number(values.concurrency);
const total = Number(values.requests);

type Get = () => Promise<unknown>;
const clients: Record<string, () => Get> = {
  // The same options the Aspose client uses: no retry, a timeout, text body parsed as JSON.
  got: () => {
    const http = got.extend({
      retry: { limit: 0 },
      timeout: { request: 10_000 },
      throwHttpErrors: false,
      followRedirect: false,
      responseType: 'text',
    });
    return async () => JSON.parse((await http(url, { headers })).body) as unknown;
  },
  undici: () => {
    const target = new URL(url);
    const pool = new Pool(target.origin, { connections: concurrency });
    const path = target.pathname + target.search;
    return async () => JSON.parse(await (await pool.request({ path, method: 'GET', headers })).body.text()) as unknown;
  },
  fetch: () => async () => JSON.parse(await (await fetch(url, { headers })).text()) as unknown,
};

const get = clients[values.client ?? '']?.();
if (!get) throw new Error(`unknown client ${values.client}`);
let started = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (started < total) {
      started += 1;
      await get();
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ requests: total, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
process.exit(0);

import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeoutSignal } from '../src/index.js';

// A server on its own thread (its own event loop), so it answers while this thread is blocked. It sets
// `answered` once it has written an answer.
const SERVER = `
const { parentPort, workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData);
require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('ok', () => { Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); }));
}).listen(0, '127.0.0.1', function () { parentPort.postMessage(this.address().port); });
`;

describe('timeoutSignal', () => {
  const answered = new Int32Array(new SharedArrayBuffer(4));
  let server: Worker;
  let origin = '';
  const agent = new Agent({ keepAliveTimeout: 10_000 });

  beforeAll(async () => {
    server = new Worker(SERVER, { eval: true, workerData: answered.buffer });
    const [port] = (await once(server, 'message')) as [number];
    origin = `http://127.0.0.1:${port}`;
    await (await agent.request({ origin, path: '/', method: 'GET' })).body.text(); // a kept-alive connection
    // A first POST too: undici may defer writing the first request of a kind on a connection past the stall,
    // and a request sent only after the stall is not the scenario (the answer must be here during it).
    await (await agent.request({ origin, path: '/', method: 'POST', body: 'x' })).body.text();
  });
  afterAll(async () => {
    await agent.close();
    await server.terminate();
  });

  /**
   * Sends a request with `signal`, then blocks this thread until the answer has been written to the
   * socket and `timeoutMs` has passed: the stall of a busy machine, with the answer already here. The
   * stall runs in the check phase (setImmediate), so the next turn of the loop starts with its timers phase,
   * where the due timer runs before the poll phase reads the socket. (A stall inside a timer callback would
   * not show it: Node only runs timers that were due when that timers phase began.)
   */
  async function requestAcrossAStall(signal: AbortSignal, timeoutMs: number): Promise<string> {
    Atomics.store(answered, 0, 0);
    const started = Date.now();
    const request = agent.request({ origin, path: '/', method: 'POST', body: 'x', signal });
    let answerWritten: string | undefined;
    setImmediate(() => {
      answerWritten = Atomics.wait(answered, 0, 0, 10_000); // 'ok' or 'not-equal': the server has answered
      while (Date.now() - started < timeoutMs * 3); // the timeout is due when the loop comes back
    });
    let outcome: string;
    try {
      const response = await request;
      outcome = `${response.statusCode} ${await response.body.text()}`;
    } catch (error) {
      outcome = (error as Error).name;
    }
    expect(answerWritten, 'the answer was written during the stall').toMatch(/^(ok|not-equal)$/);
    return outcome;
  }

  it('lets an answer that arrived in time win over a timer that fell due during a stall', async () => {
    // The scenario is real: with AbortSignal.timeout the same answer is thrown away.
    // 200 ms: the stall must begin before the timer is due, which on a loaded machine can take a while.
    expect(await requestAcrossAStall(AbortSignal.timeout(200), 200)).toMatch(/Abort|Timeout/);
    expect(await requestAcrossAStall(timeoutSignal(200), 200)).toBe('200 ok');
  });

  it('still aborts a request that gets no answer', async () => {
    const signal = timeoutSignal(30);
    await once(signal, 'abort');
    expect(signal.reason).toMatchObject({ name: 'TimeoutError' });
  });
});

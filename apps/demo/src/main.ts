import { parseArgs } from 'node:util';
import { ConfigError } from '@regionwatch/core';
import { NoRedisAvailableError } from '@regionwatch/testkit';
import { runDemo } from './run-demo.js';

// `npm run demo`: starts everything, tracks sample tasks, prints results; Ctrl-C stops it all.
// `--exit-when-done` stops after the summary (used by the demo's own test and by CI).
const { values } = parseArgs({ options: { 'exit-when-done': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('usage: npm run demo [-- --exit-when-done]');
  process.exit(0);
}

const print = (line: string) => console.log(line);
try {
  print('regionwatch demo — tracking Aspose OCR region-detection tasks end to end');
  print('');
  const demo = await runDemo({ env: process.env, print });
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    print('Stopping everything the demo started…');
    await demo.stop();
    process.exit(code);
  };
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));
  await demo.finished;
  if (values['exit-when-done']) await shutdown(0);
  else print('All tasks finished. Everything keeps running so you can look around; press Ctrl-C to stop.');
} catch (error) {
  if (error instanceof NoRedisAvailableError || error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

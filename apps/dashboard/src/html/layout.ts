import { html, SafeHtml } from './html.js';

// Inline on purpose: two small pages do not need a static-file route, and the CSP already allows
// inline styles for Bull Board's UI (scripts stay 'self' only).
const STYLE = `
  body { font-family: system-ui, sans-serif; margin: 0; color: #1f2933; background: #f5f7fa; }
  header { background: #151a21; color: #e4e7eb; padding: .75rem 1.5rem; display: flex; gap: 1.5rem; align-items: center; }
  header a { color: #9fb3c8; text-decoration: none; }
  header strong { color: #fff; }
  main { padding: 1.5rem; max-width: 72rem; }
  section { background: #fff; border: 1px solid #d9e2ec; border-radius: 6px; padding: 1rem 1.25rem; margin-bottom: 1rem; }
  h1 { font-size: 1.35rem; word-break: break-all; }
  h2 { font-size: 1.05rem; margin-top: 0; }
  table { border-collapse: collapse; }
  th, td { text-align: left; padding: .25rem .75rem .25rem 0; vertical-align: top; }
  td { font-family: ui-monospace, monospace; word-break: break-all; }
  table.grid th, table.grid td { border-bottom: 1px solid #e4e7eb; padding-right: 1.25rem; }
  .state { display: inline-block; padding: .1rem .5rem; border-radius: 4px; background: #e4e7eb; font-family: ui-monospace, monospace; }
  .state-completed, .status-Completed { background: #c6f7e2; }
  .state-failed, .status-Error, .status-Malformed, .status-Expired, .status-NotExist { background: #ffe3e3; }
  .state-active, .state-delayed, .state-waiting { background: #fff3c4; }
  .error { color: #ab091e; }
  .muted { color: #7b8794; }
  input[type=text] { font-family: ui-monospace, monospace; width: 28rem; max-width: 100%; padding: .35rem; }
`;

/** The constant stylesheet above: our own text, not task data. */
const TRUSTED_STYLE = new SafeHtml(STYLE);

/** The page shell every server-rendered page shares. */
export function layout(title: string, body: SafeHtml): string {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · regionwatch</title>
<style>${TRUSTED_STYLE}</style>
</head>
<body>
<header><strong>regionwatch</strong><a href="/queues">Queues</a><a href="/tasks">Task lookup</a>
<a href="/webhooks">Webhook endpoints</a><a href="/learned">Learned completion times</a></header>
<main>
${body}
</main>
</body>
</html>
`.value;
}

import { html } from './html.js';
import { layout } from './layout.js';

const HEADINGS: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'Authentication required',
  403: 'Refused',
  404: 'Not found',
  421: 'Wrong host name',
  429: 'Too many failed logins',
  503: 'Redis is not reachable',
};

/** An error page in the same shell as the others. */
export function renderErrorPage(status: number, message: string): string {
  return layout(
    `Error ${status}`,
    html`<h1>${HEADINGS[status] ?? 'Something went wrong'}</h1>
<section><p class="error" id="problem">${message}</p><p><a href="/tasks">Task lookup</a> · <a href="/queues">Queues</a></p></section>`,
  );
}

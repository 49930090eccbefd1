import { html } from '../html/html.js';
import { layout } from '../html/layout.js';

/** The form operators start from; `problem` explains why the last id was refused. */
export function renderLookupPage(options: { taskId?: string; problem?: string } = {}): string {
  return layout(
    'Task lookup',
    html`<h1>Task lookup</h1>
<section>
<form method="get" action="/tasks">
<label for="taskId">Aspose task id</label><br>
<input type="text" id="taskId" name="taskId" value="${options.taskId ?? ''}" required autofocus spellcheck="false" autocomplete="off">
<button type="submit">Look up</button>
</form>
${options.problem ? html`<p class="error" id="problem">${options.problem}</p>` : ''}
</section>`,
  );
}

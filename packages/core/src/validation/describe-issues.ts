import { z } from 'zod';

/** One problem a schema found: where (a dot path, `''` for the value itself) and what is wrong. */
export type InputIssue = { path: string; message: string };

/**
 * The one place zod issues become text (config, job data, track requests, Aspose answers). Paths are
 * written the way zod's own `z.prettifyError` writes them (`metadata.page`, `results[2].data`), but
 * each issue stays `path: message` on one line, so a message names the variable or field first.
 */
export function listIssues(error: z.ZodError): InputIssue[] {
  return error.issues.map((issue) => ({ path: z.core.toDotPath(issue.path), message: issue.message }));
}

/** Every issue as `path: message`, joined by `; `; `whole` names the value itself for issues without a path. */
export function describeIssues(error: z.ZodError, whole: string): string {
  return listIssues(error)
    .map((issue) => `${issue.path || whole}: ${issue.message}`)
    .join('; ');
}

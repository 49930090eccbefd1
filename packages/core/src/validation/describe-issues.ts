import { z } from 'zod';
import { TEXT_LIMITS, truncateText } from '../text/bounded-text.js';

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

/**
 * The first issues (TEXT_LIMITS.issues) as `path: message`, joined by `; `, then how many more there
 * were; `whole` names the value itself for issues without a path. Bounded: an answer with half a
 * million bad items gives a line, not megabytes.
 */
export function describeIssues(error: z.ZodError, whole: string, maxIssues: number = TEXT_LIMITS.issues): string {
  const issues = error.issues;
  const shown = issues
    .slice(0, maxIssues)
    .map((issue) => truncateText(`${z.core.toDotPath(issue.path) || whole}: ${issue.message}`, 200))
    .join('; ');
  return issues.length > maxIssues ? `${shown}; and ${issues.length - maxIssues} more` : shown;
}

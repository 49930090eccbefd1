/**
 * Text that reaches a log, a job, a result or a page from outside (Aspose's messages, a token
 * endpoint's error, a schema's issues) is cut to these sizes first, so one hostile or broken answer
 * cannot grow into megabytes copied into every waiting task.
 */
export const TEXT_LIMITS = {
  /** One message: about a kilobyte. */
  messageChars: 1_024,
  /** Messages kept from one list (Aspose's `error.messages` or `warnings`). */
  messages: 20,
  /** Schema issues named in one error message. */
  issues: 3,
} as const;

/** `text` cut to `maxChars` (UTF-16 units), saying how much was left out. */
export function truncateText(text: string, maxChars: number = TEXT_LIMITS.messageChars): string {
  if (text.length <= maxChars) return text;
  const more = text.length - maxChars;
  return `${text.slice(0, maxChars)}… (${more} more characters)`;
}

/**
 * The first `maxItems` messages, each cut to `maxChars`; when some were left out, a last entry says
 * how many. `undefined`/`null` lists are empty.
 */
export function boundMessages(
  messages: readonly string[] | null | undefined,
  maxItems: number = TEXT_LIMITS.messages,
  maxChars: number = TEXT_LIMITS.messageChars,
): string[] {
  const list = messages ?? [];
  const kept = list.slice(0, maxItems).map((message) => truncateText(message, maxChars));
  if (list.length > maxItems) kept.push(`… and ${list.length - maxItems} more`);
  return kept;
}

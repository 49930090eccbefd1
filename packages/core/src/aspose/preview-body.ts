/** The start of a response body, whitespace collapsed and quoted, for an error message. */
export function previewBody(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > 120 ? `${flat.slice(0, 120)}…` : flat);
}

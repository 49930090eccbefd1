/**
 * Replaces what sits between `<!-- NAME:start -->` and `<!-- NAME:end -->` in a Markdown document, so
 * the figures a full run measured land in the docs without anyone typing them in. Throws when the
 * markers are missing or out of order: a full run that cannot update its report must say so.
 */
export function replaceGeneratedSection(document: string, name: string, content: string): string {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from < 0 || to < from) throw new Error(`the document has no ${start} … ${end} section to replace`);
  return `${document.slice(0, from + start.length)}\n${content}\n${document.slice(to)}`;
}

/** What is between the markers now (without the newlines the writer adds), or undefined without them. */
export function readGeneratedSection(document: string, name: string): string | undefined {
  const start = `<!-- ${name}:start -->`;
  const from = document.indexOf(start);
  const to = document.indexOf(`<!-- ${name}:end -->`);
  if (from < 0 || to < from) return undefined;
  return document
    .slice(from + start.length, to)
    .replace(/^\n/, '')
    .replace(/\n$/, '');
}

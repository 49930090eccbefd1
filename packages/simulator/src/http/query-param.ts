/** A query parameter looked up case-insensitively, as ASP.NET model binding does; empty counts as missing. */
export function queryParam(url: URL, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of url.searchParams) {
    if (key.toLowerCase() === wanted && value !== '') return value;
  }
  return undefined;
}

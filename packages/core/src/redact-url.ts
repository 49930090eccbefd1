/**
 * Scheme, host (with port) and path of a URL, nothing else: webhook URLs may carry tokens in the
 * query, the fragment or the user info, and logs and the dashboard are read by more people than own them.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(not a valid URL)';
  }
}

/** The URL with any user-info masked (a REDIS_URL may carry a password); everything else kept. */
export function redactUserInfo(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//[redacted]@');
}

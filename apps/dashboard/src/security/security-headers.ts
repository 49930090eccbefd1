import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet's defaults, with a Content-Security-Policy that Bull Board's UI works under: its bundle
 * (scripts, a web worker for syntax highlighting, locale JSON) is all same-origin, so scripts stay
 * 'self' only; React sets inline styles and the page links IBM Plex from Google Fonts, so styles
 * allow 'unsafe-inline' and those two hosts, nothing wider.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'script-src': ["'self'"],
        'worker-src': ["'self'"],
        'connect-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
        'font-src': ["'self'", 'data:', 'https://fonts.gstatic.com'],
        'img-src': ["'self'", 'data:'],
        'frame-ancestors': ["'none'"],
        // The dashboard is often reached over plain HTTP (loopback, port-forward, cluster network);
        // upgrading its own requests to https would break every asset there. TLS is the ingress's job.
        'upgrade-insecure-requests': null,
      },
    },
    // An operator tool is never framed (frame-ancestors 'none' above; this covers old browsers).
    xFrameOptions: { action: 'deny' },
  });
}

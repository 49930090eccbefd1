import type { Endpoint } from '../endpoint.js';

export type Route =
  | { kind: 'aspose'; endpoint: Endpoint }
  | { kind: 'control'; path: string }
  | { kind: 'method-not-allowed'; allow: string }
  | { kind: 'not-found' };

/** Test-only control surface; never part of the Aspose API. */
export const CONTROL_PREFIX = '/__simulator/';

// Aspose paths match case-insensitively, as ASP.NET Core routing does.
const ASPOSE_ROUTES: Record<string, Partial<Record<string, Endpoint>>> = {
  '/connect/token': { POST: 'token' },
  '/v5.0/ocr/detectregions': { POST: 'submit', GET: 'get', DELETE: 'cancel' },
  '/v5.0/ocr/utilities/gettaskstatus': { GET: 'status' },
};

export function matchRoute(method: string, pathname: string): Route {
  if (pathname.startsWith(CONTROL_PREFIX)) return { kind: 'control', path: pathname.slice(CONTROL_PREFIX.length).replace(/\/+$/, '') };
  const methods = ASPOSE_ROUTES[pathname.toLowerCase().replace(/\/+$/, '')];
  if (!methods) return { kind: 'not-found' };
  const endpoint = methods[method.toUpperCase()];
  return endpoint ? { kind: 'aspose', endpoint } : { kind: 'method-not-allowed', allow: Object.keys(methods).join(', ') };
}

import { readFileSync } from 'node:fs';
import type { RouteHandler } from './server.ts';

/**
 * The dashboard page: three static files (src/http/dashboard/) read once when the routes are
 * built and served from memory at GET /, /dashboard.js and /dashboard.css. The page polls
 * GET /status and GET /api/audit itself; it needs no external network and no build step.
 * The content security policy allows only this origin: no inline script, no CDN.
 */
const FILES: ReadonlyArray<readonly [path: string, file: string, contentType: string]> = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/dashboard.js', 'dashboard.js', 'text/javascript; charset=utf-8'],
  ['/dashboard.css', 'dashboard.css', 'text/css; charset=utf-8'],
];

const HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function dashboardRoutes(dir: URL = new URL('./dashboard/', import.meta.url)): [string, RouteHandler][] {
  return FILES.map(([path, file, contentType]) => {
    const body = readFileSync(new URL(file, dir));
    const handler: RouteHandler = () => ({ status: 200, body, contentType, headers: HEADERS });
    return [`GET ${path}`, handler];
  });
}

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { RouteHandler } from './server.ts';

/**
 * The dashboard page: its static files (src/http/dashboard/) and the uPlot chart library
 * (npm `uplot`, MIT, a production dependency) read once when the routes are built and served
 * from memory at GET /, /dashboard.js, /dom.js, /deliverability.js, /warmup.js, /experiments.js, /dashboard.css,
 * /uPlot.iife.min.js and /uPlot.min.css.
 * The page polls GET /status, GET /api/audit, GET /api/delivery and GET /api/warmups itself; it needs no external
 * network and no build step. The content security policy allows only this origin: no inline
 * script, no CDN. uPlot sits at the root so a browser that asked for the read token (Basic, on
 * GET /) sends it with these requests too.
 */
const FILES: ReadonlyArray<readonly [path: string, file: string, contentType: string]> = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/dashboard.js', 'dashboard.js', 'text/javascript; charset=utf-8'],
  ['/dashboard.css', 'dashboard.css', 'text/css; charset=utf-8'],
  ['/dom.js', 'dom.js', 'text/javascript; charset=utf-8'],
  ['/deliverability.js', 'deliverability.js', 'text/javascript; charset=utf-8'],
  ['/warmup.js', 'warmup.js', 'text/javascript; charset=utf-8'],
  ['/experiments.js', 'experiments.js', 'text/javascript; charset=utf-8'],
];

/** uPlot's files, resolved through Node's module resolution: found in a checkout and in an installed package (hoisted or nested node_modules). */
const VENDOR: ReadonlyArray<readonly [path: string, specifier: string, contentType: string]> = [
  ['/uPlot.iife.min.js', 'uplot/dist/uPlot.iife.min.js', 'text/javascript; charset=utf-8'],
  ['/uPlot.min.css', 'uplot/dist/uPlot.min.css', 'text/css; charset=utf-8'],
];

const HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function dashboardRoutes(dir: URL = new URL('./dashboard/', import.meta.url)): [string, RouteHandler][] {
  const require = createRequire(import.meta.url);
  const files: [string, Buffer, string][] = [
    ...FILES.map(([path, file, contentType]): [string, Buffer, string] => [path, readFileSync(new URL(file, dir)), contentType]),
    ...VENDOR.map(([path, specifier, contentType]): [string, Buffer, string] => [path, readFileSync(require.resolve(specifier)), contentType]),
  ];
  return files.map(([path, body, contentType]) => {
    const handler: RouteHandler = () => ({ status: 200, body, contentType, headers: HEADERS });
    return [`GET ${path}`, handler];
  });
}

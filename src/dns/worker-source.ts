/**
 * Where the answering worker's code comes from (./worker-host.ts starts it).
 */
import { fileURLToPath } from 'node:url';

/**
 * The worker's code, built once per process. Compiled (dist/): worker-main.js next to this file.
 * From the TypeScript sources (development, tests): one CommonJS bundle of worker-main.ts made by
 * esbuild (which tsx brings), run as an eval worker: 0.3 s to build, in esbuild's own process, and
 * 0.3 s to start, where registering tsx in the thread and compiling each module took 1.6–1.9 s
 * (measured) — a loader registered with module.register() in the main thread does not reach
 * worker threads on Node 20. Without esbuild, the thread registers tsx itself.
 */
let source: Promise<[string | URL, { eval?: boolean }]> | undefined;

export function prepareWorkerSource(): Promise<[string | URL, { eval?: boolean }]> {
  source ??= workerSource();
  return source;
}

async function workerSource(): Promise<[string | URL, { eval?: boolean }]> {
  if (!import.meta.url.endsWith('.ts')) return [new URL('./worker-main.js', import.meta.url), {}];
  const main = new URL('./worker-main.ts', import.meta.url);
  try {
    const esbuild = await import('esbuild');
    const built = await esbuild.build({ entryPoints: [fileURLToPath(main)], bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent' });
    return [built.outputFiles[0]!.text, { eval: true }];
  } catch {
    const tsx = import.meta.resolve('tsx/esm/api');
    return [`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(main.href)}); });`, { eval: true }];
  }
}

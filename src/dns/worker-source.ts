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
 * worker threads on Node 20. Without esbuild, the thread registers tsx itself. Every form starts
 * with PRELUDE, so the compiled one is an eval worker too (a one-line import of worker-main.js).
 */
let source: Promise<[string | URL, { eval?: boolean }]> | undefined;

/**
 * The thread's first statements, before its modules load: the V8 heap settings again
 * (WorkerInit.v8Flags, ../heap-tuning.ts). Node 20 puts the young generation's growth factor
 * back to 2 as the thread's isolate starts, for the whole process, so the control plane's young
 * generation grows while this thread loads its modules (measured: to 16-32 MB at 10,000 members,
 * and it never shrinks while probes keep it busy); set here it is back within ~25 ms.
 */
const PRELUDE = `{ const flags = require('node:worker_threads').workerData?.v8Flags; if (flags) for (const flag of flags) require('node:v8').setFlagsFromString(flag); }\n`;

export function prepareWorkerSource(): Promise<[string | URL, { eval?: boolean }]> {
  source ??= workerSource();
  return source;
}

async function workerSource(): Promise<[string | URL, { eval?: boolean }]> {
  if (!import.meta.url.endsWith('.ts')) return [`${PRELUDE}import(${JSON.stringify(new URL('./worker-main.js', import.meta.url).href)});`, { eval: true }];
  const main = new URL('./worker-main.ts', import.meta.url);
  try {
    const esbuild = await import('esbuild');
    const built = await esbuild.build({ entryPoints: [fileURLToPath(main)], bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent' });
    return [PRELUDE + built.outputFiles[0]!.text, { eval: true }];
  } catch {
    const tsx = import.meta.resolve('tsx/esm/api');
    return [`${PRELUDE}import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(main.href)}); });`, { eval: true }];
  }
}

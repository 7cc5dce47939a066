// Node module-loader hook (runs in the loader thread): after tsx turned a TypeScript file of src/
// into JavaScript, istanbul-lib-instrument adds statement, function and branch counters to it.
// The counters live in globalThis.__mxlbFuzzCov of the main thread, where the code runs; the
// engine (engine.ts) reads them after each input to tell new coverage. Files outside src/ (the
// engine, the targets, node_modules) are left alone.
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

const { stripTypeScriptTypes } = nodeModule;
import { createInstrumenter } from 'istanbul-lib-instrument';

const instrumenter = createInstrumenter({
  coverageVariable: '__mxlbFuzzCov',
  esModules: true,
  compact: true,
  produceSourceMap: false,
  autoWrap: true,
});
const SRC = '/src/';

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!url.startsWith('file:') || !url.includes(SRC) || url.includes('/node_modules/')) return result;
  if (result.format !== 'module' || result.source === undefined || result.source === null) return result;
  const code = typeof result.source === 'string' ? result.source : Buffer.from(result.source).toString('utf8');
  let instrumented;
  try {
    instrumented = instrumenter.instrumentSync(code, fileURLToPath(url));
  } catch (error) {
    // Node ≥ 23 runs TypeScript itself: tsx's hook then hands on the TypeScript source unchanged
    // (seen on Node 24) and Node strips the types after this hook. Strip them here first.
    if (!(error instanceof SyntaxError) || typeof stripTypeScriptTypes !== 'function' || !url.endsWith('.ts')) throw error;
    instrumented = instrumenter.instrumentSync(stripTypeScriptTypes(code, { mode: 'transform' }), fileURLToPath(url));
  }
  return { ...result, source: instrumented };
}

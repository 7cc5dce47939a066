// The production bundle (scripts/build.mjs calls it): src/ → dist/ as a few ESM files made by
// esbuild, so `mxlb serve` starts without resolving, reading and compiling ~450 modules (measured:
// docs/decisions.md, "Production build: bundled"). Two bundles:
// - dist/mxlb.js: the CLI (src/cli/main.ts) with code splitting, so each command's dynamic
//   import() stays a chunk of its own (dist/chunk-*.js) loaded only when that command runs;
// - dist/worker.js: the DNS answering worker (src/dns/worker-main.ts) as one file of its own, so
//   the worker isolate compiles only what answering needs (about 130 KB) and no chunk shared with
//   the control plane (a shared chunk drags in everything the control plane also reaches).
// dist/cli/main.js and dist/dns/worker-main.js stay, as one-line entries, where bin/mxlb.js,
// src/dns/worker-source.ts and operators' unit files expect them.
//
// Every output sits in dist/ itself, and each source's `import.meta.url` is rewritten to the URL
// its tsc-compiled file would have had (dist/http/routes-dashboard.js, dist/version.js, …), so
// files found next to the code (the dashboard, build-info.json, package.json) are where they were.
// Our own modules are declared free of import side effects, which lets esbuild drop the unused
// parts of each folder's index.ts (the worker no longer pulls Redis and YAML in through zone/).
// pino and pino-pretty stay external: pino starts pino-pretty as a transport thread by file name.
import * as esbuild from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';

const EXTERNAL = ['pino', 'pino-pretty', 'esbuild', 'tsx', 'tsx/*'];
// Bundled CommonJS dependencies (ioredis, prom-client, …) call require(): give each ESM output one.
const BANNER = "import { createRequire as __mxlbCreateRequire } from 'node:module'; const require = __mxlbCreateRequire(import.meta.url);";

/** esbuild plugin: our sources are side-effect free on import, and keep their compiled import.meta.url. */
function sources(src) {
  return {
    name: 'mxlb-sources',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.pluginData === 'mxlb' || !args.importer.startsWith(src)) return undefined;
        const found = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'mxlb' });
        if (found.errors.length > 0) return { errors: found.errors };
        return found.path.startsWith(src) ? { path: found.path, sideEffects: false } : undefined;
      });
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        let contents = await readFile(args.path, 'utf8');
        if (args.path.startsWith(src) && contents.includes('import.meta.url')) {
          const compiled = `./${relative(src, args.path).replace(/\.ts$/, '.js')}`;
          contents = contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(compiled)}, import.meta.url).href`);
        }
        return { contents, loader: 'ts' };
      });
    },
  };
}

/** Bundles `${root}/src` into `${dist}` (which must exist). Returns the output files and sizes. */
export async function bundle(root, dist) {
  const src = `${root}/src/`;
  const common = { bundle: true, format: 'esm', platform: 'node', target: 'node20', outdir: dist, external: EXTERNAL, banner: { js: BANNER }, plugins: [sources(src)], metafile: true, logLevel: 'warning', legalComments: 'none' };
  const cli = await esbuild.build({ ...common, entryPoints: { mxlb: `${src}cli/main.ts` }, splitting: true, chunkNames: 'chunk-[hash]' });
  const worker = await esbuild.build({ ...common, entryPoints: { worker: `${src}dns/worker-main.ts` } });
  mkdirSync(`${dist}/cli`, { recursive: true });
  mkdirSync(`${dist}/dns`, { recursive: true });
  writeFileSync(`${dist}/cli/main.js`, "import '../mxlb.js';\n");
  writeFileSync(`${dist}/dns/worker-main.js`, "import '../worker.js';\n");
  return { ...cli.metafile.outputs, ...worker.metafile.outputs };
}

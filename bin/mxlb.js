#!/usr/bin/env node
// The `mxlb` command. Production (an installed package, or a checkout after `npm run build`) runs
// the compiled JavaScript in dist/; a checkout without a current build runs the TypeScript sources
// through tsx (a devDependency), so development and tests need no build step.
// A checkout's dist/ counts only while it is at least as new as every file under src/: a stale build
// must never run instead of the code being edited or tested.
import { existsSync, readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const compiled = new URL('dist/cli/main.js', root);
const sources = new URL('src/', root);
// Written last by scripts/build.mjs: its age is the build's age.
const stamp = new URL('dist/build-info.json', root);

/** Newest modification time (ms) of the files under a folder. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const mtime = statSync(`${entry.parentPath ?? entry.path}/${entry.name}`).mtimeMs;
    if (mtime > latest) latest = mtime;
  }
  return latest;
}

function useCompiled() {
  if (!existsSync(compiled)) return false;
  if (!existsSync(sources)) return true;
  return statSync(existsSync(stamp) ? stamp : compiled).mtimeMs >= newest(sources);
}

if (useCompiled()) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('src/cli/main.ts', root).href);
}

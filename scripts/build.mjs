#!/usr/bin/env node
// `npm run build` (also run by `npm pack` through `prepack`): type-checks src/ with TypeScript 7's
// native tsc (tsconfig.build.json), bundles it into dist/ as a few ESM files (scripts/bundle.mjs),
// copies the dashboard's static files, and bakes which build this is into dist/build-info.json
// (read by src/version.ts): package.json's version and the git commit, from `git rev-parse` when
// this folder is a git checkout, else MXLB_BUILD_COMMIT (e.g. a Docker build without .git), else
// `unknown`.
// dist/ is removed first so no file of an older build survives.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundle } from './bundle.mjs';

const root = realpathSync(fileURLToPath(new URL('../', import.meta.url)));
const dist = `${root}/dist`;

rmSync(dist, { recursive: true, force: true });
// The type check still gates the build; the JavaScript itself comes from esbuild (scripts/bundle.mjs).
execFileSync(process.execPath, [`${root}/node_modules/typescript/bin/tsc`, '-p', `${root}/tsconfig.build.json`, '--noEmit'], { stdio: 'inherit', cwd: root });
mkdirSync(dist, { recursive: true });
await bundle(root, dist);
cpSync(`${root}/src/http/dashboard`, `${dist}/http/dashboard`, { recursive: true });

function commit() {
  try {
    const [top, head] = execFileSync('git', ['rev-parse', '--show-toplevel', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n');
    if (top && head && realpathSync(top) === root && /^[0-9a-f]{7,40}$/.test(head)) return head;
  } catch {
    // not a git checkout, or no git: fall through
  }
  const fromEnv = process.env.MXLB_BUILD_COMMIT?.trim();
  return fromEnv && /^[0-9a-f]{7,40}$/i.test(fromEnv) ? fromEnv.slice(0, 12).toLowerCase() : 'unknown';
}

const { version } = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'));
const info = { version, commit: commit() };
writeFileSync(`${dist}/build-info.json`, `${JSON.stringify(info)}\n`);
process.stdout.write(`built dist/ (mxlb ${info.version}, commit ${info.commit})\n`);

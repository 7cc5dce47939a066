import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Which build is running, for `mxlb --version`, `/status` and `mxlb_build_info`.
 * - version: package.json's `version` (the file sits one folder above both src/ and dist/).
 * - commit: the git commit the build was made from. `npm run build` (and so `npm pack`) writes it
 *   into dist/build-info.json next to the compiled files; a checkout running the TypeScript sources
 *   asks git once; `unknown` when neither is possible (an unpacked tarball without build-info, a
 *   folder that is not a git checkout, no git binary).
 * Both are read once at first use and never throw.
 */
let cachedVersion: string | undefined;
let cachedCommit: string | undefined;

export function packageVersion(): string {
  if (cachedVersion === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      cachedVersion = typeof pkg.version === 'string' ? pkg.version : 'unknown';
    } catch {
      cachedVersion = 'unknown';
    }
  }
  return cachedVersion;
}

export function buildCommit(): string {
  if (cachedCommit === undefined) cachedCommit = bakedCommit() ?? gitCommit() ?? 'unknown';
  return cachedCommit;
}

/** `0.1.0 (commit 1a2b3c4d5e6f)`: what `mxlb --version` prints. */
export function versionLine(): string {
  return `${packageVersion()} (commit ${buildCommit()})`;
}

function bakedCommit(): string | undefined {
  try {
    const info = JSON.parse(readFileSync(new URL('./build-info.json', import.meta.url), 'utf8')) as { commit?: unknown };
    return typeof info.commit === 'string' && info.commit !== '' ? info.commit : undefined;
  } catch {
    return undefined;
  }
}

/** The checkout's HEAD, only when the package folder is itself the top of a git work tree (an
 * installed copy inside some other repository must not report that repository's commit). */
function gitCommit(): string | undefined {
  try {
    const root = realpathSync(fileURLToPath(new URL('..', import.meta.url)));
    const [top, head] = execFileSync('git', ['rev-parse', '--show-toplevel', '--short=12', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2000,
    }).trim().split('\n');
    if (top === undefined || head === undefined || realpathSync(top) !== root) return undefined;
    return /^[0-9a-f]{7,40}$/.test(head) ? head : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Packs this checkout the way an operator gets mxlb (`npm pack`, which builds dist/ through
 * `prepack`) and installs the tarball into an empty folder with production dependencies only
 * (`npm install --omit=dev`), as docs/install.md, docker/Dockerfile and deploy/mxlb.service do.
 *
 * The pack runs in a copy of the working tree (node_modules linked, not copied) so the build never
 * writes dist/ into the checkout other tests are running from. The commit is handed in through
 * MXLB_BUILD_COMMIT because the copy is not a git checkout (the Docker build does the same).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));
const SKIP = new Set(['node_modules', '.git', 'dist', 'test-artifacts', 'test', 'bench', 'state', '.mxlb-state.json', '.mxlb-zones']);

export interface PackedInstall {
  /** Temporary folder holding everything below; removed by cleanup(). */
  root: string;
  tarball: string;
  /** The folder the package was installed into (its node_modules/mxlb is the package). */
  prefix: string;
  /** What build-info should carry: this checkout's HEAD (12 hex digits), or `unknown`. */
  commit: string;
  cleanup(): void;
}

export async function headCommit(): Promise<string> {
  try {
    const { stdout } = await run('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: CHECKOUT });
    return stdout.trim();
  } catch {
    return 'unknown';
  }
}

export async function packAndInstall(): Promise<PackedInstall> {
  const root = mkdtempSync(join(tmpdir(), 'mxlb-pack-'));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  try {
    const copy = join(root, 'checkout');
    cpSync(CHECKOUT, copy, { recursive: true, filter: (src) => !SKIP.has(relative(CHECKOUT, src).split('/')[0]!) });
    symlinkSync(join(CHECKOUT, 'node_modules'), join(copy, 'node_modules'));
    const commit = await headCommit();
    const env = { ...process.env, MXLB_BUILD_COMMIT: commit === 'unknown' ? '' : commit, npm_config_update_notifier: 'false' };
    const packed = await run('npm', ['pack', '--silent', '--pack-destination', root], { cwd: copy, env, timeout: 120_000 });
    const name = packed.stdout.trim().split('\n').pop()!;
    const tarball = join(root, name);
    const prefix = join(root, 'opt-mxlb');
    mkdirSync(prefix);
    await run('npm', ['install', '--prefix', prefix, '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: prefix, env, timeout: 180_000 });
    return { root, tarball, prefix, commit, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

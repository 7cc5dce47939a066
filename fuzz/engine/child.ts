/**
 * One fuzz target in its own process (so each target's coverage is its own and targets can run
 * side by side): `node --import tsx --import ./fuzz/engine/register.mjs fuzz/engine/child.ts
 * <target> <ms> [seed] [maxRuns]`. Prints one JSON FuzzReport line; exits 1 on a crash.
 */
import { fileURLToPath } from 'node:url';
import { fuzz } from './engine.ts';
import { loadTarget } from '../targets/index.ts';

const [name = '', ms = '10000', seed = '1', maxRuns] = process.argv.slice(2);
const root = fileURLToPath(new URL('../', import.meta.url));
const target = await loadTarget(name);
const report = fuzz(target, {
  corpusDir: `${root}corpus/${name}`,
  crashDir: `${root}crashes`,
  timeMs: Number(ms),
  seed: Number(seed),
  ...(maxRuns === undefined ? {} : { maxRuns: Number(maxRuns) }),
});
process.stdout.write(`${JSON.stringify(report)}\n`);
if (report.crash) process.exitCode = 1;

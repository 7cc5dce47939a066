/**
 * src/malloc-tuning.ts: the decisions with a fake addon, then the real addon's effect in child
 * processes (mallopt is per process): 64 KB blocks interleaved with small ones that stay, as
 * socket reads and the objects they leave behind are, go back to the system once freed with the
 * settings and stay resident without them.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadNativeAddon } from '../../src/dns/index.ts';
import { MALLOC_SETTINGS, tuneMalloc } from '../../src/malloc-tuning.ts';
import { eventually } from '../helpers/poll.ts';

const fake = (glibc = true) => {
  const calls = { tune: [] as number[][], trims: 0 };
  return {
    calls,
    addon: {
      tuneMalloc: (...args: number[]) => (calls.tune.push(args), glibc),
      trimMalloc: () => (calls.trims++, true),
    },
  };
};

test('turned off, without the addon or without glibc, nothing is set and the log says why', (t) => {
  const { addon, calls } = fake();
  t.regex(tuneMalloc(addon, false).reason ?? '', /MXLB_MALLOC_TUNING=0/);
  t.regex(tuneMalloc(undefined, true).reason ?? '', /not built/);
  t.deepEqual(calls.tune, []);
  const musl = fake(false);
  const result = tuneMalloc(musl.addon, true, 5);
  t.false(result.applied);
  t.is(result.reason, 'not glibc');
});

test('applied: the three settings once, then malloc_trim on a timer until stopped', async (t) => {
  const { addon, calls } = fake();
  const tuning = tuneMalloc(addon, true, 5);
  t.true(tuning.applied);
  t.deepEqual(calls.tune, [[MALLOC_SETTINGS.arenaMax, MALLOC_SETTINGS.mmapThresholdBytes, MALLOC_SETTINGS.trimThresholdBytes]]);
  await eventually(() => calls.trims >= 2, { timeoutMs: 5000, intervalMs: 5, what: 'two trims' });
  tuning.stop();
  const trims = calls.trims;
  await new Promise((resolve) => setTimeout(resolve, 30));
  t.is(calls.trims, trims, 'no trim after stop');
});

/** MB still resident after 2,000 freed 64 KB blocks, each followed by a 200-byte block that stays. */
function retainedMb(tuned: boolean, addonPath: string): number {
  const script = `
    import { createRequire } from 'node:module';
    const addon = createRequire(import.meta.url)(${JSON.stringify(addonPath)});
    if (${tuned} && !addon.tuneMalloc(${MALLOC_SETTINGS.arenaMax}, ${MALLOC_SETTINGS.mmapThresholdBytes}, ${MALLOC_SETTINGS.trimThresholdBytes})) throw new Error('not applied');
    const rss = () => process.memoryUsage().rss / 1048576;
    gc();
    const before = rss();
    const keep = [];
    let big = [];
    for (let i = 0; i < 2000; i++) { big.push(Buffer.allocUnsafeSlow(65536).fill(1)); keep.push(Buffer.allocUnsafeSlow(200).fill(1)); }
    big = [];
    gc(); gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
    gc();
    console.log(rss() - before, keep.length);
  `;
  const run = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(run.stderr);
  return Number(run.stdout.split(' ')[0]);
}

test('with the real addon, freed 64 KB blocks go back to the system; with glibc defaults 125 MB of them stay', (t) => {
  // The addon serves malloc tuning whatever MXLB_NATIVE_UDP says about UDP, so it must be built.
  t.truthy(loadNativeAddon(), 'the native addon is missing: run `npm run build:native`');
  const addonPath = fileURLToPath(new URL('../../native/build/mxlb-udp.node', import.meta.url));
  const untuned = retainedMb(false, addonPath);
  const tuned = retainedMb(true, addonPath);
  t.log(`retained: ${tuned.toFixed(1)} MB tuned, ${untuned.toFixed(1)} MB with glibc defaults`);
  t.true(untuned > 60, `the defaults keep the freed blocks (${untuned} MB)`);
  t.true(tuned < untuned / 3, `tuned ${tuned} MB vs ${untuned} MB`);
});

// The short bounded fuzz run of CI (issue 12, item 8): every target for 2.5 s with a fixed seed,
// three at a time (about 35 s of wall time on a loaded 2-core machine).
// It fails only if a target crashed (threw something its contract does not allow) or a target's
// process ended without a report. The longer run is `npm run fuzz -- --minutes N`.
import { spawn } from 'node:child_process';
import test from 'ava';

test('every fuzz target runs 2.5 s without a crash', async (t) => {
  t.timeout(90_000);
  const root = new URL('../../../', import.meta.url).pathname;
  const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'fuzz/run.ts', '--seconds', '2.5', '--seed', '12', '--jobs', '3'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    child.stderr.on('data', (c: Buffer) => (text += c.toString()));
    child.on('close', (code) => resolve({ code, text }));
  });
  t.log(out.text.trim());
  const summary = /fuzz: (\d+) inputs across (\d+) targets, (\d+) crashed/.exec(out.text);
  t.truthy(summary, 'the run printed its summary');
  t.is(summary?.[2], '6', 'all six targets reported');
  t.is(summary?.[3], '0', 'no target crashed');
  t.true(Number(summary?.[1]) > 10_000, 'the targets ran many inputs');
  t.is(out.code, 0);
});

/**
 * `npm run fuzz [-- --minutes N | --seconds N] [--target NAME]… [--jobs N] [--seed N]`: runs every
 * fuzz target (or the named ones) for the given time each, `--jobs` at a time (default 1), each
 * in its own process with the coverage hook. Prints one line per target and the total number of
 * inputs; exits 1 if any target crashed (the input is in fuzz/crashes/, replay it with
 * `npm run fuzz -- --replay FILE --target NAME`).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { FuzzReport } from './engine/engine.ts';
import { loadTarget, TARGET_NAMES } from './targets/index.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    seconds: { type: 'string' },
    target: { type: 'string', multiple: true },
    jobs: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    replay: { type: 'string' },
  },
});

const root = fileURLToPath(new URL('../', import.meta.url));

if (values.replay) {
  // Replays one input without instrumentation: the stack trace points at the source.
  const target = await loadTarget(values.target?.[0] ?? '');
  try {
    target.run(readFileSync(values.replay));
    console.log('no crash');
  } catch (error) {
    if (!target.allowed(error)) throw error; // a crash: its stack trace is the report
    console.log(`no crash (an allowed error: ${error instanceof Error ? error.message : String(error)})`);
  }
} else {
  const perTargetMs = values.seconds !== undefined ? Number(values.seconds) * 1000 : Number(values.minutes ?? '1') * 60_000;
  const names = values.target ?? [...TARGET_NAMES];
  const reports = await runAll(names, perTargetMs, Math.max(1, Number(values.jobs)));
  const total = reports.reduce((n, r) => n + r.execs, 0);
  const crashed = reports.filter((r) => r.crash);
  console.log(`fuzz: ${total} inputs across ${reports.length} targets, ${crashed.length} crashed`);
  for (const r of crashed) console.log(`CRASH ${r.target}: ${r.crash!.file}\n${r.crash!.error}`);
  if (crashed.length > 0 || reports.length < names.length) process.exitCode = 1;
}

async function runAll(names: string[], ms: number, jobs: number): Promise<FuzzReport[]> {
  const queue = [...names];
  const reports: FuzzReport[] = [];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const report = await runChild(name, ms);
      if (report) {
        reports.push(report);
        const rate = Math.round(report.execs / (report.ms / 1000));
        console.log(`${report.target.padEnd(14)} ${String(report.execs).padStart(10)} inputs  ${String(rate).padStart(6)}/s  corpus ${report.corpus}  coverage ${report.covered}/${report.counters}  slowest ${report.slowestMs.toFixed(1)} ms${report.crash ? '  CRASH' : ''}`);
      }
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return reports;
}

function runChild(name: string, ms: number): Promise<FuzzReport | undefined> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', `${root}fuzz/engine/register.mjs`, `${root}fuzz/engine/child.ts`, name, String(ms), String(values.seed)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as FuzzReport);
      } catch {
        console.log(`${name}: the fuzz process ended (code ${code}) without a report`);
        resolve(undefined);
      }
    });
  });
}

import test from 'ava';
import { spawn } from 'node:child_process';

/**
 * `mxlb zone validate` end to end, in a real process. src/cli/main.ts belongs to another task, so
 * this harness mounts `zoneCommand` on yargs the way src/cli/app.ts does (strict, usage → exit 2).
 */
const HARNESS = `
import yargs from 'yargs';
import { zoneCommand } from './src/cli/zone.ts';
try {
  await yargs(process.argv.slice(1)).scriptName('mxlb').command(zoneCommand).demandCommand(1).strict()
    .fail((message, error) => {
      if (error && error.code !== 'usage') throw error;
      process.stderr.write('mxlb: ' + (message ?? error?.message) + '\\n');
      process.exit(2);
    })
    .parseAsync();
} catch (error) {
  process.stderr.write('mxlb: ' + error.message + '\\n');
  process.exitCode = error.code === 'usage' ? 2 : 1;
}
`;

function mxlb(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import=tsx', '--input-type=module', '-e', HARNESS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const F = 'test/fixtures/zones';

test('valid folder: exit 0 and a summary per zone', async (t) => {
  const run = await mxlb('zone', 'validate', `${F}/valid`);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /^example\.com\. +test\/fixtures\/zones\/valid\/example\.com\.zone +6 records +serial 2024060101$/m);
  t.regex(run.stdout, /^2 zone files valid$/m);
  t.is(run.stderr, '');
});

test('broken folder: exit 1 and file:line: reason on stderr', async (t) => {
  const run = await mxlb('zone', 'validate', `${F}/broken`);
  t.is(run.code, 1);
  t.regex(run.stderr, /^test\/fixtures\/zones\/broken\/bad\.example\.zone:4: bad IPv4 address "192\.0\.2\.300"$/m);
  t.regex(run.stderr, /^2 of 3 zone files invalid$/m);
});

test('--json on a broken file: exit 1 and parseable output', async (t) => {
  const run = await mxlb('zone', 'validate', `${F}/broken/bad.example.zone`, '--json');
  t.is(run.code, 1);
  const report = JSON.parse(run.stdout) as { valid: boolean; errors: Array<{ line: number }> };
  t.false(report.valid);
  t.deepEqual(report.errors.map((e) => e.line), [4]);
});

test('default path is ./zones', async (t) => {
  const run = await mxlb('zone', 'validate');
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /^relay\.example\.com\. +zones\/relay\.example\.com\.zone/m);
});

const usage: Array<[string[], RegExp]> = [
  [['zone', 'validate', `${F}/nope`], /no such file or folder/],
  [['zone', 'validate', '--bogus'], /Unknown argument: bogus/],
  [['zone'], /Name a zone subcommand/],
];
for (const [args, message] of usage) {
  test(`usage error exits 2: mxlb ${args.join(' ')}`, async (t) => {
    const run = await mxlb(...args);
    t.is(run.code, 2);
    t.regex(run.stderr, message);
  });
}

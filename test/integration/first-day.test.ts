/**
 * First-day rough edges of `mxlb serve` (issue 16): a zones folder that is missing, empty or holds
 * no zone that loads stops the start with exit code 1 and says why; a state file that is missing
 * from an existing folder is a warning (every drain and quarantine it held is gone), a new folder
 * only an info line; `--log-format` chooses JSON or pretty lines regardless of the terminal.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, startMxlb } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

const run = promisify(execFile);
const EXAMPLE = new URL('../../zones/relay.example.com.zone', import.meta.url);

function folder(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-firstday-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function serveFails(args: string[]): Promise<{ code: number; stderr: string }> {
  return run(process.execPath, [BIN, 'serve', '--dns', '127.0.0.1:0', '--http', '127.0.0.1:0', '--state-file', '', ...args], { timeout: 20_000 }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
}

test('serve --zones with a missing folder, an empty folder or only broken zone files: exit 1 and the reason', async (t) => {
  const dir = folder(t);
  const missing = await serveFails(['--zones', join(dir, 'nope')]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /zones folder .*nope does not exist; set --zones or MXLB_ZONES, or write a starter zone with "mxlb init/);
  mkdirSync(join(dir, 'empty'));
  const empty = await serveFails(['--zones', join(dir, 'empty')]);
  t.is(empty.code, 1);
  t.regex(empty.stderr, /holds no zone files \(\*\.zone, \*\.yaml, \*\.yml\)/);
  mkdirSync(join(dir, 'broken'));
  writeFileSync(join(dir, 'broken', 'a.test.zone'), '@ SOA ns1 hostmaster 1 1h 15m 1w 1m\n@ NS ns1\nns1 A 999.0.0.1\n');
  const broken = await serveFails(['--zones', join(dir, 'broken')]);
  t.is(broken.code, 1);
  t.regex(broken.stderr, /no zone in .*broken loads, so there is nothing to serve:\n {2}.*a\.test\.zone:3: /);
});

test('a state file missing from an existing folder is a warning; a new folder an info line', async (t) => {
  const dir = folder(t);
  cpSync(EXAMPLE, join(dir, 'relay.example.com.zone'));
  const lost = await startMxlb(['--zones', dir, '--state-file', join(dir, 'state.json')]);
  t.teardown(() => lost.stop());
  const warning = await lost.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('state file not found'));
  t.is(warning.level, 40);
  t.regex(String(warning.msg), /no drains, quarantines or weight overrides/);
  await lost.stop();

  const fresh = await startMxlb(['--zones', dir, '--state-file', join(dir, 'new', 'state.json')]);
  t.teardown(() => fresh.stop());
  const info = await fresh.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('state file is new'));
  t.is(info.level, 30);
  t.false(fresh.logs.some((l) => String(l.msg).startsWith('state file not found')));
});

test('--log-format pretty writes lines for people even when stdout is not a terminal; json stays JSON', async (t) => {
  const dir = folder(t);
  cpSync(EXAMPLE, join(dir, 'relay.example.com.zone'));
  const json = await startMxlb(['--zones', dir, '--state-file', '', '--log-format', 'json']);
  t.teardown(() => json.stop());
  t.true(json.logs.some((l) => l.msg === 'mxlb serving'));
  await json.stop();
  // Pretty output is not JSON, so the helper (which reads JSON lines) cannot see "mxlb serving":
  // read the raw stdout instead.
  const child = execFile(process.execPath, [BIN, 'serve', '--zones', dir, '--dns', '127.0.0.1:0', '--http', '127.0.0.1:0', '--state-file', '', '--log-format', 'pretty']);
  t.teardown(() => void child.kill('SIGKILL'));
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await eventually(() => out.includes('mxlb serving'), { timeoutMs: 15_000, what: 'a pretty "mxlb serving" line' });
  t.regex(out, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(\d+\): mxlb serving$/m);
  t.false(out.split('\n').some((line) => line.startsWith('{')), 'no JSON lines');
  child.kill('SIGTERM');
});

test('a zone file that recovers is logged as recovered; a SIGHUP reload logs what it found at info', async (t) => {
  const dir = folder(t);
  const file = join(dir, 'relay.example.com.zone');
  cpSync(EXAMPLE, file);
  const good = readFileSync(file, 'utf8');
  const mxlb = await startMxlb(['--zones', dir, '--state-file', '']);
  t.teardown(() => mxlb.stop());
  writeFileSync(file, good.replace(/^smtp\s.*$/m, 'smtp  60  IN  A  999.1.2.3'));
  await mxlb.waitForLog((l) => String(l.msg).includes('relay.example.com.zone:') && l.kept === true, 15_000);
  writeFileSync(file, good.replace('2024060101', '2024060102'));
  const recovered = await mxlb.waitForLog((l) => String(l.msg).startsWith('zone relay.example.com. recovered'), 15_000);
  t.is(recovered.level, 30);
  mxlb.child.kill('SIGHUP');
  const summary = await mxlb.waitForLog((l) => String(l.msg).startsWith('zones reloaded (SIGHUP)'), 15_000);
  t.is(summary.level, 30);
  t.like(summary, { reason: 'SIGHUP', zones: 1, failing: 0, removed: 0 });
  t.is(String(summary.msg), 'zones reloaded (SIGHUP): 0 loaded, 1 unchanged, 0 failing, 0 removed');
});

test('a mistyped flag gets a suggestion and exit code 2', async (t) => {
  const result = await serveFails(['--zone', 'zones']);
  t.is(result.code, 2);
  t.regex(result.stderr, /Unknown argument: zone\n--zone: did you mean --zones\?\n/);
});

/**
 * Issue 12, item 1, through the real `mxlb serve` and the real CLI: a state file with bad entries
 * (override `expiresAt: "soon"`, override `at: "x"`, an override without `kind`, health
 * `state: "bogus"`) starts, answers every balanced name, keeps its good entries, says why on
 * /readyz and never writes the bad values back; a truncated or garbage file stops the start with
 * file, position and remedy and is kept aside; stale temporaries are removed at start; a change the
 * state file cannot keep (folder replaced by a file, disk full) is refused with 503, the CLI exits
 * 1, and a restart shows what the API said.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dig } from '../helpers/dig.ts';
import { eventually } from '../helpers/poll.ts';
import { allUp, answers, apiMembers, cli, opsCli, ORIGIN, serve, serverUrl, setUp, TOKEN, type AdminSetup } from './admin-setup.ts';

const now = Date.now();
const good = { kind: 'drained', reason: 'disk replacement', author: 'ops (alice@host)', at: now - 60_000 };

function badStateFile(): string {
  return JSON.stringify({
    version: 1,
    savedAt: now,
    health: { 'primary/mta1': { state: 'up', since: now - 1000 }, 'primary/mta3': { state: 'bogus', since: now - 1000 } },
    overrides: {
      'primary/mta1': good,
      'primary/mta2': { kind: 'quarantined', reason: 'listed', author: 'ops', at: now - 1000, expiresAt: 'soon' },
      'primary/mta3': { kind: 'drained', reason: 'x', author: 'ops', at: 'x' },
      'primary/mta9': { reason: 'no kind', author: 'ops', at: now - 1000 },
    },
    weights: {},
    audit: [{ at: now - 60_000, author: 'ops (alice@host)', action: 'drain', member: 'primary/mta1', next: good }],
  }, null, 1);
}

test.serial('a state file with bad entries: answers stay up, good entries work, bad ones are refused, named and never written back', async (t) => {
  const setup = await setUp(t, 100);
  const original = badStateFile();
  writeFileSync(setup.stateFile, original);
  const mxlb = await serve(t, setup);
  const [, a2, a3] = setup.mtas.map((m) => m.host) as [string, string, string];

  for (const entry of ['overrides["primary/mta2"]', 'overrides["primary/mta3"]', 'overrides["primary/mta9"]', 'health["primary/mta3"]']) {
    const line = await mxlb.waitForLog((l) => l.msg === `state file entry refused: ${entry}: ${String(l.reason)}` && l.entry === entry);
    t.is(line.file, setup.stateFile);
  }
  const refused = mxlb.logs.filter((l) => l.entry !== undefined).map((l) => `${String(l.entry)}: ${String(l.reason)}`).sort();
  t.deepEqual(refused, [
    'health["primary/mta3"]: state: "bogus" is not one of unknown, up, down',
    'overrides["primary/mta2"]: expiresAt: "soon" is not a time (whole epoch milliseconds)',
    'overrides["primary/mta3"]: at: "x" is not a time (whole epoch milliseconds)',
    'overrides["primary/mta9"]: kind is missing',
  ]);

  await allUp(mxlb);
  // Balanced A and MX answer (no SERVFAIL); the good drain is in force from the first answer.
  t.deepEqual(await answers(mxlb), [a2, a3]);
  const mx = await dig(mxlb.dns[0]!.host, mxlb.dns[0]!.port, [ORIGIN, 'MX']);
  t.is(mx.status, 'NOERROR');
  t.true(mx.answer.some((f) => f[3] === 'MX'));
  const base = serverUrl(mxlb);
  t.is((await fetch(`${base}/status`)).status, 200);
  t.is((await fetch(`${base}/explain?name=smtp.${ORIGIN}&type=A`)).status, 200);
  t.is((await fetch(`${base}/explain?name=${ORIGIN}&type=MX`)).status, 200);
  t.like((await apiMembers(mxlb)).find((m) => m.id === 'primary/mta1'), { state: 'drained', override: { reason: 'disk replacement' } });

  // /readyz: ready, degraded, and says which entries were refused and where the original is
  // (the path only to a client with a token: anonymous readers get "[path]", docs/security.md).
  const ready = (await (await fetch(`${base}/readyz`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { ready: boolean; degraded: boolean; degradedBecause: string[] };
  const anonymous = (await (await fetch(`${base}/readyz`)).json()) as { degradedBecause: string[] };
  t.regex(anonymous.degradedBecause.join(' '), /\(original kept at \[path\]\)/);
  t.true(ready.ready);
  t.true(ready.degraded);
  t.regex(ready.degradedBecause.join(' '), /state file entries refused on load: health\["primary\/mta3"\]: state: "bogus".*\(original kept at .*state\.json\.corrupt-/);

  // The original is kept aside; the next write carries only good entries.
  const kept = readdirSync(setup.dir).filter((n) => n.startsWith('state.json.corrupt-'));
  t.is(kept.length, 1);
  t.is(readFileSync(join(setup.dir, kept[0]!), 'utf8'), original);
  const run = await opsCli(mxlb)(['member', 'quarantine', 'primary/mta2', '--reason', 'listed on SBL']);
  t.is(run.code, 0, run.stderr);
  const written = readFileSync(setup.stateFile, 'utf8');
  t.false(written.includes('"soon"'), 'the bad expiry is never written back');
  t.false(written.includes('"bogus"'));
  t.false(written.includes('"x"'));
  const data = JSON.parse(written) as { overrides: Record<string, { kind: string }> };
  t.deepEqual(Object.keys(data.overrides).sort(), ['primary/mta1', 'primary/mta2']);
});

/** `mxlb serve` expected to refuse to start: its exit code and stderr. */
function serveOnce(setup: AdminSetup) {
  return cli(['serve', '--zones', setup.zonesDir, '--state-file', setup.stateFile, '--dns', '127.0.0.1:0', '--http', '127.0.0.1:0', '--log-level', 'error']);
}

const corrupt: [string, (text: string) => string, RegExp][] = [
  ['truncated', (text) => text.slice(0, Math.floor(text.length * 0.6)), /is corrupt at line \d+, column \d+ \(byte \d+\): the JSON ends early \(the file was cut off\)/],
  ['garbage', () => '\u0000\u0017garbage\n', /is corrupt at line 1, column 1 \(byte 0\): not JSON/],
];

for (const [what, damage, message] of corrupt) {
  test.serial(`a ${what} state file stops the start with file, position and remedy, and is kept aside`, async (t) => {
    const setup = await setUp(t, what === 'truncated' ? 110 : 120);
    const text = damage(JSON.stringify({ version: 1, savedAt: now, health: {}, overrides: { 'primary/mta1': good }, weights: {}, audit: [] }, null, 1));
    writeFileSync(setup.stateFile, text);
    const run = await serveOnce(setup);
    t.is(run.code, 1, run.stderr);
    t.true(run.stderr.includes(`state file ${setup.stateFile} is corrupt`), run.stderr);
    t.regex(run.stderr, message);
    t.regex(run.stderr, /did not start, so that the drains and quarantines it holds are not silently dropped/);
    t.regex(run.stderr, /repair the file .*or move it away to start without saved state/);
    t.is(readFileSync(setup.stateFile, 'utf8'), text, 'the file stays in place, untouched');
    const kept = /a copy is kept at (\S+);/.exec(run.stderr)?.[1];
    t.truthy(kept, run.stderr);
    t.is(readFileSync(kept!, 'utf8'), text);
    // Started again on the same file: it refuses again (no silent empty start), and keeps no second copy.
    const again = await serveOnce(setup);
    t.is(again.code, 1);
    t.is(readdirSync(setup.dir).filter((n) => n.startsWith('state.json.corrupt-')).length, 1);
  });
}

test.serial('temporary state files left by a killed writer are removed at start', async (t) => {
  const setup = await setUp(t, 130);
  writeFileSync(setup.stateFile, JSON.stringify({ version: 1, savedAt: now, health: {}, overrides: { 'primary/mta1': good }, weights: {}, audit: [] }));
  // 4194305 is above Linux's largest pid: no process runs with it.
  const stale = `${setup.stateFile}.4194305.tmp`;
  writeFileSync(stale, '{"version":1,"ov');
  const mxlb = await serve(t, setup);
  await mxlb.waitForLog((l) => l.msg === 'removed a temporary state file left by an interrupted write' && l.file === stale);
  t.false(existsSync(stale));
  t.like((await apiMembers(mxlb)).find((m) => m.id === 'primary/mta1'), { state: 'drained' });
});

test.serial('a change the state file cannot keep (folder replaced by a file) is refused: 503, CLI exit 1, not applied, a restart agrees', async (t) => {
  const setup = await setUp(t, 140);
  const stateDir = join(setup.dir, 'state');
  mkdirSync(stateDir);
  const stateFile = join(stateDir, 'state.json');
  const mxlb = await serve(t, { ...setup, stateFile });
  const run = opsCli(mxlb);
  await allUp(mxlb);
  const [a1, a2, a3] = setup.mtas.map((m) => m.host) as [string, string, string];
  t.is((await run(['member', 'drain', 'primary/mta2', '--reason', 'durable one'])).code, 0);

  // The state folder goes away and a plain file takes its name: every write now fails (ENOTDIR).
  renameSync(stateDir, `${stateDir}.saved`);
  writeFileSync(stateDir, 'not a folder\n');
  const drain = await run(['member', 'drain', 'primary/mta1', '--reason', 'not durable']);
  t.is(drain.code, 1, drain.stderr);
  t.regex(drain.stderr, /the server answered 503: change not applied: the state file .*state\.json could not be written \(ENOTDIR/);
  const weight = await fetch(`${serverUrl(mxlb)}/api/members/primary%2Fmta3/weight`, {
    method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ weight: 7 }),
  });
  t.is(weight.status, 503);
  t.like(await weight.json(), { changed: false });
  // Not applied: mta1 still answers, mta3 keeps its weight, the audit log has no such entry.
  t.deepEqual(await answers(mxlb), [a1, a3]);
  const members = await apiMembers(mxlb);
  t.is(members.find((m) => m.id === 'primary/mta1')!.state, 'up');
  t.is(members.find((m) => m.id === 'primary/mta3')!.weightOverride, undefined);
  const audit = JSON.parse((await run(['member', 'audit', '--json'])).stdout) as { entries: { action: string; member: string }[] };
  t.deepEqual(audit.entries.map((e) => `${e.action} ${e.member}`), ['drain primary/mta2']);
  const ready = (await (await fetch(`${serverUrl(mxlb)}/readyz`)).json()) as { degradedBecause: string[] };
  t.regex(ready.degradedBecause.join(' '), /state file not writable: ENOTDIR/);
  t.is(await mxlb.stop(), 0);

  // Put the folder back and restart: the state is what the API said.
  rmSync(stateDir);
  renameSync(`${stateDir}.saved`, stateDir);
  const second = await serve(t, { ...setup, stateFile });
  const after = await apiMembers(second);
  t.is(after.find((m) => m.id === 'primary/mta1')!.override, undefined);
  t.like(after.find((m) => m.id === 'primary/mta2'), { state: 'drained', override: { reason: 'durable one' } });
  t.is(after.find((m) => m.id === 'primary/mta3')!.weightOverride, undefined);
  t.false((await answers(second)).includes(a2));
});

test.serial('a change refused on a full disk (small tmpfs) is not applied; a restart agrees', async (t) => {
  const setup = await setUp(t, 150);
  const mountPoint = join(setup.dir, 'small');
  mkdirSync(mountPoint);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (error) {
    t.log(`tmpfs not available here (${(error as Error).message.split('\n')[0]}): the folder cases above cover refusal`);
    t.pass();
    return;
  }
  let mxlb: Awaited<ReturnType<typeof serve>> | undefined;
  // Stop the server before unmounting, whatever order the teardowns run in.
  t.teardown(async () => {
    await mxlb?.stop();
    try {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' });
    } catch {
      // Already unmounted.
    }
  });
  const stateFile = join(mountPoint, 'state.json');
  mxlb = await serve(t, { ...setup, stateFile });
  const run = opsCli(mxlb);
  await allUp(mxlb);
  t.is((await run(['member', 'drain', 'primary/mta2', '--reason', 'durable one'])).code, 0);
  // Fill the file system: the next write of the state file fails with ENOSPC.
  const filler = join(mountPoint, 'filler');
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k', 'count=1000'], { stdio: 'pipe' });
  } catch {
    // dd stops at "No space left on device": that is the point.
  }
  const drain = await run(['member', 'drain', 'primary/mta1', '--reason', 'disk full']);
  t.is(drain.code, 1, drain.stderr);
  t.regex(drain.stderr, /503: change not applied: .*ENOSPC/);
  t.is((await apiMembers(mxlb)).find((m) => m.id === 'primary/mta1')!.state, 'up');
  t.deepEqual(readdirSync(mountPoint).sort(), ['filler', 'state.json'], 'no temporary left behind');
  t.is(await mxlb.stop(), 0);
  rmSync(filler);
  const second = await serve(t, { ...setup, stateFile });
  const after = await apiMembers(second);
  t.is(after.find((m) => m.id === 'primary/mta1')!.override, undefined);
  t.is(after.find((m) => m.id === 'primary/mta2')!.state, 'drained');
  await second.stop();
  await eventually(async () => second.child.exitCode !== null || second.child.signalCode !== null, { timeoutMs: 15_000, what: 'second server stopped' });
});

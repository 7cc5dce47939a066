/**
 * Exit codes of `mxlb member` (docs/cli.md): 0 ok, 1 the server refused or failed, 2 usage error,
 * 3 the server could not be reached, each with a message on stderr that says what to do.
 */
import test from 'ava';
import { createServer } from 'node:net';
import { cli, opsCli, serve, setUp, TOKEN } from './admin-setup.ts';

/** A loopback port nothing listens on: bound by the OS, then closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('exit codes: 2 for usage errors before anything is sent, 3 when the server cannot be reached', async (t) => {
  // One after the other: each is a node process, and the machine is shared with other tests.
  const usage = [];
  for (const args of [
    ['member', 'drain'],
    ['member', 'drain', 'mta1'],
    ['member', 'drain', 'primary/mta1', '--expires', 'soon'],
    ['member', 'quarantine', 'primary/mta1'],
    ['member', 'weight', 'primary/mta1', 'heavy'],
    ['member', 'list', '--server', 'not a url'],
  ]) {
    usage.push(await cli(args));
  }
  for (const run of usage) {
    t.is(run.code, 2, run.stderr);
    t.regex(run.stderr, /\S/);
  }
  t.regex(usage[1]!.stderr, /<pool>\/<member>/);
  t.regex(usage[2]!.stderr, /--expires: bad expiry "soon"/);
  t.regex(usage[3]!.stderr, /reason/);

  const port = await closedPort();
  const unreachable = await cli(['member', 'list', '--server', `http://127.0.0.1:${port}`]);
  t.is(unreachable.code, 3);
  t.true(unreachable.stderr.includes(`cannot reach mxlb at http://127.0.0.1:${port}: connection refused`), unreachable.stderr);

});

test('exit code 1 when the server refuses: unknown member (404), conflicting override (409); bad API input is 400 and changes nothing', async (t) => {
  const setup = await setUp(t, 50);
  const mxlb = await serve(t, setup);
  const run = opsCli(mxlb);
  const unknown = await run(['member', 'drain', 'primary/mta9']);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /unknown member "primary\/mta9".*primary\/mta1/);
  t.is((await run(['member', 'quarantine', 'primary/mta2', '--reason', 'listed on SBL'])).code, 0);
  const conflict = await run(['member', 'undrain', 'primary/mta2']);
  t.is(conflict.code, 1);
  t.regex(conflict.stderr, /409.*quarantined, not drained: use release/);
  const drainOver = await run(['member', 'drain', 'primary/mta2']);
  t.is(drainOver.code, 1, 'a drain does not replace a quarantine');
  t.is((await run(['member', 'release', 'primary/mta2'])).code, 0);

  // The same API without the CLI: bad bodies and parameters are 400 with the reason, and change nothing.
  const base = `http://${mxlb.http.host}:${mxlb.http.port}`;
  const post = (path: string, body: string) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body });
  const notJson = await post('/api/members/primary%2Fmta1/drain', '{reason: x}');
  t.is(notJson.status, 400);
  t.regex(((await notJson.json()) as { error: string }).error, /not JSON/);
  const typo = await post('/api/members/primary%2Fmta1/quarantine', '{"reason":"x","expiry":"1h"}');
  t.is(typo.status, 400);
  t.regex(((await typo.json()) as { error: string }).error, /unknown field "expiry"; allowed: reason, expires/);
  const badWeight = await post('/api/members/primary%2Fmta1/weight', '{"weight":-1}');
  t.is(badWeight.status, 400);
  t.is((await fetch(`${base}/api/audit?limit=0`)).status, 400);
  t.is((await fetch(`${base}/api/audit?limit=x`)).status, 400);
  const one = (await (await fetch(`${base}/api/members/primary%2Fmta1`)).json()) as { member: { id: string; state: string } };
  t.like(one.member, { id: 'primary/mta1' });
  t.not(one.member.state, 'drained');
  const audit = (await (await fetch(`${base}/api/audit?limit=10`)).json()) as { entries: { action: string }[] };
  t.deepEqual(audit.entries.map((e) => e.action), ['release', 'quarantine'], 'only the two real changes were audited');
});

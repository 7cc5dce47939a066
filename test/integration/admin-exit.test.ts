/**
 * Exit codes of `mxlb member` (docs/cli.md): 0 ok, 1 the server refused or failed, 2 usage error,
 * 3 the server could not be reached, each with a message on stderr that says what to do.
 */
import test from 'ava';
import { createServer } from 'node:net';
import { cli, opsCli, serve, setUp } from './admin-setup.ts';

/** A loopback port nothing listens on: bound by the OS, then closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('exit codes: 2 for usage errors, 3 when the server cannot be reached, 1 for an unknown member or a conflicting override', async (t) => {
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
});

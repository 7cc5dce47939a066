/**
 * The warm-up loop end to end with a real Postfix (issue 13): a private Postfix relays through a
 * sink; `mxlb signals follow postfix --once` feeds its maillog to the real `mxlb serve`; the
 * warming relay's attempts today reach its cap of 3 and it stops being served in DNS answers.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { SMTPServer } from 'smtp-server';
import { answers, ORIGIN, serve, serverUrl, setUp, TOKEN, zoneYaml } from './admin-setup.ts';
import { BIN } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';
import { postfixUsable, startPostfix } from '../helpers/postfix.ts';

const unusable = postfixUsable();

(unusable ? test.skip : test)('real Postfix: a warming relay is withheld from DNS answers once its sends today reach the cap', async (t) => {
  const setup = await setUp(t, 230);
  const today = new Date().toISOString().slice(0, 10);
  const zone = zoneYaml(setup.mtas)
    .replace('pools:\n', `warm-up-schedules:\n  tiny:\n    days: [3, 100]\npools:\n`)
    .replace(/(- \{ name: mta1, address: [^,]+, port: \d+) \}/, `$1, warm-up: { schedule: tiny, start: ${today} } }`);
  t.regex(zone, /warm-up: \{ schedule: tiny/);
  writeFileSync(join(setup.zonesDir, `${ORIGIN}.yaml`), zone);
  const mxlb = await serve(t, setup);
  const base = serverUrl(mxlb);
  const all = setup.mtas.map((m) => m.host).sort();
  const mta1 = setup.mtas[0]!.host;
  // Open loop (no signals yet): a small share, but under round-robin any weight > 0 is served.
  await eventually(async () => JSON.stringify(await answers(mxlb)) === JSON.stringify(all), { timeoutMs: 30_000, what: 'all members served' });

  let received = 0;
  const sink = new SMTPServer({ authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], disableReverseLookup: true, logger: false,
    onData(stream, session, callback) { stream.resume(); stream.on('end', () => { received += session.envelope.rcptTo.length; callback(); }); } });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.239', resolve));
  t.teardown(() => new Promise<void>((resolve) => sink.close(() => resolve())));
  const postfix = await startPostfix({ host: '127.0.0.239', port: (sink.server.address() as { port: number }).port });
  t.teardown(() => postfix.stop());
  const follow = async (): Promise<void> => {
    const run = spawn(process.execPath, [BIN, 'signals', 'follow', 'postfix', '--log', postfix.maillog, '--member', 'primary/mta1', '--server', base, '--token', TOKEN, '--state', `${postfix.dir}/follow.state`, '--once'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    run.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    t.is(await new Promise<number | null>((resolve) => run.once('exit', resolve)), 0, stderr);
  };
  const sent = () => readFileSync(postfix.maillog, 'utf8').split('\n').filter((l) => /postfix-out\/smtp\[\d+\]: \w+: to=<.*status=sent/.test(l)).length;
  const warmUp = async () => (await (await fetch(`${base}/api/members/primary%2Fmta1/warmup`)).json()) as { sent?: number; cap?: number; factor?: { value: number; reason: string } };

  await postfix.send('', 'a@example.org', 'one');
  await eventually(() => sent() >= 1, { timeoutMs: 60_000, intervalMs: 200, what: 'one sent line' });
  await follow();
  t.like(await eventually(async () => ((await warmUp()).sent === 1 ? warmUp() : false), { what: 'one attempt counted' }), { cap: 3, factor: { reason: 'warm-up-under-cap' } });
  t.true((await answers(mxlb)).includes(mta1), 'under the cap: still served');

  for (const to of ['b@example.org', 'c@gmail.com']) await postfix.send('', to, 'more');
  await eventually(() => sent() >= 3, { timeoutMs: 60_000, intervalMs: 200, what: 'three sent lines' });
  await follow();
  t.like(await eventually(async () => ((await warmUp()).sent === 3 ? warmUp() : false), { what: 'three attempts counted' }), { factor: { value: 0, reason: 'warm-up-cap-reached' } });
  const out = await eventually(async () => { const a = await answers(mxlb); return a.includes(mta1) ? false : a; }, { timeoutMs: 10_000, what: 'the warming relay out of the answers' });
  t.deepEqual(out, all.filter((a) => a !== mta1));
  t.is(received, 3);
  t.log(`Postfix delivered ${received}; the follower reported ${sent()} sent lines; primary/mta1 withheld at cap 3; answers now ${out.join(', ')}`);
});

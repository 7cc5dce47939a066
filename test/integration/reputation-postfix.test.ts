/**
 * The whole deliverability loop with a real Postfix (Debian, private instance, `maillog_file`):
 * it relays to an smtp-server sink that throttles Gmail-style (421-4.7.28) and later accepts;
 * `mxlb signals follow postfix --once` feeds its maillog to the real `mxlb serve`; the counts equal
 * the log's; the throttling crosses the zone's rule, the member is quarantined automatically and
 * leaves the DNS answers; when the sink accepts again it comes back after the hold and cool-down.
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
const THROTTLE = '4.7.28 [127.0.0.176] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited.';

interface Sink { port: number; throttled: number; received: number; throttling: boolean; stop(): Promise<void> }

async function sink(host: string): Promise<Sink> {
  const state: Sink = { port: 0, throttled: 0, received: 0, throttling: true, stop: async () => {} };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (!state.throttling) return callback();
      state.throttled += 1;
      callback(Object.assign(new Error(THROTTLE), { responseCode: 421 }));
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => { state.received += session.envelope.rcptTo.length; callback(); });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  state.port = (server.server.address() as { port: number }).port;
  state.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

(unusable ? test.skip : test)('real Postfix: Gmail-style throttling quarantines its relay automatically; it returns when the throttling stops', async (t) => {
  const setup = await setUp(t, 170);
  const zone = zoneYaml(setup.mtas).replace('pools:\n', [
    'reputation:',
    '  hold: 2s',
    '  cool-down: 1s',
    '  rules:',
    '    - name: gmail-throttle',
    '      provider: gmail',
    "      match: '4\\.7\\.28.*unusual rate'",
    '      trigger: 3/1h',
    '      action: quarantine',
    '      duration: 3s',
    'pools:',
    '',
  ].join('\n'));
  writeFileSync(join(setup.zonesDir, `${ORIGIN}.yaml`), zone);
  const mxlb = await serve(t, setup);
  const base = serverUrl(mxlb);
  const all = setup.mtas.map((m) => m.host).sort();
  const mta1 = setup.mtas[0]!.host;
  await eventually(async () => JSON.stringify(await answers(mxlb)) === JSON.stringify(all), { timeoutMs: 30_000, what: 'all members served' });

  const gmail = await sink('127.0.0.176');
  t.teardown(() => gmail.stop());
  // Quick retries, so mail throttled now goes out soon after the sink accepts again.
  const postfix = await startPostfix({ host: '127.0.0.176', port: gmail.port }, { queue_run_delay: '1s', minimal_backoff_time: '1s', maximal_backoff_time: '2s' });
  t.teardown(() => postfix.stop());
  // Postfix's own logs are this relay's (primary/mta1): the follower attributes every line to it.
  const follow = async (): Promise<void> => {
    const run = spawn(process.execPath, [BIN, 'signals', 'follow', 'postfix', '--log', postfix.maillog, '--member', 'primary/mta1', '--server', base, '--token', TOKEN, '--state', `${postfix.dir}/follow.state`, '--once'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    run.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
    t.is(code, 0, stderr);
  };
  const lines = (status: string) => readFileSync(postfix.maillog, 'utf8').split('\n').filter((l) => new RegExp(`postfix-out/smtp\\[\\d+\\]: \\w+: to=<.*status=${status}`).test(l));
  const counted = async (): Promise<Record<string, number>> => {
    const doc = (await (await fetch(`${base}/status`)).json()) as { zones: { pools: { members: { id: string; delivery: { last1h: Record<string, number> } }[] }[] }[] };
    return doc.zones.flatMap((z) => z.pools.flatMap((p) => p.members)).find((m) => m.id === 'primary/mta1')!.delivery.last1h;
  };

  for (let i = 1; i <= 4; i++) await postfix.send('', `user${i}@gmail.com`, `newsletter ${i}`);
  await eventually(() => lines('deferred').length >= 4, { timeoutMs: 60_000, intervalMs: 200, what: 'four deferred lines in the maillog' });
  await follow();
  const deferredLines = lines('deferred').length;
  t.true((await counted()).deferred! >= 4);
  t.true(gmail.throttled >= 4, `the sink throttled ${gmail.throttled} recipients`);

  const out = await eventually(async () => { const a = await answers(mxlb); return a.includes(mta1) ? false : a; }, { timeoutMs: 15_000, what: 'the throttled relay out of the answers' });
  t.deepEqual(out, all.filter((a) => a !== mta1));
  const doc = (await (await fetch(`${base}/status`)).json()) as { zones: { pools: { members: { id: string; override?: { author: string; reason: string } }[] }[] }[] };
  const override = doc.zones.flatMap((z) => z.pools.flatMap((p) => p.members)).find((m) => m.id === 'primary/mta1')!.override;
  t.is(override?.author, 'mxlb reputation');
  t.regex(override?.reason ?? '', /^rule gmail-throttle: \d+ matches in 1h$/);
  t.log(`${deferredLines} deferred lines read; quarantined: ${override?.reason}`);

  // The provider accepts again: the queue drains, the follower reports the deliveries.
  gmail.throttling = false;
  // Postfix retries on its own within its backoff (2–4 s here), but a busy machine once saw no
  // retry in 60 s (9 deferrals before: the queue manager had the destination marked dead); the
  // flush is what an operator runs when a provider accepts again, and makes the retry certain.
  let flushedAt = 0;
  try {
    await eventually(async () => {
      if (Date.now() - flushedAt > 5_000) {
        flushedAt = Date.now();
        await postfix.flush();
      }
      return lines('sent').length >= 4;
    }, { timeoutMs: 60_000, intervalMs: 200, what: 'the deferred mail delivered' });
  } catch (error) {
    throw new Error(`${(error as Error).message}; maillog tail:\n${readFileSync(postfix.maillog, 'utf8').slice(-3000)}`);
  }
  await follow();
  await eventually(async () => (await answers(mxlb)).includes(mta1), { timeoutMs: 20_000, what: 'the relay back in the answers' });
  // Every line of the log is counted once (the follower resumed from its saved position).
  const log = { sent: lines('sent').length, deferred: lines('deferred').length };
  t.like(await counted(), log);
  t.is(gmail.received, log.sent);
});

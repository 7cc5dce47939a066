/**
 * A real Postfix (Debian, a private instance with `maillog_file`) relays to a loopback sink that
 * accepts, throttles Gmail-style (421-4.7.28) or rejects (550 5.1.1) by recipient; the follower
 * reads its maillog with --once, and the counts in /status equal the delivery lines of the log.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';
import { serve, setUp, TOKEN } from './admin-setup.ts';
import { BIN } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';
import { postfixUsable, startPostfix } from '../helpers/postfix.ts';

const unusable = postfixUsable();

async function sink(host: string): Promise<{ port: number; received: string[]; stop(): Promise<void> }> {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, _session, callback) {
      const to = address.address;
      if (to.startsWith('defer@')) {
        const error = Object.assign(new Error('4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP address.'), { responseCode: 421 });
        return callback(error);
      }
      if (to.startsWith('bounce@')) return callback(Object.assign(new Error('5.1.1 user unknown'), { responseCode: 550 }));
      callback();
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        received.push(...session.envelope.rcptTo.map((r) => r.address));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.server.address() as { port: number }).port;
  return { port, received, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

(unusable ? test.skip : test)('real Postfix: the follower counts what its maillog says', async (t) => {
  const setup = await setUp(t, 160);
  const mxlb = await serve(t, setup);
  const base = `http://127.0.0.1:${mxlb.http.port}`;
  const mta = await sink('127.0.0.165');
  t.teardown(() => mta.stop());
  // No retries while the test runs: the log the follower reads is the log the test counts.
  const postfix = await startPostfix({ host: '127.0.0.165', port: mta.port }, { queue_run_delay: '300s', minimal_backoff_time: '300s', maximal_backoff_time: '600s' });
  t.teardown(() => postfix.stop());

  const recipients = ['ok1@gmail.com', 'ok2@outlook.com', 'defer@gmail.com', 'bounce@yahoo.com', 'ok3@example.net'];
  for (const to of recipients) await postfix.send('', to, `test ${to}`);
  const statusLines = () => readFileSync(postfix.maillog, 'utf8').split('\n').filter((l) => /postfix-out\/(smtp|error|retry|lmtp)\[\d+\]: \w+: to=<.*status=(sent|deferred|bounced)/.test(l));
  await eventually(() => statusLines().length >= recipients.length, { timeoutMs: 60_000, intervalMs: 200, what: 'a delivery line per recipient in the maillog' });

  const run = spawn(process.execPath, [BIN, 'signals', 'follow', 'postfix', '--log', postfix.maillog, '--member', 'primary/mta1', '--server', base, '--token', TOKEN, '--state', `${postfix.dir}/follow.state`, '--once'], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => void run.kill('SIGKILL'));
  let stderr = '';
  run.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => run.once('exit', resolve));
  t.is(code, 0, stderr);

  // What the log says, read independently of the parser (the follower read up to here).
  const lines = statusLines();
  const expected: Record<string, number> = { sent: 0, deferred: 0, bounced: 0, expired: 0, complaint: 0 };
  for (const line of lines) expected[/status=(\w+)/.exec(line)![1]!]! += 1;
  const doc = (await (await fetch(`${base}/status`)).json()) as { zones: { pools: { members: { id: string; delivery: { last1h: Record<string, number> } }[] }[] }[] };
  const member = doc.zones.flatMap((z) => z.pools.flatMap((p) => p.members)).find((m) => m.id === 'primary/mta1')!;
  t.deepEqual(member.delivery.last1h, expected);
  t.true(expected.sent! >= 3 && expected.deferred! >= 1 && expected.bounced! >= 1, JSON.stringify(expected));
  t.true(mta.received.includes('ok1@gmail.com'));
});

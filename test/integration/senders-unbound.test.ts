/**
 * docs/senders.md end to end (issue 16): a private Postfix sends through the relay name
 * (`relayhost = [smtp.<zone>]:PORT`, DNS lookups on), resolved by a private Unbound whose stub-zone
 * points the relay zone at mxlb on loopback (the docs' Unbound recipe). With one relay drained,
 * every message reaches the healthy relays (real SMTP servers) and none the drained one; then the
 * drain ends and MX mode (`relayhost = <zone>:PORT`) reaches the relays through the MX answer.
 *
 * Postfix resolves through the C library, which reads /etc/resolv.conf and knows no ports: Unbound
 * therefore listens on port 53 of an address of its own (127.0.0.153), and Postfix runs in a private
 * mount namespace whose /etc/resolv.conf names it (test/helpers/postfix.ts `nameserver`).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dig } from '../helpers/dig.ts';
import { startMta, type Mta } from '../helpers/mta.ts';
import { BIN, startMxlb } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';
import { startPostfix } from '../helpers/postfix.ts';
import { startUnbound } from '../helpers/unbound.ts';

const run = promisify(execFile);
const ZONE = 'relay-senders.test';
const TOKEN = 'senders-token-0123456789abcdef';
const RESOLVER = { host: '127.0.0.153', port: 53 };

test('Postfix → Unbound stub-zone → mxlb: mail reaches the healthy relays and none the drained one; MX mode too', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-senders-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const first = await startMta({ host: '127.0.0.81', port: 0 });
  t.teardown(() => first.stop());
  const relays: Mta[] = [first];
  for (const host of ['127.0.0.82', '127.0.0.83']) {
    const mta = await startMta({ host, port: first.port });
    t.teardown(() => mta.stop());
    relays.push(mta);
  }
  const zones = join(dir, 'zones');
  await run(process.execPath, [BIN, 'init', zones, '--origin', ZONE, '--pool', 'senders', ...relays.flatMap((r) => ['--member', `${r.host}:${r.port}`])]);
  const mxlb = await startMxlb(['--zones', zones, '--state-file', join(dir, 'state.json'), '--ehlo-name', 'probe.test'], { env: { MXLB_ADMIN_TOKEN: TOKEN } });
  t.teardown(() => mxlb.stop());
  const dns = mxlb.dns[0]!;
  const http = `http://${mxlb.http.host}:${mxlb.http.port}`;
  const drained = await fetch(`${http}/api/members/senders%2Fmta3/drain`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{"reason":"test"}' });
  t.true(drained.ok);
  const answer = async (server: { host: string; port: number }) => (await dig(server.host, server.port, [`smtp.${ZONE}`, 'A'])).answer.map((f) => f[4]!).sort().join();
  await eventually(async () => (await answer(dns)) === '127.0.0.81,127.0.0.82', { timeoutMs: 15_000, intervalMs: 200, what: 'mxlb answers the two healthy, undrained relays' });

  const unbound = await startUnbound(RESOLVER, ZONE, dns, `smtp.${ZONE}`);
  t.teardown(() => unbound.stop());
  t.is(await answer(unbound), '127.0.0.81,127.0.0.82', 'Unbound forwards the relay zone to mxlb');

  const postfix = await startPostfix(
    { host: '0.0.0.0', port: 0 },
    { relayhost: `[smtp.${ZONE}]:${first.port}`, disable_dns_lookups: 'no', smtp_host_lookup: 'dns' },
    { nameserver: RESOLVER.host },
  );
  t.teardown(() => postfix.stop());
  const sentLines = () => (readFileSync(postfix.maillog, 'utf8').match(/status=sent/g) ?? []).length;
  for (let i = 1; i <= 6; i++) await postfix.send('app@sender.test', `user${i}@example.test`, `relayhost ${i}`);
  await eventually(() => sentLines() >= 6, { timeoutMs: 30_000, intervalMs: 200, what: '6 messages sent' });
  const counts = () => relays.map((r) => r.messages.length);
  t.is(counts()[0]! + counts()[1]!, 6, `healthy relays got every message: ${counts().join(', ')}`);
  t.is(counts()[2], 0, 'the drained relay got none');
  t.notRegex(readFileSync(postfix.maillog, 'utf8'), /relay=[^ ]*127\.0\.0\.83/);

  // MX mode: no brackets, so Postfix looks up the MX of the zone and then the exchanges' addresses.
  const released = await fetch(`${http}/api/members/senders%2Fmta3/undrain`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
  t.true(released.ok);
  await run('postconf', ['-c', postfix.dir, '-e', `relayhost = ${ZONE}:${first.port}`]);
  await run('postfix', ['-c', postfix.dir, 'reload']);
  const before = counts().reduce((a, b) => a + b, 0);
  for (let i = 1; i <= 3; i++) await postfix.send('app@sender.test', `mx${i}@example.test`, `mx ${i}`);
  await eventually(() => sentLines() >= 9, { timeoutMs: 30_000, intervalMs: 200, what: '3 more messages sent through the MX' });
  t.is(counts().reduce((a, b) => a + b, 0), before + 3);
  t.regex(readFileSync(postfix.maillog, 'utf8'), new RegExp(`to=<mx1@example\\.test>, relay=mta[123]\\.${ZONE.replace('.', '\\.')}\\[127\\.0\\.0\\.8[123]\\]`));
});

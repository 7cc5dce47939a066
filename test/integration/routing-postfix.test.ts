/**
 * docs/routing.md "Postfix recipes" end to end (issue 14): a private Postfix configured with the
 * page's own blocks (main.cf routing lines, the transport and sender_relay maps, the zone), read
 * from docs/routing.md so the recipes cannot drift from what is tested, resolving through a private
 * Unbound whose stub zone points at mxlb. Six loopback SMTP sinks (pools tx, bulk, google) show
 * where each message went:
 * - all up: gmail.test mail through `gmail.relay…` (google), outlook.test through
 *   `microsoft.relay…` (tx), other mail through the class names (relayhost `transactional` → tx,
 *   the sender map → bulk), and a newsletter to gmail.test through gmail (transport_maps wins);
 * - the tx pool down (its MTAs stopped, mxlb pulls them): transactional and microsoft mail spill
 *   into bulk, bulk mail stays on bulk, gmail mail stays on google;
 * - google down too: `gmail` fails open on dead addresses and Postfix's `smtp_fallback_relay`
 *   (bulk) delivers.
 *
 * Substitutions (and only these): `.com` → `.test`, `192.0.2.x` → a loopback sink with its port,
 * `:25` → the sinks' port, `/etc/postfix/` → the test's folder, `ttl: 30` → `ttl: 2` (Unbound caches
 * answers for their TTL), and the zone gains SOA/NS records and fast probe settings.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dig } from '../helpers/dig.ts';
import { startMta, type Mta } from '../helpers/mta.ts';
import { startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';
import { postfixUsable, startPostfix } from '../helpers/postfix.ts';
import { startUnbound } from '../helpers/unbound.ts';

const run = promisify(execFile);
const ZONE = 'relay.example.test';
/** Its own address (senders-unbound.test.ts uses 127.0.0.153): both may run at once. */
const RESOLVER = { host: '127.0.0.154', port: 53 };
/** The docs' member addresses → loopback sinks. */
const SINKS: Record<string, { host: string; pool: string }> = {
  '192.0.2.11': { host: '127.0.0.191', pool: 'tx' },
  '192.0.2.12': { host: '127.0.0.192', pool: 'tx' },
  '192.0.2.21': { host: '127.0.0.193', pool: 'bulk' },
  '192.0.2.22': { host: '127.0.0.194', pool: 'bulk' },
  '192.0.2.31': { host: '127.0.0.195', pool: 'google' },
  '192.0.2.32': { host: '127.0.0.196', pool: 'google' },
};

/** The fenced block of docs/routing.md whose first line starts with `marker`. */
function docBlock(marker: string): string {
  const page = readFileSync(new URL('../../docs/routing.md', import.meta.url), 'utf8');
  for (const m of page.matchAll(/```[a-z]*\n([\s\S]*?)```/g)) if (m[1]!.startsWith(marker)) return m[1]!;
  throw new Error(`docs/routing.md has no block starting with "${marker}"`);
}

function localise(text: string, port: number, dir: string): string {
  return text
    .replace(/\.com\b/g, '.test')
    .replace(/:25\b/g, `:${port}`)
    .replace(/\/etc\/postfix\//g, `${dir}/`)
    .replace(/address: (192\.0\.2\.\d+)/g, (_all, docs: string) => `address: ${SINKS[docs]!.host}, port: ${port}`)
    .replace(/ttl: 30\b/g, 'ttl: 2');
}

/** `key = value` lines of a main.cf block (comment lines skipped). */
function mainCf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)\s*=\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

test('Postfix transport_maps / sender_dependent_relayhost_maps / smtp_fallback_relay from docs/routing.md: each message reaches its pool; tx down spills transactional only', async (t) => {
  const unusable = postfixUsable();
  if (unusable) return t.fail(`needs a private Postfix: ${unusable}`);
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-routing-postfix-'));
  chmodSync(dir, 0o755);
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));

  // The sinks: one port for all (a relay name's next hop names one port), distinct addresses.
  const sinks: Array<Mta & { pool: string }> = [];
  t.teardown(() => Promise.all(sinks.map((s) => s.stop())));
  let port = 0;
  for (const { host, pool } of Object.values(SINKS)) {
    const mta = await startMta({ host, port });
    port = mta.port;
    sinks.push(Object.assign(mta, { pool }));
  }
  const pool = (name: string) => sinks.filter((s) => s.pool === name);
  const addresses = (name: string) => pool(name).map((s) => s.host).sort();

  const zones = join(dir, 'zones');
  mkdirSync(zones);
  const yaml = localise(docBlock('# zones/relay.example.com.yaml (the recipes'), port, dir);
  writeFileSync(join(zones, `${ZONE}.yaml`), [
    'records: |',
    '  @ 300 IN SOA ns1 hostmaster 1 3600 900 604800 60',
    '  @ 300 IN NS ns1',
    '  ns1 300 IN A 127.0.0.1',
    'probe: { interval: 300ms, recheck: 100ms, rise: 1, fall: 2, timeouts: { connect: 2s, banner: 2s, ehlo: 2s } }',
    yaml,
  ].join('\n'));
  const mxlb = await startMxlb(['--zones', zones, '--state-file', join(dir, 'state.json'), '--ehlo-name', 'probe.test'], { timeoutMs: 60_000 });
  t.teardown(() => mxlb.stop());
  const dns = mxlb.dns[0]!;
  const a = async (server: { host: string; port: number }, label: string) =>
    (await dig(server.host, server.port, [`${label}.${ZONE}`, 'A'])).answer.filter((f) => f[3] === 'A').map((f) => f[4]!).sort();
  let last = '';
  const answers = async (server: { host: string; port: number }, want: Record<string, string[]>) => {
    for (const [label, hosts] of Object.entries(want)) {
      const got = await a(server, label);
      if (JSON.stringify(got) !== JSON.stringify(hosts)) {
        last = `${label}: ${got.join(', ') || '(none)'}; wanted ${hosts.join(', ')}`;
        return false;
      }
    }
    return true;
  };
  const allUp = { transactional: addresses('tx'), bulk: addresses('bulk'), gmail: addresses('google'), microsoft: addresses('tx') };
  await eventually(() => answers(dns, allUp), { timeoutMs: 30_000, intervalMs: 200, what: 'every name answers its first tier' }).catch((error: Error) => { throw new Error(`${error.message}: ${last}`); });

  const unbound = await startUnbound(RESOLVER, ZONE, dns, `transactional.${ZONE}`);
  t.teardown(() => unbound.stop());

  // The maps, as the docs write them (postmap makes the hash files Postfix reads; it wants a
  // main.cf, and the machine may have none in /etc/postfix).
  mkdirSync(join(dir, 'postmap'));
  writeFileSync(join(dir, 'postmap', 'main.cf'), 'compatibility_level = 3.6\n');
  for (const map of ['transport', 'sender_relay']) {
    writeFileSync(join(dir, map), localise(docBlock(`# /etc/postfix/${map}`), port, dir));
    await run('postmap', ['-c', join(dir, 'postmap'), `hash:${join(dir, map)}`]);
  }
  const routing = mainCf(localise(docBlock('# /etc/postfix/main.cf'), port, dir));
  t.deepEqual(Object.keys(routing).sort(), ['relayhost', 'sender_dependent_relayhost_maps', 'smtp_fallback_relay', 'transport_maps']);
  const postfix = await startPostfix({ host: '127.0.0.1', port }, { ...routing, disable_dns_lookups: 'no', smtp_host_lookup: 'dns' }, { nameserver: RESOLVER.host });
  t.teardown(() => postfix.stop());

  const sent: string[] = [];
  const send = async (from: string, to: string, subject: string) => {
    await postfix.send(from, to, subject);
    sent.push(subject);
  };
  /** The pool whose sink got the message with this subject (undefined: not yet). */
  const poolOf = (subject: string) => sinks.find((s) => s.messages.some((m) => m.data.includes(`Subject: ${subject}\n`) || m.data.includes(`Subject: ${subject}\r\n`)))?.pool;
  const delivered = (subjects: string[]) => eventually(() => subjects.every((s) => poolOf(s) !== undefined), { timeoutMs: 45_000, intervalMs: 200, what: `delivery of ${subjects.join(', ')}` });
  const routes = (subjects: string[]) => Object.fromEntries(subjects.map((s) => [s, poolOf(s)]));

  // 1. Everything up.
  await send('app@example.test', 'someone@example.org', 'up-transactional');
  await send('app@example.test', 'someone@outlook.test', 'up-microsoft');
  await send('app@example.test', 'someone@gmail.test', 'up-gmail');
  await send('newsletter@example.test', 'reader@example.org', 'up-newsletter');
  await send('digest@news.example.test', 'reader@example.org', 'up-news-domain');
  await send('newsletter@example.test', 'reader@gmail.test', 'up-newsletter-to-gmail');
  const phase1 = ['up-transactional', 'up-microsoft', 'up-gmail', 'up-newsletter', 'up-news-domain', 'up-newsletter-to-gmail'];
  await delivered(phase1);
  t.deepEqual(routes(phase1), {
    'up-transactional': 'tx',
    'up-microsoft': 'tx',
    'up-gmail': 'google',
    'up-newsletter': 'bulk',
    'up-news-domain': 'bulk',
    'up-newsletter-to-gmail': 'google',
  });
  const log = () => readFileSync(postfix.maillog, 'utf8');
  t.regex(log(), new RegExp(`to=<someone@gmail\\.test>, relay=gmail\\.${ZONE.replaceAll('.', '\\.')}\\[127\\.0\\.0\\.19[56]\\]`));
  t.regex(log(), new RegExp(`to=<someone@example\\.org>, relay=transactional\\.${ZONE.replaceAll('.', '\\.')}\\[127\\.0\\.0\\.19[12]\\]`));

  // 2. The tx pool down: mxlb pulls its members; transactional (and microsoft) answer bulk.
  const stopped = Date.now();
  await Promise.all(pool('tx').map((s) => s.stop()));
  const txDown = { transactional: addresses('bulk'), bulk: addresses('bulk'), gmail: addresses('google'), microsoft: addresses('bulk') };
  await eventually(() => answers(dns, txDown), { timeoutMs: 20_000, intervalMs: 200, what: 'mxlb answers without the tx pool' });
  t.log(`tx pool stopped → mxlb answers bulk for transactional: ${Date.now() - stopped} ms`);
  await eventually(() => answers(unbound, txDown), { timeoutMs: 20_000, intervalMs: 200, what: 'Unbound answers without the tx pool (its cache expired)' });
  t.log(`… and through Unbound (TTL 2 s): ${Date.now() - stopped} ms`);
  const spillSent = Date.now();
  await send('app@example.test', 'someone@example.org', 'down-transactional');
  await send('app@example.test', 'someone@outlook.test', 'down-microsoft');
  await send('newsletter@example.test', 'reader@example.org', 'down-newsletter');
  await send('app@example.test', 'someone@gmail.test', 'down-gmail');
  const phase2 = ['down-transactional', 'down-microsoft', 'down-newsletter', 'down-gmail'];
  await delivered(phase2);
  t.log(`4 messages sent → all delivered in the spill phase: ${Date.now() - spillSent} ms`);
  t.deepEqual(routes(phase2), { 'down-transactional': 'bulk', 'down-microsoft': 'bulk', 'down-newsletter': 'bulk', 'down-gmail': 'google' });
  for (const s of pool('tx')) t.false(s.messages.some((m) => /Subject: down-/.test(m.data)), 'no message reached a stopped tx sink');

  // 3. google down too: gmail has no usable tier, fails open (all-down: all) on addresses that
  //    refuse connections, and Postfix hands the message to smtp_fallback_relay (bulk).
  await Promise.all(pool('google').map((s) => s.stop()));
  const explainGmail = async () => ((await (await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/explain?name=gmail.${ZONE}&type=A`)).json()) as { text: string }).text;
  await eventually(async () => /fail-open/.test(await explainGmail()), { timeoutMs: 20_000, intervalMs: 200, what: 'gmail fails open' });
  await send('app@example.test', 'someone@gmail.test', 'fallback-gmail');
  await delivered(['fallback-gmail']);
  t.is(poolOf('fallback-gmail'), 'bulk');
  t.regex(log(), new RegExp(`to=<someone@gmail\\.test>, relay=bulk\\.${ZONE.replaceAll('.', '\\.')}\\[127\\.0\\.0\\.19[34]\\]`), 'delivered through the fallback relay name');
  t.is(sinks.reduce((n, s) => n + s.messages.length, 0), sent.length, 'every message delivered exactly once');
});

/**
 * DNS cookies (RFC 7873, RFC 9018) through the real `mxlb serve` with real BIND `dig` and Knot
 * `kdig`: replies carry a server cookie; sent back it is counted valid in /metrics (also at a
 * second instance reading the same --cookie-secret-file, and for a cookie of the previous
 * secret); a malformed COOKIE option is FORMERR; cached replies carry each client its own cookie
 * and never pass the client's size limit; a flooding source with a valid cookie is not rate
 * limited while one without is; --require-server-cookie answers BADCOOKIE over UDP only.
 */
import test from 'ava';
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerCookies } from '../../src/dns/cookies.ts';
import { dig, kdig } from '../helpers/dig.ts';
import { buildQuery, replyHeader, udpExchange } from '../helpers/dns-client.ts';
import { startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';
import { counterOf, parseProm, type Families } from '../helpers/prom-parse.ts';

const ORIGIN = 'cookie.test';
/** The secret cookies are made with, and the one before it (still accepted). */
const CURRENT = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const PREVIOUS = 'e5e973e5a6b2a43f48e7dc849e37bfcf';
const BIG = 73; // A records: 1212 octets to dig, fits 1232 only without a cookie option

interface World {
  dir: string;
  plain: MxlbProcess;
  strict: MxlbProcess;
}
let world: World | undefined;

test.before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-cookies-'));
  const zones = join(dir, 'zones');
  const records = ['@ 300 IN SOA ns1 hostmaster 1 3600 900 604800 60', '@ 300 IN NS ns1', 'ns1 300 IN A 127.0.0.1', 'www 300 IN A 192.0.2.1'];
  for (let i = 1; i <= BIG; i++) records.push(`big 300 IN A 192.0.2.${i}`);
  mkdirSync(zones);
  writeFileSync(join(zones, `${ORIGIN}.zone`), `$ORIGIN ${ORIGIN}.\n${records.join('\n')}\n`);
  const secrets = join(dir, 'cookie-secrets');
  writeFileSync(secrets, `# current first, then the one before the rotation\n${CURRENT}\n${PREVIOUS}\n`, { mode: 0o600 });
  const plain = await startMxlb(['--dns', '[::1]:0', '--zones', zones, '--state-file', '', '--cookie-secret-file', secrets]);
  // Rate limiting for loopback too (it is whitelisted by default), per address, tight.
  const strict = await startMxlb(['--zones', zones, '--state-file', '', '--cookie-secret-file', secrets, '--require-server-cookie', '--rrl-whitelist', 'none', '--rrl-ipv4-prefix', '32', '--rrl-rate', '10', '--rrl-burst', '10', '--rrl-slip', '2']);
  world = { dir, plain, strict };
});

test.after.always(async () => {
  await world?.plain.stop();
  await world?.strict.stop();
  if (world) rmSync(world.dir, { recursive: true, force: true });
});

const dnsOf = (p: MxlbProcess) => p.dns[0]!;

async function metrics(p: MxlbProcess): Promise<Families> {
  const response = await fetch(`http://${p.http.host}:${p.http.port}/metrics`, { signal: AbortSignal.timeout(5000) });
  return parseProm(await response.text());
}
const verdict = async (p: MxlbProcess, v: string): Promise<number> => counterOf(await metrics(p), 'mxlb_dns_cookie_queries_total', { verdict: v });

/** The COOKIE option dig or kdig printed (lower-case hex), or undefined. */
function cookieOf(stdout: string): string | undefined {
  return /COOKIE: ([0-9a-fA-F]+)/.exec(stdout)?.[1]?.toLowerCase();
}

/** RFC 9018 shape: our 8-octet client cookie back, then version 1, three zero octets, a timestamp near now, a hash. */
function assertServerCookie(t: import('ava').ExecutionContext, cookie: string | undefined, client?: string): void {
  t.truthy(cookie);
  t.is(cookie!.length, 48, 'client cookie + 16-octet server cookie');
  if (client) t.is(cookie!.slice(0, 16), client);
  t.is(cookie!.slice(16, 24), '01000000');
  t.true(Math.abs(parseInt(cookie!.slice(24, 32), 16) - Date.now() / 1000) < 60, 'timestamp is now');
}

test('dig: the reply carries a server cookie; sent back, it is counted valid', async (t) => {
  const { host, port } = dnsOf(world!.plain);
  const first = await dig(host, port, [`www.${ORIGIN}`, 'A']);
  t.is(first.status, 'NOERROR');
  t.regex(first.stdout, /COOKIE: [0-9a-f]{48} \(good\)/, 'dig saw its own client cookie come back');
  const cookie = cookieOf(first.stdout);
  assertServerCookie(t, cookie);
  const before = await verdict(world!.plain, 'valid');
  const second = await dig(host, port, [`www.${ORIGIN}`, 'A', `+cookie=${cookie!}`]);
  t.deepEqual(second.answer.map((r) => r[4]), ['192.0.2.1']);
  t.regex(second.stdout, /\(good\)/);
  await eventually(async () => (await verdict(world!.plain, 'valid')) >= before + 1, { what: 'the returned cookie counted valid' });
});

test('kdig: the reply carries a server cookie; sent back, it is counted valid', async (t) => {
  const { host, port } = dnsOf(world!.plain);
  const first = await kdig(host, port, [`www.${ORIGIN}`, 'A', '+cookie']);
  const cookie = cookieOf(first.stdout);
  assertServerCookie(t, cookie);
  const before = await verdict(world!.plain, 'valid');
  const second = await kdig(host, port, [`www.${ORIGIN}`, 'A', `+cookie=${cookie!}`]);
  t.is(second.status, 'NOERROR');
  t.is(cookieOf(second.stdout), cookie, 'a valid cookie under half an hour old comes back unchanged (RFC 9018 §4.3)');
  await eventually(async () => (await verdict(world!.plain, 'valid')) >= before + 1, { what: 'the returned cookie counted valid' });
});

test('one secret file, two instances: a cookie from one is valid at the other, and so is one made with the previous secret', async (t) => {
  const a = dnsOf(world!.plain);
  const b = dnsOf(world!.strict);
  const cookie = cookieOf((await dig(a.host, a.port, [`www.${ORIGIN}`, 'A'])).stdout)!;
  const before = await verdict(world!.strict, 'valid');
  // At the strict instance only a valid cookie is answered without BADCOOKIE.
  const atB = await dig(b.host, b.port, [`www.${ORIGIN}`, 'A', `+cookie=${cookie}`, '+nobadcookie']);
  t.is(atB.status, 'NOERROR');
  await eventually(async () => (await verdict(world!.strict, 'valid')) >= before + 1, { what: 'instance A\'s cookie valid at B' });
  // A cookie the previous secret made for this client (127.0.0.1), as a client would still hold after a rotation.
  const old = new ServerCookies({ secrets: [PREVIOUS] });
  old.check(Buffer.from('0123456789abcdef', 'hex'), '127.0.0.1');
  const held = Buffer.from(old.reply).toString('hex');
  const before2 = await verdict(world!.plain, 'valid');
  const rotated = await dig(a.host, a.port, [`www.${ORIGIN}`, 'A', `+cookie=${held}`]);
  const renewed = cookieOf(rotated.stdout);
  t.not(renewed, held, 'renewed with the current secret');
  assertServerCookie(t, renewed, '0123456789abcdef');
  await eventually(async () => (await verdict(world!.plain, 'valid')) >= before2 + 1, { what: 'previous secret\'s cookie valid' });
});

test('IPv6 (::1): the cookie covers the 16-octet address, and is valid only from it', async (t) => {
  const v6 = world!.plain.dns.find((d) => d.host === '::1')!;
  const v4 = dnsOf(world!.plain);
  const first = await kdig(v6.host, v6.port, [`www.${ORIGIN}`, 'A', '+cookie']);
  const cookie = cookieOf(first.stdout);
  assertServerCookie(t, cookie);
  const expected = new ServerCookies({ secrets: [CURRENT] }, () => parseInt(cookie!.slice(24, 32), 16) * 1000);
  expected.check(Buffer.from(cookie!.slice(0, 16), 'hex'), '::1');
  t.is(Buffer.from(expected.reply).toString('hex'), cookie!, 'RFC 9018 hash over ::1');
  const valid = await verdict(world!.plain, 'valid');
  const invalid = await verdict(world!.plain, 'invalid');
  await kdig(v6.host, v6.port, [`www.${ORIGIN}`, 'A', `+cookie=${cookie!}`]);
  await kdig(v4.host, v4.port, [`www.${ORIGIN}`, 'A', `+cookie=${cookie!}`]);
  await eventually(async () => (await verdict(world!.plain, 'valid')) >= valid + 1 && (await verdict(world!.plain, 'invalid')) >= invalid + 1, { what: 'valid from ::1, invalid from 127.0.0.1' });
});

test('a malformed COOKIE option (12 octets) is FORMERR and counted', async (t) => {
  const { host, port } = dnsOf(world!.plain);
  const before = await verdict(world!.plain, 'malformed');
  const option = Buffer.concat([Buffer.from([0, 10, 0, 12]), Buffer.alloc(12, 0x5a)]);
  const reply = await udpExchange(host, port, buildQuery({ id: 77, name: `www.${ORIGIN}`, edns: { options: option } }), 3000);
  t.truthy(reply);
  t.like(replyHeader(reply!), { id: 77, rcode: 1, ancount: 0 });
  await eventually(async () => (await verdict(world!.plain, 'malformed')) >= before + 1, { what: 'malformed counted' });
});

test('cached replies carry each client its own cookie, and a cookie never pushes a reply past the client\'s limit', async (t) => {
  const { host, port } = dnsOf(world!.plain);
  await dig(host, port, [`www.${ORIGIN}`, 'A', '+nocookie']);
  const hitsBefore = counterOf(await metrics(world!.plain), 'mxlb_dns_cache_hits_total', { transport: 'udp' });
  const clients = ['1111111111111111', '2222222222222222', '3333333333333333'];
  const cookies: string[] = [];
  for (const client of clients) {
    const reply = await dig(host, port, [`www.${ORIGIN}`, 'A', `+cookie=${client}`]);
    t.deepEqual(reply.answer.map((r) => r[4]), ['192.0.2.1']);
    const cookie = cookieOf(reply.stdout);
    assertServerCookie(t, cookie, client);
    cookies.push(cookie!);
  }
  t.is(new Set(cookies).size, 3);
  await eventually(async () => counterOf(await metrics(world!.plain), 'mxlb_dns_cache_hits_total', { transport: 'udp' }) >= hitsBefore + 3, { what: 'the three replies came from the cache' });
  // Each cookie is valid for its own client cookie only (the hash covers it).
  const before = await verdict(world!.plain, 'invalid');
  const swapped = `${clients[0]}${cookies[1]!.slice(16)}`;
  await dig(host, port, [`www.${ORIGIN}`, 'A', `+cookie=${swapped}`]);
  await eventually(async () => (await verdict(world!.plain, 'invalid')) >= before + 1, { what: 'another client\'s server cookie is invalid' });

  // 73 A records: 1212 octets fit 1232 without the option; with it, TC=1 instead of 1240 octets.
  const without = await dig(host, port, [`big.${ORIGIN}`, 'A', '+bufsize=1232', '+nocookie', '+ignore']);
  t.is(without.answer.length, BIG);
  t.false(without.flags.has('tc'));
  const withCookie = await dig(host, port, [`big.${ORIGIN}`, 'A', '+bufsize=1232', '+ignore']);
  t.true(withCookie.flags.has('tc'));
  t.truthy(cookieOf(withCookie.stdout));
  const size = Number(/MSG SIZE {2}rcvd: (\d+)/.exec(withCookie.stdout)?.[1]);
  t.true(size <= 1232, `${size} octets`);
  // Over TCP it fits, cookie and all.
  const overTcp = await dig(host, port, [`big.${ORIGIN}`, 'A', '+tcp']);
  t.is(overTcp.answer.length, BIG);
  t.truthy(cookieOf(overTcp.stdout));
});

/**
 * Sends `count` queries from `local` (a loopback address), each with `cookie` when given; counts
 * full and truncated replies until every query got one (`all`) or replies stop coming.
 */
async function flood(local: string, server: { host: string; port: number }, count: number, cookie: string | undefined, all: boolean): Promise<{ full: number; truncated: number }> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, local, resolve));
  let full = 0;
  let truncated = 0;
  socket.on('message', (message) => {
    if (replyHeader(message).tc) truncated++;
    else full++;
  });
  const options = cookie ? Buffer.concat([Buffer.from([0, 10, 0, cookie.length / 2]), Buffer.from(cookie, 'hex')]) : undefined;
  try {
    for (let i = 0; i < count; i++) {
      const query = buildQuery({ id: i, name: `www.${ORIGIN}`, edns: options ? { options } : {} });
      socket.send(query, server.port, server.host);
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    }
    // Every query is answered, slipped or dropped within a moment; wait (bounded) for the replies to settle.
    let last = -1;
    await eventually(
      async () => {
        const now = full + truncated;
        const settled = now === last;
        last = now;
        return now >= count || (!all && settled && now > 0);
      },
      { timeoutMs: 15_000, intervalMs: 200, what: `replies to ${local}` },
    );
    return { full, truncated };
  } finally {
    socket.close();
  }
}

test('RRL: a flooding source with a valid cookie is not limited, one without is', async (t) => {
  const server = dnsOf(world!.strict);
  // The proven client gets its cookie first (BADCOOKIE carries one, --require-server-cookie).
  const first = await new Promise<Buffer>((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => (socket.close(), reject(new Error('no reply'))), 3000);
    socket.on('message', (message) => (clearTimeout(timer), socket.close(), resolve(message)));
    socket.bind(0, '127.0.0.2', () => socket.send(buildQuery({ id: 1, name: `www.${ORIGIN}`, edns: { options: Buffer.from('000a0008abababababababab', 'hex') } }), server.port, server.host));
  });
  const cookie = first.subarray(first.length - 24).toString('hex');
  t.is(cookie.slice(0, 16), 'abababababababab');
  const exemptBefore = counterOf(await metrics(world!.strict), 'mxlb_dns_rrl_cookie_exempt_total');
  const N = 300;
  const [proven, unproven] = await Promise.all([flood('127.0.0.2', server, N, cookie, true), flood('127.0.0.3', server, N, undefined, false)]);
  t.is(proven.full, N, `every one of ${N} queries with a valid cookie answered in full`);
  t.is(proven.truncated, 0);
  t.true(unproven.full < N / 2, `without a cookie: ${unproven.full} full answers of ${N} (burst 10, 10/s)`);
  t.true(unproven.truncated > 0, 'slipped replies send it to TCP');
  await eventually(async () => counterOf(await metrics(world!.strict), 'mxlb_dns_rrl_cookie_exempt_total') >= exemptBefore + N, { what: 'exemptions counted' });
  t.true(counterOf(await metrics(world!.strict), 'mxlb_dns_rrl_limited_total') > 0);
});

test('--require-server-cookie: BADCOOKIE over UDP without a valid server cookie; dig retries with it; TCP and cookie-less queries answered', async (t) => {
  const { host, port } = dnsOf(world!.strict);
  // 127.0.0.4: its own RRL bucket, untouched by the flood test.
  const bad = await dig(host, port, ['-b', '127.0.0.4', `www.${ORIGIN}`, 'A', '+nobadcookie']);
  t.is(bad.status, 'BADCOOKIE');
  t.is(bad.answer.length, 0);
  t.truthy(cookieOf(bad.stdout), 'BADCOOKIE carries a fresh server cookie');
  const retried = await dig(host, port, ['-b', '127.0.0.4', `www.${ORIGIN}`, 'A']);
  t.is(retried.status, 'NOERROR', 'dig retries with the cookie it got (RFC 7873 §5.3)');
  t.deepEqual(retried.answer.map((r) => r[4]), ['192.0.2.1']);
  const overTcp = await dig(host, port, ['-b', '127.0.0.4', `www.${ORIGIN}`, 'A', '+tcp', '+nobadcookie']);
  t.is(overTcp.status, 'NOERROR');
  const noCookie = await dig(host, port, ['-b', '127.0.0.4', `www.${ORIGIN}`, 'A', '+nocookie']);
  t.is(noCookie.status, 'NOERROR');
  await eventually(async () => counterOf(await metrics(world!.strict), 'mxlb_dns_cookie_badcookie_total') >= 2, { what: 'BADCOOKIE counted' });
});

test('SIGHUP re-reads the cookie secret file: the new first secret makes cookies, the old one is accepted while listed, then not; a broken file keeps the secrets', async (t) => {
  const ROTATED = '8899aabbccddeeff0011223344556677';
  const file = join(world!.dir, 'rotating-secrets');
  writeFileSync(file, `${CURRENT}\n`, { mode: 0o600 });
  const mxlb = await startMxlb(['--zones', join(world!.dir, 'zones'), '--state-file', '', '--cookie-secret-file', file]);
  t.teardown(() => mxlb.stop());
  const at = dnsOf(mxlb);
  const made = (secret: string, cookie: string): string => {
    const expected = new ServerCookies({ secrets: [secret] }, () => parseInt(cookie.slice(24, 32), 16) * 1000);
    expected.check(Buffer.from(cookie.slice(0, 16), 'hex'), '127.0.0.1');
    return Buffer.from(expected.reply).toString('hex');
  };
  const old = cookieOf((await dig(at.host, at.port, [`www.${ORIGIN}`, 'A', '+cookie=1111111111111111'])).stdout)!;
  t.is(made(CURRENT, old), old, 'made with the first secret');

  writeFileSync(file, `${ROTATED}\n${CURRENT}\n`);
  mxlb.child.kill('SIGHUP');
  await mxlb.waitForLog((line) => line.msg === 'cookie secrets reloaded' && line.secrets === 2, 20_000);
  await eventually(async () => {
    const fresh = cookieOf((await dig(at.host, at.port, [`www.${ORIGIN}`, 'A', '+cookie=2222222222222222'])).stdout)!;
    return made(ROTATED, fresh) === fresh;
  }, { what: 'new cookies made with the rotated-in secret' });
  const valid = await verdict(mxlb, 'valid');
  await dig(at.host, at.port, [`www.${ORIGIN}`, 'A', `+cookie=${old}`]);
  await eventually(async () => (await verdict(mxlb, 'valid')) >= valid + 1, { what: 'the old secret\'s cookie still valid' });

  writeFileSync(file, `${ROTATED}\n`);
  mxlb.child.kill('SIGHUP');
  await mxlb.waitForLog((line) => line.msg === 'cookie secrets reloaded' && line.secrets === 1, 20_000);
  const invalid = await verdict(mxlb, 'invalid');
  await eventually(async () => {
    await dig(at.host, at.port, [`www.${ORIGIN}`, 'A', `+cookie=${old}`]);
    return (await verdict(mxlb, 'invalid')) >= invalid + 1;
  }, { what: 'the dropped secret\'s cookie invalid' });

  writeFileSync(file, 'not a secret\n');
  mxlb.child.kill('SIGHUP');
  const failed = await mxlb.waitForLog((line) => line.msg === 'cookie secret file not reloaded: previous secrets stay in force', 20_000);
  t.regex(String(failed.reason), /:1: a cookie secret is 16 octets/);
  const fresh = cookieOf((await dig(at.host, at.port, [`www.${ORIGIN}`, 'A', '+cookie=3333333333333333'])).stdout)!;
  t.is(made(ROTATED, fresh), fresh, 'still made with the last good secret');
});

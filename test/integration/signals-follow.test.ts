/**
 * `mxlb signals follow postfix` (the real CLI, child processes) against the real `mxlb serve`:
 * counts in /status equal the log's after --once, after rotation by rename and by copytruncate,
 * after a restart mid-file (and a crash between acknowledgement and saving the position), and
 * after mxlb was unreachable for a while (a loopback proxy that refuses, then forwards).
 */
import test, { type ExecutionContext } from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, setUp, TOKEN, zoneYaml, type AdminSetup } from './admin-setup.ts';
import { BIN, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { startMta } from '../helpers/mta.ts';
import { eventually } from '../helpers/poll.ts';

const STATUSES = ['sent', 'sent', 'sent', 'deferred', 'bounced', 'sent', 'deferred'] as const;
type Counts = Record<string, number>;

let seq = 0;
/** `n` Postfix delivery lines (maillog_file and syslog shapes mixed, noise between) and their counts. */
function lines(n: number, instance = 'postfix'): { text: string; counts: Counts } {
  const counts: Counts = { sent: 0, deferred: 0, bounced: 0, expired: 0, complaint: 0 };
  let text = '';
  for (let i = 0; i < n; i++) {
    const status = i % 11 === 10 ? 'expired' : STATUSES[i % STATUSES.length]!;
    counts[status]! += 1;
    const id = `A${(seq++).toString(16).toUpperCase().padStart(10, '0')}`;
    const stamp = new Date().toISOString().replace('Z', '+00:00');
    text += `${stamp} mx1 ${instance}/smtpd[100]: ${id}: client=localhost[127.0.0.1]\n`;
    if (status === 'expired') {
      text += `${stamp} mx1 ${instance}/qmgr[99]: ${id}: from=<news@sender.example>, status=expired, returned to sender\n`;
      continue;
    }
    const [dsn, reply] = status === 'sent' ? ['2.0.0', '250 2.0.0 Ok: queued as X1'] : status === 'deferred' ? ['4.7.28', 'host 127.0.5.2[127.0.5.2] said: 421-4.7.28 unusual rate 421 4.7.28 unusual rate (in reply to RCPT TO command)'] : ['5.1.1', 'host 127.0.5.2[127.0.5.2] said: 550 5.1.1 user unknown (in reply to RCPT TO command)'];
    text += `${stamp} mx1 ${instance}/smtp[13733]: ${id}: to=<u${i}@gmail.com>, relay=127.0.5.2[127.0.5.2]:2526, delay=0.06, delays=0.01/0.01/0.04/0, dsn=${dsn}, status=${status} (${reply})\n`;
  }
  return { text, counts };
}

const add = (a: Counts, b: Counts): Counts => Object.fromEntries(Object.keys(a).map((k) => [k, a[k]! + (b[k] ?? 0)]));

interface Run {
  code: number | null;
  stderr: string;
}

function follow(args: string[], env: NodeJS.ProcessEnv = {}, mta = 'postfix'): { child: ChildProcess; done: Promise<Run>; stderr(): string } {
  const child = spawn(process.execPath, [BIN, 'signals', 'follow', mta, '--token', TOKEN, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
  return { child, done, stderr: () => stderr };
}

async function once(t: ExecutionContext, args: string[]): Promise<Run> {
  const run = follow([...args, '--once']);
  t.teardown(() => void run.child.kill('SIGKILL'));
  const result = await run.done;
  t.is(result.code, 0, result.stderr);
  return result;
}

async function delivery(base: string, id: string): Promise<Counts | undefined> {
  const doc = (await (await fetch(`${base}/status`)).json()) as { zones: { pools: { members: { id: string; delivery?: { last1h: Counts } }[] }[] }[] };
  return doc.zones.flatMap((z) => z.pools.flatMap((p) => p.members)).find((m) => m.id === id)?.delivery?.last1h;
}

let shared: { setup: AdminSetup; mxlb: MxlbProcess; base: string } | undefined;
const cleanups: (() => unknown)[] = [];

/** One server for the file, six members (one per scenario), stopped after the last test. */
test.before(async () => {
  const owner = { teardown: (fn: () => unknown) => void cleanups.push(fn) } as unknown as ExecutionContext;
  const setup = await setUp(owner, 150);
  for (let i = 4; i <= 6; i++) setup.mtas.push(await startMta({ host: `127.0.0.${150 + i}` }));
  writeFileSync(join(setup.zonesDir, 'relay.test.yaml'), zoneYaml(setup.mtas));
  const mxlb = await serve(owner, setup);
  const base = `http://127.0.0.1:${mxlb.http.port}`;
  await eventually(async () => (await delivery(base, 'primary/mta6')) !== undefined, { timeoutMs: 30_000, what: 'zone served' });
  shared = { setup, mxlb, base };
});

test.after.always(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function server(_t: ExecutionContext) {
  if (!shared) throw new Error('server not started');
  return shared;
}

test.serial('--once: the counts in /status equal the log; a second run sends nothing', async (t) => {
  const { base } = await server(t);
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-follow-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'maillog');
  const { text, counts } = lines(250);
  writeFileSync(log, text);
  const first = await once(t, ['--log', log, '--member', 'primary/mta1', '--server', base, '--batch-size', '64']);
  t.regex(first.stderr, /250 outcomes sent/);
  t.deepEqual(await delivery(base, 'primary/mta1'), counts);
  const again = await once(t, ['--log', log, '--member', 'primary/mta1', '--server', base]);
  t.regex(again.stderr, /0 lines read/);
  t.deepEqual(await delivery(base, 'primary/mta1'), counts);
});

test.serial('rotation by rename: the rest of the old file, then the new one', async (t) => {
  const { base } = await server(t);
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-follow-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'maillog');
  const args = ['--log', log, '--member', 'primary/mta2', '--server', base, '--batch-size', '50'];
  const a = lines(120);
  writeFileSync(log, a.text);
  await once(t, args);
  const b = lines(40); // written after the last read, before rotation
  appendFileSync(log, b.text);
  renameSync(log, `${log}.1`);
  const c = lines(70);
  writeFileSync(log, c.text);
  await once(t, args);
  t.deepEqual(await delivery(base, 'primary/mta2'), add(add(a.counts, b.counts), c.counts));
});

test.serial('rotation by copytruncate: the copy holds the rest, the truncated file starts over', async (t) => {
  const { base } = await server(t);
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-follow-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'maillog');
  const args = ['--log', log, '--member', 'primary/mta3', '--server', base, '--batch-size', '50'];
  const a = lines(90);
  writeFileSync(log, a.text);
  await once(t, args);
  const b = lines(30);
  appendFileSync(log, b.text);
  copyFileSync(log, `${log}.1`);
  truncateSync(log, 0);
  const c = lines(20);
  appendFileSync(log, c.text);
  await once(t, args);
  // And a truncation with no copy left behind: the new content is read from its start.
  rmSync(`${log}.1`);
  truncateSync(log, 0);
  const d = lines(5);
  appendFileSync(log, d.text);
  await once(t, args);
  t.deepEqual(await delivery(base, 'primary/mta3'), add(add(add(a.counts, b.counts), c.counts), d.counts));
});

test.serial('restart mid-file, and a crash after the acknowledgement: nothing lost, nothing doubled', async (t) => {
  const { base } = await server(t);
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-follow-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'maillog');
  const state = join(dir, 'state.json');
  const args = ['--log', log, '--member', 'primary/mta4', '--server', base, '--state', state, '--batch-size', '20', '--interval', '0.05'];
  const a = lines(100);
  writeFileSync(log, a.text);
  const running = follow(args);
  t.teardown(() => void running.child.kill('SIGKILL'));
  await eventually(async () => ((await delivery(base, 'primary/mta4'))?.sent ?? 0) > 0, { timeoutMs: 20_000, what: 'first batches' });
  running.child.kill('SIGTERM');
  t.is((await running.done).code, 0);
  const saved = readFileSync(state, 'utf8');
  const b = lines(60);
  appendFileSync(log, b.text);
  await once(t, args);
  t.deepEqual(await delivery(base, 'primary/mta4'), add(a.counts, b.counts));
  // The position as it was before the last run: its batches are resent and acknowledged as duplicates.
  writeFileSync(state, saved);
  const replay = await once(t, args);
  t.regex(replay.stderr, /[1-9]\d* already applied/);
  t.deepEqual(await delivery(base, 'primary/mta4'), add(a.counts, b.counts));
});

/** A loopback TCP proxy to mxlb that refuses connections while `down`. */
async function proxy(t: ExecutionContext, port: number): Promise<{ port: number; setDown(down: boolean): void }> {
  let down = true;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (down) return void socket.destroy();
    const upstream = createConnection({ host: '127.0.0.1', port });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as { port: number }).port, setDown: (value) => (down = value) };
}

test.serial('mxlb unreachable for a while, then up: the follower retries, final counts equal the log', async (t) => {
  const { base, mxlb } = await server(t);
  const gate = await proxy(t, mxlb.http.port);
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-follow-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'maillog');
  const a = lines(80, 'postfix-out');
  writeFileSync(log, a.text);
  const map = join(dir, 'instances');
  writeFileSync(map, '# syslog_name member\npostfix-out primary/mta5\npostfix-bulk primary/mta6\n');
  const running = follow(['--log', log, '--map', map, '--server', `http://127.0.0.1:${gate.port}`, '--batch-size', '30', '--interval', '0.05', '--timeout', '2']);
  t.teardown(() => void running.child.kill('SIGKILL'));
  await eventually(() => /retrying with backoff/.test(running.stderr()), { timeoutMs: 20_000, what: 'a failed attempt' });
  const b = lines(25, 'postfix-bulk');
  appendFileSync(log, b.text);
  t.deepEqual(await delivery(base, 'primary/mta5'), { sent: 0, deferred: 0, bounced: 0, expired: 0, complaint: 0 });
  gate.setDown(false);
  await eventually(async () => JSON.stringify(await delivery(base, 'primary/mta6')) === JSON.stringify(b.counts), { timeoutMs: 30_000, what: 'all batches delivered' });
  t.deepEqual(await delivery(base, 'primary/mta5'), a.counts);
  running.child.kill('SIGTERM');
  t.is((await running.done).code, 0);
});


test.serial('kumomta JSON records, attributed by egress source and source IP', async (t) => {
  const { base } = await server(t);
  const before = (await delivery(base, 'primary/mta1'))!;
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-follow-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'kumo.json');
  const now = Math.floor(Date.now() / 1000);
  const record = (type: string, source: string, address: string, code: number) =>
    JSON.stringify({ type, id: 'x', sender: 's@sender.example', recipient: 'r@gmail.com', site: 'gmail', egress_pool: 'p', egress_source: source, source_address: { address: `${address}:40000` }, response: { code, enhanced_code: { class: Math.floor(code / 100), subject: 0, detail: 0 }, content: 'ok', command: 'RCPT TO' }, timestamp: now, created: now - 3 });
  const text = [
    record('Reception', 'ip-1', '10.0.0.1', 250),
    record('Delivery', 'ip-1', '10.0.0.1', 250),
    record('TransientFailure', 'ip-1', '10.0.0.1', 421),
    record('Bounce', 'other', '10.0.0.2', 550),
    record('Delivery', 'ip-9', '10.0.0.9', 250),
  ].join('\n') + '\n';
  writeFileSync(log, text);
  const map = join(dir, 'sources');
  writeFileSync(map, 'ip-1 primary/mta1\n10.0.0.2 primary/mta1\n');
  const run = follow(['--log', log, '--map', map, '--server', base, '--once'], {}, 'kumomta');
  t.teardown(() => void run.child.kill('SIGKILL'));
  const result = await run.done;
  t.is(result.code, 0, result.stderr);
  t.regex(result.stderr, /no member for egress source "ip-9"/);
  t.regex(result.stderr, /3 outcomes sent/);
  t.deepEqual(await delivery(base, 'primary/mta1'), add(before, { sent: 1, deferred: 1, bounced: 1, expired: 0, complaint: 0 }));
});

test.serial('arf: complaints from a Maildir counted for the member of Source-IP, once', async (t) => {
  const { base } = await server(t);
  const before = (await delivery(base, 'primary/mta2'))!;
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-arf-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const sub of ['new', 'cur', 'tmp']) mkdirSync(join(dir, sub));
  const arf = (type: string, ip: string) =>
    ['From: <feedback@arf.mail.yahoo.com>', 'Content-Type: multipart/report; report-type=feedback-report; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'report', '', '--b', 'Content-Type: message/feedback-report', '', `Feedback-Type: ${type}`, 'Version: 1', `Source-IP: ${ip}`, 'Original-Rcpt-To: <u@yahoo.com>', '', '--b--', ''].join('\r\n');
  writeFileSync(join(dir, 'new', '1765000000.1.host'), arf('abuse', '127.0.0.152'));
  writeFileSync(join(dir, 'new', '1765000000.2.host'), arf('abuse', '127.0.0.152'));
  writeFileSync(join(dir, 'new', '1765000000.3.host'), arf('not-spam', '127.0.0.152'));
  writeFileSync(join(dir, 'new', '1765000000.4.host'), arf('abuse', '198.51.100.7'));
  const runArf = async () => {
    const child = spawn(process.execPath, [BIN, 'signals', 'arf', '--maildir', dir, '--server', base, '--token', TOKEN, '--once'], { stdio: ['ignore', 'ignore', 'pipe'] });
    t.teardown(() => void child.kill('SIGKILL'));
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    t.is(code, 0, stderr);
    return stderr;
  };
  const first = await runArf();
  t.regex(first, /4 reports read, 2 complaints sent/);
  t.regex(first, /no member has address 198\.51\.100\.7/);
  t.deepEqual(readdirSync(join(dir, 'new')), []);
  t.deepEqual(await delivery(base, 'primary/mta2'), add(before, { complaint: 2 }));
  // A crash before the move: the same messages are back in new/, the server has them already.
  for (const name of readdirSync(join(dir, 'cur'))) renameSync(join(dir, 'cur', name), join(dir, 'new', name.replace(/:2,S$/, '')));
  t.regex(await runArf(), /1 batches already applied/);
  t.deepEqual(await delivery(base, 'primary/mta2'), add(before, { complaint: 2 }));
});

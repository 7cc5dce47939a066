/**
 * The real `mxlb serve` process end to end (issue: DNS core): serves a zones folder on loopback,
 * reloads on SIGHUP and on file changes, keeps the last good zone when an edit is broken, answers
 * every query while reloading, listens on IPv4 and IPv6 at once, and stops cleanly on SIGTERM.
 */
import test from 'ava';
import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { dig } from '../helpers/dig.ts';
import { buildQuery, replyHeader, udpExchange } from '../helpers/dns-client.ts';
import { BIN, startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

const EXAMPLE = new URL('../../zones/relay.example.com.zone', import.meta.url);

function zonesFolder(t: { teardown(fn: () => void): void }): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-serve-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'relay.example.com.zone');
  cpSync(EXAMPLE, file);
  return { dir, file };
}

async function serve(t: { teardown(fn: () => Promise<unknown> | void): void }, args: string[]): Promise<MxlbProcess> {
  const mxlb = await startMxlb(args);
  t.teardown(() => mxlb.stop());
  return mxlb;
}

async function smtpAddresses(mxlb: MxlbProcess): Promise<string[]> {
  const endpoint = mxlb.dns[0]!;
  const reply = await dig(endpoint.host, endpoint.port, ['smtp.relay.example.com', 'A']);
  return reply.answer.map((fields) => fields[4]!).sort();
}

test('serves the example zone: MX with addresses, AA set, RA clear', async (t) => {
  const { dir } = zonesFolder(t);
  const mxlb = await serve(t, ['--zones', dir, '--state-file', '']);
  const { host, port } = mxlb.dns[0]!;
  const mx = await dig(host, port, ['relay.example.com', 'MX']);
  t.is(mx.status, 'NOERROR');
  t.true(mx.flags.has('aa'));
  t.false(mx.flags.has('ra'));
  t.deepEqual(mx.answer.map((f) => f.slice(3).join(' ')), ['MX 10 smtp.relay.example.com.']);
  t.true(mx.additional.some((f) => f[0] === 'smtp.relay.example.com.' && f[3] === 'A'));
  const outside = await dig(host, port, ['example.org', 'A']);
  t.is(outside.status, 'REFUSED');
});

test('SIGHUP reloads a changed zone; a broken edit keeps the last good zone and logs file:line', async (t) => {
  const { dir, file } = zonesFolder(t);
  const mxlb = await serve(t, ['--zones', dir, '--state-file', '']);
  const before = await smtpAddresses(mxlb);
  t.true(before.length >= 2);

  const original = readFileSync(file, 'utf8');
  writeFileSync(file, original.replace(/^(smtp\s.*\bA\s+)192\.0\.2\.25$/m, '$1192.0.2.99'));
  mxlb.child.kill('SIGHUP');
  const changed = await eventually(async () => {
    const now = await smtpAddresses(mxlb);
    return now.includes('192.0.2.99') ? now : undefined;
  }, { what: 'reloaded answer' });
  t.false(changed.includes('192.0.2.25'));
  t.truthy(mxlb.logs.find((line) => line.reason === 'SIGHUP'), 'a reload attributed to SIGHUP was logged');

  const broken = original.replace(/^smtp\s.*$/m, 'smtp  60  IN  A  999.1.2.3');
  const brokenLine = broken.split('\n').findIndex((line) => line.includes('999.1.2.3')) + 1;
  writeFileSync(file, broken);
  mxlb.child.kill('SIGHUP');
  const error = await mxlb.waitForLog((line) => typeof line.msg === 'string' && line.msg.includes(`relay.example.com.zone:${brokenLine}:`));
  t.regex(String(error.msg), /999\.1\.2\.3|address/i);
  t.deepEqual(await smtpAddresses(mxlb), changed, 'the last good zone keeps serving');
});

test('a SIGHUP while the server starts does not stop it: the reload is carried out once it serves', async (t) => {
  const { dir } = zonesFolder(t);
  const child = spawn(process.execPath, [BIN, 'serve', '--zones', dir, '--state-file', '', '--dns', '127.0.0.1:0', '--http', '127.0.0.1:0', '--log-level', 'debug', '--log-format', 'json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MXLB_WORKERS: '1' },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const lines: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as Record<string, unknown>);
    } catch {
      // not a log line
    }
  });
  // The first log line comes before the server's modules load, long before it serves.
  await eventually(() => lines.length > 0 || child.exitCode !== null, { timeoutMs: 20_000, what: 'the first log line' });
  t.false(lines.some((line) => line.msg === 'mxlb serving'), 'the SIGHUP goes in before the server serves');
  child.kill('SIGHUP');
  await eventually(() => lines.some((line) => line.msg === 'mxlb serving') || child.exitCode !== null || child.signalCode !== null, { timeoutMs: 20_000, what: 'mxlb serving' });
  t.is(child.signalCode, null, 'not ended by the SIGHUP');
  await eventually(() => lines.some((line) => line.reason === 'SIGHUP'), { timeoutMs: 10_000, what: 'a reload attributed to SIGHUP' });
  const serving = lines.find((line) => line.msg === 'mxlb serving')!;
  const [host, port] = String((serving.dns as string[])[0]).split(':');
  const reply = await udpExchange(host!, Number(port), buildQuery({ id: 7, name: 'smtp.relay.example.com', type: 1 }), 2000);
  t.truthy(reply && replyHeader(reply).ancount > 0, 'answers after the reload');
  child.kill('SIGTERM');
  t.is(await exited, 0);
});

test('every query is answered while the zone reloads repeatedly', async (t) => {
  const { dir, file } = zonesFolder(t);
  const mxlb = await serve(t, ['--zones', dir, '--state-file', '']);
  const { host, port } = mxlb.dns[0]!;
  const original = readFileSync(file, 'utf8');
  let answered = 0;
  let reloads = 0;
  const reloader = (async () => {
    for (let i = 0; i < 10; i++) {
      writeFileSync(file, original.replace(/2024060101/, String(2024060102 + i)));
      mxlb.child.kill('SIGHUP');
      reloads++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  for (let i = 0; i < 300; i++) {
    const reply = await udpExchange(host, port, buildQuery({ id: i, name: 'smtp.relay.example.com', type: 1 }), 2000);
    if (reply && replyHeader(reply).rcode === 0 && replyHeader(reply).ancount > 0) answered++;
  }
  await reloader;
  t.is(reloads, 10);
  t.is(answered, 300);
});

test('listens on IPv4 and IPv6 at once when --dns repeats', async (t) => {
  const { dir } = zonesFolder(t);
  const mxlb = await serve(t, ['--zones', dir, '--state-file', '', '--dns', '[::1]:0']);
  t.is(mxlb.dns.length, 2);
  for (const endpoint of mxlb.dns) {
    const reply = await dig(endpoint.host, endpoint.port, ['relay.example.com', 'SOA']);
    t.is(reply.status, 'NOERROR', `answer on ${endpoint.host}`);
  }
});

test('SIGTERM stops the server cleanly with exit code 0', async (t) => {
  const { dir } = zonesFolder(t);
  const mxlb = await startMxlb(['--zones', dir, '--state-file', '']);
  t.is(await mxlb.stop(), 0);
  t.truthy(mxlb.logs.find((line) => line.msg === 'shutting down'));
});

test('a CLI typo gets usage help on stderr and exit code 2', async (t) => {
  const run = promisify(execFile);
  const error = await t.throwsAsync(run(process.execPath, [BIN, 'serve', '--dnss', '127.0.0.1:0']));
  const failure = error as unknown as { code: number; stderr: string };
  t.is(failure.code, 2);
  t.regex(failure.stderr, /Unknown argument|dnss/);
  const unknownCommand = await t.throwsAsync(run(process.execPath, [BIN, 'serv']));
  t.is((unknownCommand as unknown as { code: number }).code, 2);
});

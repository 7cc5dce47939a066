// Issue 12 item 5, through the real server: a zone file written in place that pauses at a record
// boundary is not served half written (the old zone answers throughout), the whole file is served
// once it settled; a content change under an unchanged serial is logged as a warning.
import test from 'ava';
import { closeSync, mkdtempSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildQuery, parseReply, replyHeader, udpExchange } from '../helpers/dns-client.ts';
import { startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

/** 15 records; the relay name `smtp` comes last, so a cut at a record boundary before it loses it. */
function zone(serial: number, address: string): { head: string; tail: string } {
  const head = [
    '$TTL 300',
    `@ SOA ns1 hostmaster ${serial} 1h 15m 1w 300`,
    '  NS ns1', '  NS ns2', 'ns1 A 192.0.2.1', 'ns2 A 192.0.2.2',
    ...Array.from({ length: 6 }, (_, i) => `host${i} A 192.0.2.${10 + i}`),
  ].join('\n') + '\n';
  const tail = [...Array.from({ length: 3 }, (_, i) => `web${i} A 192.0.2.${20 + i}`), `smtp A ${address}`].join('\n') + '\n';
  return { head, tail };
}

async function smtpAnswer(mxlb: MxlbProcess): Promise<{ rcode: number; addresses: string[] }> {
  const reply = await udpExchange(mxlb.dns[0]!.host, mxlb.dns[0]!.port, buildQuery({ name: 'smtp.settle.test', type: 1 }));
  if (!reply) throw new Error('no DNS reply');
  const packet = parseReply(reply);
  return { rcode: replyHeader(reply).rcode, addresses: packet.answers.map((a) => (a as { address: string }).address) };
}

test('an in-place write that pauses at a record boundary keeps the old zone serving until it settles', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-settle-'));
  const file = join(dir, 'settle.test.zone');
  const v1 = zone(1, '192.0.2.53');
  writeFileSync(file, v1.head + v1.tail);
  const mxlb = await startMxlb(['--zones', dir, '--state-file', '', '--zone-settle', '3s']);
  t.teardown(async () => {
    await mxlb.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await eventually(async () => (await smtpAnswer(mxlb)).addresses[0] === '192.0.2.53', { timeoutMs: 10_000, what: 'the first zone served' });

  // In place: truncate, write the first 11 records (a record boundary), pause, write the rest.
  const v2 = zone(2, '192.0.2.54');
  const fd = openSync(file, 'w');
  writeSync(fd, v2.head);
  const pauseUntil = Date.now() + 900; // well under the 3 s settle time, even if a poll is slow on a loaded machine
  let polls = 0;
  while (Date.now() < pauseUntil) {
    const answer = await smtpAnswer(mxlb);
    t.deepEqual(answer, { rcode: 0, addresses: ['192.0.2.53'] }, `poll ${polls}: the old zone answers while the file is half written`);
    polls++;
    await new Promise((resolve) => setTimeout(resolve, 30));
  }
  t.true(polls > 10);
  writeSync(fd, v2.tail);
  closeSync(fd);
  await eventually(async () => (await smtpAnswer(mxlb)).addresses[0] === '192.0.2.54', { timeoutMs: 10_000, what: 'the new zone served after it settled' });
  await mxlb.waitForLog((l) => l.msg === 'zone settle.test. loaded' && l.serial === 2);
  t.falsy(mxlb.logs.find((l) => String(l.msg).includes('content changed but serial')), 'the serial went up: no warning');
  // The log line may trail the answer (stdout is read asynchronously): wait for it.
  const loaded = await eventually(() => {
    const lines = mxlb.logs.filter((l) => l.msg === 'zone settle.test. loaded').map((l) => l.records);
    return lines.length >= 2 ? lines : undefined;
  }, { timeoutMs: 10_000, what: 'two zone loads logged' });
  t.deepEqual(loaded, [15, 15], 'only whole files were loaded');
});

test('a content change under the same serial is served and logged as a warning', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-settle-'));
  const file = join(dir, 'settle.test.zone');
  const v1 = zone(7, '192.0.2.53');
  writeFileSync(file, v1.head + v1.tail);
  const mxlb = await startMxlb(['--zones', dir, '--state-file', '', '--zone-settle', '0s']);
  t.teardown(async () => {
    await mxlb.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await eventually(async () => (await smtpAnswer(mxlb)).addresses[0] === '192.0.2.53', { timeoutMs: 10_000, what: 'the first zone served' });
  const v2 = zone(7, '192.0.2.99');
  writeFileSync(`${file}.tmp`, v2.head + v2.tail);
  renameSync(`${file}.tmp`, file);
  const warning = await mxlb.waitForLog((l) => String(l.msg).includes('content changed but serial 7 did not'));
  t.is(warning.level, 40);
  await eventually(async () => (await smtpAnswer(mxlb)).addresses[0] === '192.0.2.99', { timeoutMs: 10_000, what: 'the changed zone served' });
});

/**
 * DNSBL monitoring inside the real server (`mxlb serve`) against real DNSBLs (Debian's rbldnsd on
 * loopback, zone files re-read every second): a listed member is `listed` in /status and /metrics
 * after `confirm` lookups and `clear` after delisting and `clear` lookups; a list answering
 * 127.255.255.254 is an `error` with a warning, never a listing; a list that fails its RFC 5782 §5
 * test points is `unusable`; a list whose resolver goes silent keeps the last verdict.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';
import { startRbldnsd, type Rbldnsd } from '../helpers/rbldnsd.ts';

const BL = ':127.0.0.2:Listed by bl.test, see https://bl.test/lookup?ip=$\n127.0.0.2\n';
let lists: Rbldnsd;
let silent: Rbldnsd;
let mxlb: MxlbProcess;
let dir: string;
const TOKEN = 'dnsbl-test-token-0123456789';
const auth = { headers: { authorization: `Bearer ${TOKEN}` } };

interface ListStatus { list: string; state: string; codes?: string[]; reason?: string; since?: string; lastCheck?: string }
interface StatusDoc { zones: Array<{ pools: Array<{ members: Array<{ id: string; dnsbl?: { lists: ListStatus[] } }> }> }> }

test.before(async () => {
  lists = await startRbldnsd({
    // mta1 (127.0.0.11) listed; mta2 (127.0.0.12) never.
    'bl.test': `${BL}127.0.0.11\n`,
    'refusing.test': ':127.255.255.254:\n0.0.0.0/1\n128.0.0.0/1\n',
    'all.test': ':127.0.0.2:everything\n0.0.0.0/1\n128.0.0.0/1\n',
  }, { checkSeconds: 1 });
  silent = await startRbldnsd({ 'bl.test': `${BL}127.0.0.21\n` });
  dir = mkdtempSync(join(tmpdir(), 'mxlb-dnsbl-'));
  writeFileSync(join(dir, 'dnsbl.test.yaml'), [
    'records: |',
    '  @ 300 IN SOA ns1 hostmaster 1 3600 900 604800 60',
    '  @ 300 IN NS ns1',
    '  ns1 300 IN A 127.0.0.1',
    'reputation:',
    '  dnsbl:',
    `    resolver: ${lists.resolver}`,
    '    interval: 1s',
    '    timeout: 500ms',
    '    confirm: 2',
    '    clear: 2',
    '    lists:',
    '      - {zone: bl.test}',
    '      - {zone: refusing.test}',
    '      - {zone: all.test}',
    'pools:',
    '  p:',
    '    members:',
    '      - {name: mta1, address: 127.0.0.11, port: 1}',
    '      - {name: mta2, address: 127.0.0.12, port: 1}',
    '  q:',
    '    reputation:',
    `      dnsbl: {resolver: '${silent.resolver}', lists: [{zone: bl.test}]}`,
    '    members:',
    '      - {name: mta1, address: 127.0.0.21, port: 1}',
    'names:',
    '  smtp: {tiers: [[p, q]]}',
    '',
  ].join('\n'));
  // With the admin token /status is not redacted for anonymous readers (the TXT reason holds a URL).
  mxlb = await startMxlb(['--zones', dir, '--state-file', '', '--admin-token', TOKEN]);
});

test.after.always(async () => {
  await mxlb?.stop();
  await lists?.stop();
  await silent?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function lists_(member: string): Promise<Map<string, ListStatus>> {
  const res = await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/status`, auth);
  const doc = (await res.json()) as StatusDoc;
  const m = doc.zones.flatMap((z) => z.pools.flatMap((p) => p.members)).find((x) => x.id === member);
  return new Map((m?.dnsbl?.lists ?? []).map((l) => [l.list, l]));
}

const stateOf = async (member: string, list: string) => (await lists_(member)).get(list)?.state;

async function metrics(): Promise<string> {
  return (await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/metrics`, auth)).text();
}

test.serial('a listed member is listed after confirm lookups, with code and reason; clean members are clear', async (t) => {
  const listed = await eventually(async () => {
    const l = (await lists_('p/mta1')).get('bl.test');
    return l?.state === 'listed' && l;
  }, { timeoutMs: 20_000, what: 'p/mta1 listed on bl.test' });
  t.deepEqual(listed.codes, ['127.0.0.2']);
  t.is(listed.reason, 'Listed by bl.test, see https://bl.test/lookup?ip=127.0.0.11');
  await eventually(async () => (await stateOf('p/mta2', 'bl.test')) === 'clear', { timeoutMs: 20_000, what: 'p/mta2 clear' });
  // confirm = 2: the listing took two listed lookups, and the event says so.
  const event = await mxlb.waitForLog((l) => l.msg === 'dnsbl verdict' && l.member === 'p/mta1' && l.list === 'bl.test' && l.to === 'listed');
  t.like(event, { from: 'unknown', codes: ['127.0.0.2'], level: 40 });
  const text = await metrics();
  t.regex(text, /mxlb_dnsbl_listed\{member="p\/mta1",list="bl.test"\} 1/);
  t.regex(text, /mxlb_dnsbl_listed\{member="p\/mta2",list="bl.test"\} 0/);
  t.regex(text, /mxlb_dnsbl_lookups_total\{list="bl.test",result="listed"\} \d+/);
});

test.serial('a list answering 127.255.255.254 (public resolver): state error with a warning, never listed', async (t) => {
  for (const member of ['p/mta1', 'p/mta2']) {
    const l = await eventually(async () => {
      const v = (await lists_(member)).get('refusing.test');
      return v?.state === 'error' && v;
    }, { timeoutMs: 20_000, what: `refusing.test error for ${member}` });
    t.deepEqual(l.codes, ['127.255.255.254']);
    t.is(l.reason, 'public-resolver');
  }
  const warning = await mxlb.waitForLog((x) => x.msg === 'dnsbl list refuses to answer' && x.list === 'refusing.test');
  t.like(warning, { level: 40, code: '127.255.255.254', why: 'public-resolver' });
  t.is((await mxlb.waitForLog((x) => x.msg === 'dnsbl verdict' && x.list === 'refusing.test' && x.to === 'error')).level, 40);
  t.false(mxlb.logs.some((x) => x.msg === 'dnsbl verdict' && x.list === 'refusing.test' && x.to === 'listed'));
  t.regex(await metrics(), /mxlb_dnsbl_listed\{member="p\/mta2",list="refusing.test"\} -1/);
});

test.serial('a list that fails its test points (lists 127.0.0.1) is unusable, for every member', async (t) => {
  await eventually(async () => (await stateOf('p/mta1', 'all.test')) === 'unusable' && (await stateOf('p/mta2', 'all.test')) === 'unusable', { timeoutMs: 20_000, what: 'all.test unusable' });
  const l = (await lists_('p/mta1')).get('all.test')!;
  t.regex(l.reason ?? '', /127\.0\.0\.1 is listed/);
  const warning = await mxlb.waitForLog((x) => x.msg === 'dnsbl list unusable: its answers are ignored' && x.list === 'all.test');
  t.is(warning.level, 40);
  t.regex(await metrics(), /mxlb_dnsbl_listed\{member="p\/mta1",list="all.test"\} -1/);
  t.notRegex(await metrics(), /mxlb_dnsbl_lookups_total\{list="all.test"/);
});

test.serial('a list whose resolver goes silent keeps the last verdict', async (t) => {
  await eventually(async () => (await stateOf('q/mta1', 'bl.test')) === 'listed', { timeoutMs: 20_000, what: 'q/mta1 listed' });
  await silent.stop();
  const before = (await lists_('q/mta1')).get('bl.test')!;
  // Two more lookups that get no answer: lastCheck moves, the verdict stays.
  const after = await eventually(async () => {
    const v = (await lists_('q/mta1')).get('bl.test');
    return v && Date.parse(v.lastCheck!) >= Date.parse(before.lastCheck!) + 1500 && v;
  }, { timeoutMs: 20_000, what: 'q/mta1 re-checked while silent' });
  t.is(after.state, 'listed');
  t.is(after.since, before.since);
  t.regex(await metrics(), /mxlb_dnsbl_lookups_total\{list="bl.test",result="unknown"\} [1-9]/);
});

test.serial('delisting: rbldnsd drops the address, the member is clear after clear lookups', async (t) => {
  await eventually(async () => (await stateOf('p/mta1', 'bl.test')) === 'listed', { timeoutMs: 20_000, what: 'p/mta1 listed' });
  await lists.setZone('bl.test', BL);
  await eventually(async () => (await stateOf('p/mta1', 'bl.test')) === 'clear', { timeoutMs: 20_000, what: 'p/mta1 clear after delisting' });
  const event = await mxlb.waitForLog((l) => l.msg === 'dnsbl verdict' && l.member === 'p/mta1' && l.list === 'bl.test' && l.to === 'clear');
  t.like(event, { from: 'listed', level: 30 });
  t.regex(await metrics(), /mxlb_dnsbl_listed\{member="p\/mta1",list="bl.test"\} 0/);
});

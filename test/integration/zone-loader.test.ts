import test from 'ava';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pino } from 'pino';
import { RRType } from '../../src/zone/model.ts';
import { ZoneLoader, type ZoneReloadReport } from '../../src/zone/files/watch-dir.ts';

const zoneText = (serial: number, extra = '') => `$TTL 300\n@ SOA ns1 hostmaster ${serial} 1h 15m 1w 5m\n  NS ns1\nns1 A 192.0.2.1\n${extra}`;

/** Polls `check` every 20 ms until it returns true; fails after `ms`. */
async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(20);
  }
}

interface Harness {
  dir: string;
  loader: ZoneLoader;
  reports: ZoneReloadReport[];
  logs: Array<{ msg: string; level: number; kept?: boolean }>;
  serial: (origin: string) => number | undefined;
}

async function startLoader(t: { teardown: (fn: () => Promise<void> | void) => void }, files: Record<string, string>, watch = true): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-zone-loader-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const logs: Harness['logs'] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as Harness['logs'][number]) });
  const loader = new ZoneLoader({ dir, logger, debounceMs: 50 });
  const reports: ZoneReloadReport[] = [];
  loader.onChange((_zones, report) => reports.push(report));
  t.teardown(async () => {
    await loader.close();
    rmSync(dir, { recursive: true, force: true });
  });
  if (watch) await loader.start();
  return { dir, loader, reports, logs, serial: (origin) => loader.current().zones.get(origin)?.soa.serial };
}

test('start loads the folder and a file change is picked up', async (t) => {
  const h = await startLoader(t, { 'a.test.zone': zoneText(1), 'b.test.zone': zoneText(1) });
  t.is(h.reports[0]?.reason, 'start');
  t.deepEqual([...h.loader.current().zones.keys()].sort(), ['a.test', 'b.test']);
  const b = h.loader.current().zones.get('b.test');
  writeFileSync(join(h.dir, 'a.test.zone'), zoneText(2, 'new A 192.0.2.7\n'));
  await until(() => h.serial('a.test') === 2, 'serial 2');
  t.deepEqual(h.loader.current().zones.get('a.test')?.nodes.get('new.a.test')?.get(RRType.A)?.rdata, [{ type: RRType.A, address: '192.0.2.7' }]);
  t.is(h.loader.current().zones.get('b.test'), b, 'an untouched zone keeps its object');
  const last = h.reports.at(-1)!;
  t.is(last.reason, 'file change');
  t.true(last.changed);
});

test('a broken edit keeps the last good zone and logs file:line; fixing it recovers', async (t) => {
  const h = await startLoader(t, { 'a.test.zone': zoneText(1) });
  const before = h.loader.current();
  writeFileSync(join(h.dir, 'a.test.zone'), zoneText(2, '\nbroken A 192.0.2.999\n'));
  const file = join(h.dir, 'a.test.zone');
  const expected = `${file}:6: bad IPv4 address "192.0.2.999"`;
  // A write may show up half-done first (an empty file); wait for the report about the final content.
  await until(() => h.reports.some((r) => r.errors.some((e) => e.message === expected)), 'the error report');
  const report = h.reports.find((r) => r.errors.some((e) => e.message === expected))!;
  t.deepEqual(report.files.map((f) => [f.status, f.serial]), [['kept', 1]]);
  t.false(report.changed);
  t.is(h.loader.current(), before, 'the served set is untouched');
  const logged = h.logs.find((l) => l.level === 50 && l.msg.startsWith(expected));
  t.is(logged?.msg, `${expected} (serving the last good version)`);
  t.true(logged?.kept);

  writeFileSync(file, zoneText(3));
  await until(() => h.serial('a.test') === 3, 'serial 3 after the fix');
  t.deepEqual(h.reports.at(-1)!.errors, []);
});

test('a deleted file removes its zone; a new file adds one', async (t) => {
  const h = await startLoader(t, { 'a.test.zone': zoneText(1), 'b.test.zone': zoneText(1) });
  rmSync(join(h.dir, 'a.test.zone'));
  await until(() => !h.loader.current().zones.has('a.test'), 'a.test to go');
  t.true(h.reports.some((r) => r.removed.includes(join(h.dir, 'a.test.zone'))));
  writeFileSync(join(h.dir, 'c.test.zone'), zoneText(4));
  await until(() => h.serial('c.test') === 4, 'c.test to appear');
  t.deepEqual([...h.loader.current().zones.keys()].sort(), ['b.test', 'c.test']);
});

test('an editor saving by rename-and-replace is picked up, again and again', async (t) => {
  const h = await startLoader(t, { 'a.test.zone': zoneText(1) });
  for (const serial of [2, 3, 4]) {
    const temp = join(h.dir, `.a.test.zone.tmp${serial}`);
    writeFileSync(temp, zoneText(serial));
    renameSync(temp, join(h.dir, 'a.test.zone'));
    await until(() => h.serial('a.test') === serial, `serial ${serial}`);
  }
  t.pass();
});

test('a change in an $INCLUDEd file in a subfolder reloads the zone', async (t) => {
  const h = await startLoader(t, { 'a.test.zone': zoneText(1, '$INCLUDE parts/hosts.inc\n'), 'parts/hosts.inc': 'h A 192.0.2.1\n' });
  const address = () => (h.loader.current().zones.get('a.test')?.nodes.get('h.a.test')?.get(RRType.A)?.rdata[0] as { address?: string } | undefined)?.address;
  t.is(address(), '192.0.2.1');
  writeFileSync(join(h.dir, 'parts/hosts.inc'), 'h A 192.0.2.2\n');
  await until(() => address() === '192.0.2.2', 'the included change');
  t.pass();
});

test('reload() without watching re-reads now (SIGHUP); close() stops reloads', async (t) => {
  const h = await startLoader(t, { 'a.test.zone': zoneText(1) }, false);
  t.is(h.loader.current().zones.size, 0, 'nothing before the first reload');
  const first = await h.loader.reload('SIGHUP');
  t.true(first.changed);
  t.is(h.serial('a.test'), 1);
  writeFileSync(join(h.dir, 'a.test.zone'), zoneText(2));
  const second = await h.loader.reload('SIGHUP');
  t.is(second.reason, 'SIGHUP');
  t.is(h.serial('a.test'), 2);
  const unchanged = await h.loader.reload('SIGHUP');
  t.false(unchanged.changed);

  await h.loader.close();
  writeFileSync(join(h.dir, 'a.test.zone'), zoneText(3));
  const after = await h.loader.reload('SIGHUP');
  t.false(after.changed);
  t.is(h.serial('a.test'), 2);
});

test('a throwing listener does not stop the others or the reload', async (t) => {
  const h = await startLoader(t, { 'a.test.zone': zoneText(1) }, false);
  h.loader.onChange(() => {
    throw new Error('listener bug');
  });
  let heard = 0;
  h.loader.onChange(() => (heard += 1));
  await h.loader.reload('test');
  t.is(heard, 1);
  t.is(h.serial('a.test'), 1);
  t.true(h.logs.some((l) => l.msg === 'zone change listener failed'));
});

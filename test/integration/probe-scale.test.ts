/**
 * Scale of members (issue 15 item 4), at test size: the real `mxlb serve` probes 500 MTAs (one
 * MTA-farm process, each member on its own 127.20.x.y address and port) every 5 s. A slice of 50
 * is stopped: each of them must be reported down (transition log event) within 2 intervals of the
 * stop, and leave the DNS answers of `big`, which stay capped at `max`; started again, each must
 * be up within 2 intervals and the members nobody touched must not have changed verdict at all.
 * The 10,000-member numbers come from `npm run bench:probes` (docs/benchmarks.md).
 */
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addressesIn, askMany } from '../helpers/flow-zone.ts';
import { startMtaFarm } from '../helpers/mta-farm.ts';
import { BIN, startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';
import { memberName, poolName, writeScaleZone } from '../helpers/scale-zone.ts';

const MEMBERS = 500;
const POOL = 250;
const SLICE = 50;
/**
 * 5 s: the verdict bound (2 intervals) must hold on the shared 2-core machine under other suites'
 * load, where the control plane (nice +5) was seen starved for ~3 s at a time; with 2 s intervals
 * that alone broke the bound (2.84 intervals at load average 19), with 5 s it is 0.6 interval.
 */
const INTERVAL_MS = 5000;
const MAX = 8;

/** The `time` of the first log line `msg` for each member of `ids` at or after `since` (waits up to `timeoutMs`). */
async function verdictTimes(mxlb: MxlbProcess, msg: string, ids: readonly string[], since: number, timeoutMs: number): Promise<Map<string, number>> {
  const wanted = new Set(ids);
  const seen = new Map<string, number>();
  await eventually(
    () => {
      for (const line of mxlb.logs) {
        const member = line.member as string;
        if (line.msg === msg && wanted.has(member) && (line.time as number) >= since && !seen.has(member)) seen.set(member, line.time as number);
      }
      return seen.size === wanted.size;
    },
    { timeoutMs, intervalMs: 100, what: `${msg} for all ${ids.length} members (${seen.size} seen)` },
  ).catch(() => undefined);
  return seen;
}

test('500 members: every verdict follows a stop and a restart within 2 intervals; answers stay capped and leave stopped MTAs', async (t) => {
  const farm = await startMtaFarm({ count: MEMBERS });
  t.teardown(() => farm.close());
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-scale-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeScaleZone(dir, {
    origin: 'scale.test',
    members: farm.members,
    poolSize: POOL,
    max: MAX,
    probe: { interval: `${INTERVAL_MS}ms`, recheck: '250ms', jitter: 0.1, rise: 2, fall: 2, ehlo: 'probe.scale.test' },
  });
  const mxlb = await startMxlb([], {
    command: [process.execPath, BIN, 'serve', '--zones', dir, '--dns', '127.0.0.1:0', '--http', '127.0.0.1:0', '--state-file', '', '--log-level', 'info', '--log-format', 'json'],
    timeoutMs: 60_000,
  });
  t.teardown(() => mxlb.stop());
  const http = `http://${mxlb.http.host}:${mxlb.http.port}`;
  await eventually(async () => (await fetch(`${http}/readyz`, { signal: AbortSignal.timeout(3000) })).status === 200, { timeoutMs: 60_000, intervalMs: 100, what: 'first probe round' });
  const ids = farm.members.map((m) => `${poolName(m.index, POOL)}/${memberName(m.index)}`);
  const slice = ids.slice(0, SLICE);
  const sliceAddresses = new Set(farm.members.slice(0, SLICE).map((m) => m.address));
  const dns = mxlb.dns[0]!;

  const stoppedAt = Date.now();
  await farm.stop(0, SLICE);
  const down = await verdictTimes(mxlb, 'member down', slice, stoppedAt, 4 * INTERVAL_MS + 5000);
  t.is(down.size, SLICE, 'every stopped member went down');
  const downDelays = [...down.values()].map((at) => (at - stoppedAt) / INTERVAL_MS);
  t.true(Math.max(...downDelays) <= 2, `down within 2 intervals (slowest ${Math.max(...downDelays).toFixed(2)}; ${[...down].filter(([, at]) => at - stoppedAt > 2 * INTERVAL_MS).map(([id, at]) => `${id} ${at - stoppedAt} ms`).slice(0, 5).join(', ')})`);
  // A verdict reaches the answering worker within the snapshot keeper's batch window (100 ms).
  const answers = await eventually(
    async () => {
      const sample = await askMany(dns, 'big.scale.test', 1, 2 * SLICE);
      return [...addressesIn(sample)].some((a) => sliceAddresses.has(a)) ? undefined : sample;
    },
    { timeoutMs: 3000, intervalMs: 100, what: 'stopped members out of the answers' },
  );
  t.true(answers.every((a) => a.addresses.length === MAX), `every answer carries exactly max (${MAX}) of ${POOL - SLICE} usable members`);

  const startedAt = Date.now();
  await farm.start(0, SLICE);
  const up = await verdictTimes(mxlb, 'member up', slice, startedAt, 4 * INTERVAL_MS + 5000);
  t.is(up.size, SLICE, 'every restarted member came back');
  const upDelays = [...up.values()].map((at) => (at - startedAt) / INTERVAL_MS);
  t.true(Math.max(...upDelays) <= 2, `up within 2 intervals (slowest ${Math.max(...upDelays).toFixed(2)})`);
  const others = new Set(ids.slice(SLICE));
  const flapped = mxlb.logs.filter((l) => (l.msg === 'member down' || l.msg === 'member up') && others.has(l.member as string) && (l.time as number) >= stoppedAt);
  t.deepEqual(flapped.map((l) => l.member), [], 'members nobody touched kept their verdict');
});

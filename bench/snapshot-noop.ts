/**
 * A store event that changes no member state keeps the answer cache warm (issue 10, item 4).
 *
 * In process, no sockets: a SnapshotKeeper over a real memory store and the example zones in
 * zones/, answered by the real Answerer (scan → cache → resolve → encode). Runs N no-op rounds
 * (every member's verdict re-written unchanged with a newer probe time: one store event each) and
 * N real rounds (primary/mta1 of smtp.mail.example.net going down, then up), each followed by a
 * batch of queries, and prints the store events, version bumps and answer cache hit rate. The
 * "every event bumps" columns answer the same queries from the keeper as it was before (a new
 * version on every store event), replayed by bumping a version on each store event.
 *
 *   node --import=tsx bench/snapshot-noop.ts [--events 500] [--repeat 4]
 */
import { fileURLToPath } from 'node:url';
import { Answerer } from '../src/dns/answer.ts';
import { resolve } from '../src/dns/resolve.ts';
import { memberViews } from '../src/http/admin-view.ts';
import { silentLogger } from '../src/log.ts';
import type { Snapshot } from '../src/snapshot.ts';
import { SnapshotKeeper } from '../src/snapshot-keeper.ts';
import { MemoryStateStore } from '../src/state/memory.ts';
import { ZoneLoader } from '../src/zone/index.ts';
import { buildQuery } from '../test/helpers/dns-client.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const EVENTS = flag('events', 500);
/** Each query of the batch is asked this many times (rotations are served from the ring). */
const REPEAT = flag('repeat', 4);
const ZONES_DIR = fileURLToPath(new URL('../zones/', import.meta.url));
const FLAPPING = 'primary/mta1';

const A = 1, AAAA = 28, MX = 15;
const edns = { payload: 1232 };
/** Balanced A/AAAA/MX, member hosts, static records and a negative answer from every example zone. */
const QUESTIONS: [string, number][] = [
  ['smtp.mail.example.net', A], ['smtp.mail.example.net', AAAA], ['mail.example.net', MX], ['bulk.mail.example.net', A],
  ['mta1.mail.example.net', A], ['mta2.mail.example.net', AAAA], ['ns1.mail.example.net', A], ['nx.mail.example.net', A],
  ['smtp.relay.example.com', A], ['relay.example.com', MX], ['nx.relay.example.com', A],
  ['outbound.example.org', MX], ['smtp.outbound.example.org', A],
];
const queries = QUESTIONS.map(([name, type]) => buildQuery({ name, type, edns }));

const loader = new ZoneLoader({ dir: ZONES_DIR, logger: silentLogger });
const report = await loader.start();
await loader.close();
if (report.errors.length > 0) throw new Error(`zones/ did not load: ${JSON.stringify(report.errors)}`);
const zones = loader.current();

let clock = Date.parse('2026-01-01T00:00:00Z');
const now = () => clock;
const store = new MemoryStateStore({ now });
await store.open();
const keeper = new SnapshotKeeper(store, silentLogger, now);
let legacyVersion = 0;
let legacy: Snapshot = keeper.current();
// What the keeper did before: a new version on every store event (registered after the keeper's
// own listener, so it wraps the snapshot the keeper just built or kept).
store.onChange(() => (legacy = { ...keeper.current(), version: ++legacyVersion }));
keeper.setZones(zones);
legacy = { ...keeper.current(), version: ++legacyVersion };

const members = memberViews(zones, store.view(), clock).map((member) => member.id);
if (!members.includes(FLAPPING)) throw new Error(`${FLAPPING} is not in zones/ any more; pick another member`);
const since = clock;
const up = (id: string) => store.putHealth(id, { state: 'up', since, lastProbeAt: clock });
for (const id of members) up(id);

interface Run {
  bumps: number;
  hits: number;
  misses: number;
  ns: bigint;
}

function runner(getSnapshot: () => Snapshot) {
  const run: Run = { bumps: 0, hits: 0, misses: 0, ns: 0n };
  const answerer = new Answerer({
    getSnapshot,
    resolve,
    logger: silentLogger,
    metrics: { answered: (_transport, _rcode, hit) => void (hit ? run.hits++ : run.misses++) },
  });
  let lastVersion = getSnapshot().version;
  const batch = () => {
    const version = getSnapshot().version;
    run.bumps += version - lastVersion;
    lastVersion = version;
    const start = process.hrtime.bigint();
    for (let r = 0; r < REPEAT; r++) for (const query of queries) if (!answerer.answer(query, 'udp')) throw new Error('no reply');
    run.ns += process.hrtime.bigint() - start;
  };
  return { run, batch };
}

let storeEvents = 0;
store.onChange(() => storeEvents++);

function phase(event: (i: number) => void): { events: number; current: Run; legacy: Run } {
  const current = runner(() => keeper.current());
  const old = runner(() => legacy);
  current.batch();
  old.batch(); // warm both caches before counting
  for (const run of [current.run, old.run]) Object.assign(run, { bumps: 0, hits: 0, misses: 0, ns: 0n });
  const eventsBefore = storeEvents;
  for (let i = 0; i < EVENTS; i++) {
    clock += 1000;
    event(i);
    current.batch();
    old.batch();
  }
  return { events: storeEvents - eventsBefore, current: current.run, legacy: old.run };
}

const noop = phase(() => {
  for (const id of members) up(id); // every verdict re-written unchanged, newer probe time
});
const real = phase((i) => {
  if (i % 2 === 0) store.putHealth(FLAPPING, { state: 'down', since: clock, lastProbeAt: clock, lastFailure: { at: clock, reason: 'connect-refused' } });
  else up(FLAPPING);
});
keeper.close();
await store.close();

const perQuery = (run: Run) => Number(run.ns) / (run.hits + run.misses);
const rate = (run: Run) => `${((100 * run.hits) / (run.hits + run.misses)).toFixed(1)} %`;
const rows: [string, (run: Run, events: number) => string][] = [
  ['store events', (_run, events) => String(events)],
  ['version bumps', (run) => String(run.bumps)],
  ['cache hit rate', rate],
  ['cache misses', (run) => String(run.misses)],
  ['ns per query', (run) => perQuery(run).toFixed(0)],
];
console.log(`zones: ${zones.zones.size} from ${ZONES_DIR}, members: ${members.length}, ${queries.length} questions × ${REPEAT} per batch`);
console.log(`no-op rounds: ${EVENTS}, each re-writing all ${members.length} verdicts unchanged; real rounds: ${EVENTS}, ${FLAPPING} down or up; one batch after each round`);
const header = ['', 'no-op: this keeper', 'no-op: every event bumps', 'real: this keeper', 'real: every event bumps'];
const columns: [Run, number][] = [[noop.current, noop.events], [noop.legacy, noop.events], [real.current, real.events], [real.legacy, real.events]];
const table = rows.map(([label, cell]) => [label, ...columns.map(([run, events]) => cell(run, events))]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
for (const row of [header, ...table]) console.log(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));

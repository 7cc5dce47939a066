/**
 * The `/explain` document (pure): one question + the current snapshot → the decision trace and the
 * answers the DNS path would send (shape: docs/http-api.md).
 *
 * Contract: answers and traces both come from the very resolver the DNS path uses (`resolve`,
 * with an observer that collects the traces of the pool selections it makes), over the same
 * snapshot and ring slots (`0 … min(variants, maxVariants) - 1`, as the answer cache builds them),
 * so explain and the served answers cannot disagree. The trace shown is slot 0's. The answer
 * cache cycles each cached question through the ring, one slot per reply and per client shape;
 * `positions` (read from the cache by the caller, for the same snapshot version) say which slot
 * the next reply of each shape gets, and a shape not listed starts at slot 0.
 */
import { withArm } from './explain-arm.ts';
import { isIP } from 'node:net';
import { Rcode, resolve, type Question, type Resolution, type RingClient, type RingPosition } from '../dns/index.ts';
import { describeDecision, formatTrace, parseAddress, parsePrefix, PRIVACY_PREFIX, truncate, type ArmDecision, type ClientAddress, type Decision, type SelectionTrace, type ViewDecision } from '../pool/index.ts';
import type { Snapshot } from '../snapshot.ts';
import { CLASS_IN, RRType, canonicalName, findZone, typeName, type Name, type RData, type ResourceRecord, type Zone } from '../zone/index.ts';

/**
 * The answer cache's default ring size (src/dns/answer.ts `maxVariants`). An answer with more
 * rotations still serves all of them: reply n gets rotation n mod variants, cached in slot
 * (n mod variants) mod slots (src/dns/cache.ts CacheEntry).
 */
export const DEFAULT_MAX_VARIANTS = 64;

const RCODE_NAMES = new Map<number, string>(Object.entries(Rcode).map(([name, code]) => [code, name]));

export interface ExplainQuery {
  name: string;
  type: number;
  client?: string;
  /** An EDNS Client Subnet to simulate (`10.2.7.0/24`): matched in zones with `ecs: true`. */
  subnet?: string;
}

export interface ExplainRecord {
  owner: string;
  ttl: number;
  type: string;
  data: string;
}

export interface RingSlot {
  variant: number;
  rcode: string;
  /** The balanced records' data (addresses, or "pref exchange" for MX) in answer order. */
  records: string[];
  members: string[];
}

export interface ExplainDocument {
  query: { name: string; type: string; client: string | null };
  snapshotVersion: number;
  zone: { origin: string; file: string; serial: number } | null;
  /** What kind of answer this is: refused, screened, nxdomain, nodata, referral, static, balanced, servfail. */
  kind: string;
  /** One sentence: why the answer is what it is. */
  summary: string;
  rcode: string;
  aa: boolean;
  answer: ExplainRecord[];
  authority: ExplainRecord[];
  additional: ExplainRecord[];
  /** Balanced members in the slot-0 answer, in record order. */
  members: string[];
  /** Present when a balanced name (or MX binding) made the answer: the selection behind it (slot 0). */
  selection?: { owner: string; binding?: string; trace: SelectionTrace };
  /** Other selections the answer used (addresses of SRV/NS/MX targets in additional data, ANY tries). */
  otherSelections: SelectionTrace[];
  ring: {
    slots: number;
    variants: number;
    note: string;
    rotations: RingSlot[];
    /**
     * The slot the next reply gets, per client shape with a cached reply (others start at 0), and
     * the rotation it serves (equal to the slot unless `variants` exceeds `slots`).
     */
    next: Array<{ shape: string; slot: number; variant?: number }>;
  };
  clientNote: string;
  /** The A/B experiment arm the simulated client gets, with its hash point and range (docs/routing.md). */
  arm?: ArmDecision;
  text: string;
}

/** Why a query name is unusable, or undefined (RFC 1035 §2.3.4: 63-octet labels, 255-octet names). */
export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'name is empty';
  if (/\s/.test(name)) return 'name contains whitespace';
  const bare = name === '.' ? '' : name.replace(/\.$/, '');
  if (bare.length > 253) return 'name is longer than 253 characters';
  if (bare !== '' && bare.split('.').some((label) => label.length === 0)) return 'name has an empty label';
  if (bare.split('.').some((label) => label.length > 63)) return 'name has a label longer than 63 characters';
  return undefined;
}

export function clientProblem(client: string): string | undefined {
  return isIP(client) === 0 ? `client "${client}" is not an IP address` : undefined;
}

const display = (name: Name): string => (name === '' ? '.' : `${name}.`);

export function formatRData(rdata: RData): string {
  if ('raw' in rdata) return `\\# ${rdata.raw.length} ${Buffer.from(rdata.raw).toString('hex')}`.trimEnd();
  if ('address' in rdata) return rdata.address;
  if ('exchange' in rdata) return `${rdata.preference} ${display(rdata.exchange)}`;
  if ('port' in rdata) return `${rdata.priority} ${rdata.weight} ${rdata.port} ${display(rdata.target)}`;
  if ('target' in rdata) return display(rdata.target);
  if ('strings' in rdata) return rdata.strings.map((s) => JSON.stringify(Buffer.from(s).toString('latin1'))).join(' ');
  if ('mname' in rdata) return `${display(rdata.mname)} ${display(rdata.rname)} ${rdata.serial} ${rdata.refresh} ${rdata.retry} ${rdata.expire} ${rdata.minimum}`;
  return `${rdata.flags} ${rdata.tag} ${JSON.stringify(Buffer.from(rdata.value).toString('latin1'))}`;
}

const record = (r: ResourceRecord): ExplainRecord => ({ owner: display(r.owner), ttl: r.ttl, type: typeName(r.type), data: formatRData(r.rdata) });
const recordLine = (r: ExplainRecord): string => `${r.owner} ${r.ttl} IN ${r.type} ${r.data}`;

export function explain(query: ExplainQuery, snapshot: Snapshot, positions: readonly RingPosition[] = [], maxVariants = DEFAULT_MAX_VARIANTS): ExplainDocument {
  const question: Question = { name: query.name.replace(/\.$/, ''), type: query.type, class: CLASS_IN };
  const qname = canonicalName(question.name);
  const decisions: Decision[] = [];
  const client = viewClientOf(query);
  const first = resolve(question, snapshot, 0, { decisions }, client);
  // Words only here, from the decisions of slot 0 (the DNS path never renders them).
  const traces = decisions.map(describeDecision);
  const slots = Math.min(Math.max(1, maxVariants), Math.max(1, Math.floor(first.variants) || 1));
  const rotations: RingSlot[] = [];
  for (let variant = 0; variant < slots; variant++) {
    const r = variant === 0 ? first : resolve(question, snapshot, variant, undefined, client);
    rotations.push({ variant, rcode: rcodeName(r.rcode), records: balancedData(r, query.type), members: [...(r.members ?? [])] });
  }
  const zone = findZone(snapshot.zones, qname);
  const selection = selectionFor(question, qname, first, snapshot, traces);
  const { kind, summary } = classify(query, qname, first, zone, selection?.trace, snapshot);
  const doc: ExplainDocument = {
    query: { name: display(qname), type: typeName(query.type), client: query.client ?? null },
    snapshotVersion: snapshot.version,
    zone: zone ? { origin: display(zone.origin), file: zone.source, serial: zone.soa.serial } : null,
    kind,
    summary,
    rcode: rcodeName(first.rcode),
    aa: first.aa,
    answer: first.answer.map(record),
    authority: first.authority.map(record),
    additional: first.additional.map(record),
    members: [...(first.members ?? [])],
    otherSelections: traces.filter((trace) => trace !== selection?.trace),
    ring: {
      slots,
      variants: first.variants,
      note:
        slots > 1
          ? `the server keeps ${slots} prebuilt rotations of this answer and sends them in turn, one per reply ` +
            'and per client shape (transport, EDNS); a shape with no reply yet starts at slot 0' +
            (first.variants > slots
              ? `; the answer has ${first.variants} rotations, so slot k of pass p sends rotation k + p×${slots} ` +
                `(rotations listed here are pass 0) and every one of the ${first.variants} leads in turn`
              : '')
          : 'one answer: every query gets the same records',
      rotations,
      // A cached ring of another size belongs to other data (it cannot happen within one version).
      next: slots > 1 ? positions.filter((p) => p.slots === slots).map((p) => nextSlot(p, first.variants > slots)) : [],
    },
    clientNote: withArm(clientNote(query, decisions.find((d) => d.view)?.view), query, decisions, snapshot),
    ...(decisions.find((d) => d.arm) ? { arm: decisions.find((d) => d.arm)!.arm! } : {}),
    text: '',
  };
  if (selection) doc.selection = selection;
  doc.text = explainText(doc);
  return doc;
}

/** The same client as the answer cache sees it (`Answerer.ringPositions`); undefined: none given. */
export function ringClientOf(query: ExplainQuery): RingClient | undefined {
  if (query.client === undefined && query.subnet === undefined) return undefined;
  const out: RingClient = {};
  if (query.client !== undefined) out.source = query.client;
  const subnet = query.subnet === undefined ? undefined : parsePrefix(query.subnet);
  if (subnet && typeof subnet !== 'string') out.ecs = { family: subnet.family, sourcePrefix: subnet.length, scopePrefix: 0, address: subnet.bytes };
  return out;
}

/** The client /explain simulates: `client` as the query's source address, `subnet` as its ECS option. */
function viewClientOf(query: ExplainQuery): { ecsSent: boolean; source?: ClientAddress; ecs?: ClientAddress } | undefined {
  if (query.client === undefined && query.subnet === undefined) return undefined;
  const out: { ecsSent: boolean; source?: ClientAddress; ecs?: ClientAddress } = { ecsSent: query.subnet !== undefined };
  const source = query.client === undefined ? undefined : parseAddress(query.client);
  if (source) out.source = { ...source, sourcePrefix: source.family === 4 ? 32 : 128 };
  const subnet = query.subnet === undefined ? undefined : parsePrefix(query.subnet);
  if (subnet && typeof subnet !== 'string' && subnet.length > 0) {
    // RFC 7871 §11.1, as the DNS path does: at most /24 and /56 of a subnet.
    const sourcePrefix = Math.min(subnet.length, PRIVACY_PREFIX[subnet.family]);
    out.ecs = { family: subnet.family, bytes: truncate(subnet.bytes, sourcePrefix), sourcePrefix };
  }
  return out;
}

function clientNote(query: ExplainQuery, view: ViewDecision | undefined): string {
  const who = [query.client && `source ${query.client}`, query.subnet && `ECS ${query.subnet}`].filter(Boolean).join(', ');
  if (!view) return who ? `${who} gets what every client gets: no client views here${query.subnet ? ', or the zone does not honour ECS' : ''}` : 'answers do not depend on the client address';
  const how = view.via === 'ecs' ? `its EDNS Client Subnet ${view.client}` : `its source address ${view.client}`;
  const why = view.network ? `${how} is in ${view.network}` : `no view network holds ${how}`;
  const scope = view.scope !== undefined ? `; ECS scope /${view.scope}` : '';
  return `${who}: view "${view.name}" (${why})${scope}`;
}

/** A subnet for /explain: a CIDR network (`10.2.7.0/24`). */
export function subnetProblem(subnet: string): string | undefined {
  const parsed = parsePrefix(subnet);
  return typeof parsed === 'string' ? `subnet ${parsed}` : undefined;
}

function nextSlot(p: RingPosition, passes: boolean): { shape: string; slot: number; variant?: number } {
  return passes ? { shape: p.shape, slot: p.next, variant: p.variant ?? p.next } : { shape: p.shape, slot: p.next };
}

function rcodeName(rcode: number): string {
  return RCODE_NAMES.get(rcode) ?? `RCODE${rcode}`;
}

/** Data of the records of the balanced type (A/AAAA/MX) in the answer, in order. */
function balancedData(r: Resolution, qtype: number): string[] {
  return r.answer.filter((rec) => rec.type === qtype || (qtype === RRType.ANY && rec.type !== RRType.CNAME)).map((rec) => formatRData(rec.rdata));
}

/** The owner the answer ends at: the query name after the CNAMEs in the answer. */
function finalOwner(qname: Name, r: Resolution): Name {
  let owner = qname;
  for (let i = 0; i < r.answer.length; i++) {
    const cname = r.answer.find((rec) => rec.owner === owner && rec.type === RRType.CNAME);
    if (!cname || !('target' in cname.rdata)) break;
    owner = cname.rdata.target;
  }
  return owner;
}

/** The trace of the selection that made the answer (at the owner the CNAMEs lead to), if any. */
function selectionFor(question: Question, qname: Name, first: Resolution, snapshot: Snapshot, traces: readonly SelectionTrace[]): (ExplainDocument['selection'] & object) | undefined {
  const qtype = question.type;
  if (qtype !== RRType.A && qtype !== RRType.AAAA && qtype !== RRType.MX) return undefined;
  const owner = finalOwner(qname, first);
  const balancing = findZone(snapshot.zones, owner)?.balancing;
  if (qtype === RRType.MX) {
    const binding = balancing?.mx.get(owner);
    const trace = binding && traces.find((t) => t.query === 'MX' && t.owner === binding.balanced);
    return trace && { owner: display(owner), binding: display(binding.balanced), trace };
  }
  const query = qtype === RRType.A ? 'A' : 'AAAA';
  const trace = traces.find((t) => t.query === query && t.owner === owner);
  return trace && { owner: display(owner), trace };
}

function classify(query: ExplainQuery, qname: Name, r: Resolution, zone: Zone | undefined, selection: SelectionTrace | undefined, snapshot: Snapshot): { kind: string; summary: string } {
  const balanced = selection !== undefined;
  const type = typeName(query.type);
  if (r.rcode === Rcode.REFUSED) {
    if (query.type === RRType.AXFR || query.type === RRType.IXFR) return { kind: 'screened', summary: `mxlb does not serve zone transfers (${type})` };
    const served = [...snapshot.zones.zones.keys()].map(display).sort();
    return {
      kind: 'refused',
      summary: `${display(qname)} is in no zone served here (${served.length > 0 ? served.join(', ') : 'no zones loaded'}); an authoritative server refuses names outside its zones`,
    };
  }
  if (r.rcode === Rcode.FORMERR) return { kind: 'screened', summary: `${type} is a meta-type that cannot be asked for (RFC 6895 §3.1)` };
  if (r.rcode === Rcode.NOTIMP) return { kind: 'screened', summary: `mxlb does not implement ${type} queries` };
  if (r.rcode === Rcode.NXDOMAIN) return { kind: 'nxdomain', summary: `${display(qname)} does not exist in ${zone ? display(zone.origin) : 'the zone'}; SOA in authority (RFC 2308)` };
  if (r.rcode === Rcode.SERVFAIL) return { kind: 'servfail', summary: 'every member is down and the balanced name\'s all-down policy is servfail' };
  if (!r.aa && r.answer.length === 0 && r.authority.some((rec) => rec.type === RRType.NS)) {
    return { kind: 'referral', summary: `referral: ${display(qname)} is at or below a delegation; NS in authority, glue in additional` };
  }
  if (r.answer.length === 0) {
    // The selection's own rule says why: no member of the family, this family down while the other
    // serves (SOA TTL capped at the degraded TTL), or all-down policy nodata.
    const why = selection ? selection.applied : `${display(qname)} has no ${type} data`;
    return { kind: 'nodata', summary: `NODATA: ${why}; SOA in authority (RFC 2308)` };
  }
  if (selection?.kind === 'host') {
    return { kind: 'balanced', summary: `member host answer: ${r.answer.filter((rec) => rec.type === query.type).length} address(es) of the host's members, following their health and overrides` };
  }
  if (balanced) return { kind: 'balanced', summary: `balanced answer: ${r.members?.length ?? 0} member record(s) chosen by pool selection from the current health and overrides` };
  return { kind: 'static', summary: `static data from the zone file (${r.answer.length} record(s))` };
}

/** The human-readable trace (the `text` field and `mxlb explain` without --json). */
export function explainText(doc: ExplainDocument): string {
  const lines = [
    `query    ${doc.query.name} ${doc.query.type}${doc.query.client ? ` from ${doc.query.client}` : ''}`,
    `zone     ${doc.zone ? `${doc.zone.origin} (${doc.zone.file}, serial ${doc.zone.serial})` : '(none)'}, snapshot ${doc.snapshotVersion}`,
    `result   ${doc.rcode}${doc.aa ? ' aa' : ''}: ${doc.summary}`,
  ];
  const section = (title: string, records: ExplainRecord[]) => {
    if (records.length === 0) return;
    lines.push(`${title.padEnd(8)} ${recordLine(records[0]!)}`);
    for (const r of records.slice(1)) lines.push(`         ${recordLine(r)}`);
  };
  section('answer', doc.answer);
  section('auth', doc.authority);
  section('addl', doc.additional);
  if (doc.selection) {
    lines.push(`selection${doc.selection.binding ? ` (MX binding of ${doc.selection.binding})` : ''}:`);
    for (const line of formatTrace(doc.selection.trace)) lines.push(`  ${line}`);
  }
  for (const trace of doc.otherSelections) {
    lines.push('also selected (additional data):');
    for (const line of formatTrace(trace)) lines.push(`  ${line}`);
  }
  if (doc.ring.slots > 1) {
    lines.push(`ring     ${doc.ring.slots} rotations, sent in turn:`);
    const shown = doc.ring.rotations.slice(0, 8);
    for (const slot of shown) lines.push(`  #${slot.variant} ${slot.records.join(', ') || '(empty)'}`);
    if (doc.ring.rotations.length > shown.length) lines.push(`  … ${doc.ring.rotations.length - shown.length} more (see --json)`);
    const next = doc.ring.next.map((n) => `${n.shape} → #${n.slot}${n.variant !== undefined && n.variant !== n.slot ? ` (rotation ${n.variant})` : ''}`);
    lines.push(`next     ${next.length > 0 ? `${next.join('; ')}; any other client → #0` : 'no reply sent yet for this snapshot: the first gets #0'}`);
  }
  lines.push(`client   ${doc.clientNote}`);
  return `${lines.join('\n')}\n`;
}

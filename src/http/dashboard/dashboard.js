// The mxlb dashboard: polls GET /status every second (and GET /api/audit every few seconds) and
// updates the page in place, without reloads. Vanilla JS modules, no build step; the only library
// is uPlot for the deliverability charts, served by mxlb itself (/uPlot.iife.min.js).
// Every piece of server data reaches the page through textContent or attributes, never as HTML.
// The deliverability panel (deliverability.js) polls GET /api/delivery itself, every 10 s.

import { $, clock, el } from './dom.js';
import { startDeliverability, updateDeliverability } from './deliverability.js';
import { startWarmUps } from './warmup.js';
import { startExperiments } from './experiments.js';

const POLL_MS = 1000;
const AUDIT_EVERY = 5; // polls
const HISTORY_MS = 5 * 60 * 1000; // latency kept per member for the sparkline
const STATES = ['up', 'down', 'unknown', 'drained', 'quarantined'];
const SYMBOLS = { up: '●', down: '✕', unknown: '?', drained: '‖', quarantined: '⚠' };
const SVG = 'http://www.w3.org/2000/svg';
const SPARK_W = 200;
const SPARK_H = 36;

/** member id → Map(epoch ms → { ms, ok, reason }): /status gives the newest 30 probes, we keep 5 minutes. */
const latency = new Map();
/** member id → the elements updated on each poll. */
const memberViews = new Map();
let structure = '';
let polls = 0;
let lastOk = 0;
let lastKeys = { transitions: '', overrides: '', audit: '' };

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

function badge(state) {
  const known = STATES.includes(state) ? state : 'unknown';
  return el('span', { class: `badge state-${known}` }, el('span', { 'aria-hidden': 'true' }, SYMBOLS[known]), ` ${state}`);
}

/** Epoch ms from an ISO 8601 string or a number (/status uses both). */
const epoch = (value) => (typeof value === 'number' ? value : Date.parse(value));

function ago(iso, now) {
  const seconds = Math.max(0, Math.round((now - epoch(iso)) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

const pct = (fraction) => `${Math.round(fraction * 100)} %`;
const ms = (value) => (value === null || value === undefined ? '–' : value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`);

// ---------------------------------------------------------------------------------------------
// Header, totals, zone errors

function renderServer(doc) {
  const s = doc.server;
  const items = [
    ['version', s.version],
    ['up for', duration(s.uptimeSeconds)],
    ['snapshot', `v${s.snapshotVersion}`],
    ['store', `${s.store.kind} ${s.store.ok ? 'ok' : `FAILING${s.store.reason ? `: ${s.store.reason}` : ''}`}`],
    ['probes', s.firstProbeRoundDone ? 'first round done' : 'first round running'],
    ['answers/min', String(doc.answersInWindow)],
  ];
  $('server').replaceChildren(...items.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  const errors = s.zoneErrors ?? [];
  const box = $('zone-errors');
  box.hidden = errors.length === 0;
  box.replaceChildren(
    ...(errors.length ? [el('strong', {}, `${errors.length} zone file(s) failed to load; the last good version is served:`), el('ul', {}, errors.map((e) => el('li', {}, e)))] : []),
  );
  const total = doc.totals.members;
  $('totals').replaceChildren(
    el('span', { class: 'total' }, `${total} member${total === 1 ? '' : 's'} in ${doc.totals.pools} pool${doc.totals.pools === 1 ? '' : 's'}`),
    ...STATES.filter((state) => doc.totals.byState[state]).map((state) =>
      el('span', { class: 'count', 'data-state': state }, badge(state), ` ${doc.totals.byState[state]}`),
    ),
  );
}

function duration(seconds) {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min`;
  if (seconds < 172800) return `${Math.floor(seconds / 3600)} h ${Math.floor((seconds % 3600) / 60)} min`;
  return `${Math.floor(seconds / 86400)} d`;
}

// ---------------------------------------------------------------------------------------------
// Zones: built once per structure (zones, names, pools, member ids), then updated in place.

function structureOf(doc) {
  return JSON.stringify(doc.zones.map((z) => [z.origin, z.names.map((n) => n.owner), z.pools.map((p) => [p.name, p.members.map((m) => m.id)])]));
}

function buildZones(doc) {
  memberViews.clear();
  const zones = doc.zones.map((zone) => {
    const section = el('section', { class: 'zone', 'data-zone': zone.origin, 'aria-labelledby': `zone-${zone.origin}` });
    section.append(
      el('h2', { id: `zone-${zone.origin}` }, zone.origin, el('span', { class: 'sub' }, ` serial ${zone.serial} · ${zone.file}`)),
    );
    if (zone.names.length) {
      section.append(
        el('table', { class: 'names' },
          el('caption', {}, 'Balanced names'),
          el('thead', {}, el('tr', {}, ['name', 'status', 'policy', 'answer now', 'tiers (healthy / members)', 'TTL'].map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', { 'data-names': zone.origin }),
        ),
      );
    }
    if (!zone.balanced) section.append(el('p', { class: 'note' }, 'Static zone: no pools.'));
    for (const pool of zone.pools) {
      const grid = el('div', { class: 'members' });
      for (const member of pool.members) grid.append(buildMember(member));
      section.append(
        el('section', { class: 'pool', 'data-pool': pool.name, 'aria-label': `pool ${pool.name}` },
          el('h3', {}, `pool ${pool.name}`, el('span', { class: 'sub' }, ` probe every ${pool.probe.interval}; rise ${pool.probe.rise}, fall ${pool.probe.fall}; STARTTLS ${pool.probe.starttls}`)),
          grid,
        ),
      );
    }
    return section;
  });
  $('zones').replaceChildren(...(zones.length ? zones : [el('p', { class: 'note' }, 'No zones loaded.')]));
  for (const id of latency.keys()) if (!memberViews.has(id)) latency.delete(id);
}

function buildMember(member) {
  const view = {
    root: el('article', { class: 'member', 'data-member': member.id, 'aria-label': `member ${member.id}` }),
    badge: el('span', { class: 'state-slot' }),
    reason: el('p', { class: 'reason' }),
    spark: svg('svg', { class: 'spark', viewBox: `0 0 ${SPARK_W} ${SPARK_H}`, width: SPARK_W, height: SPARK_H, role: 'img' }),
    sparkText: el('p', { class: 'spark-text' }),
    shareBar: el('span', { class: 'bar-fill' }),
    shareText: el('span', { class: 'share-text' }),
    weight: el('span', { class: 'weight' }),
  };
  view.root.append(
    el('header', {}, view.badge, el('strong', { class: 'name' }, member.name), el('span', { class: 'addr' }, `${member.address}:${member.port}`)),
    el('p', { class: 'host' }, member.host, ' · ', view.weight),
    view.reason,
    el('div', { class: 'latency' }, view.spark, view.sparkText),
    el('div', { class: 'share' }, el('span', { class: 'bar', 'aria-hidden': 'true' }, view.shareBar), view.shareText),
  );
  memberViews.set(member.id, view);
  return view.root;
}

function updateMember(member, now, windowSeconds) {
  const view = memberViews.get(member.id);
  if (!view) return;
  const state = member.effective;
  if (view.root.dataset.state !== state) {
    view.root.dataset.state = state;
    view.root.className = `member state-${STATES.includes(state) ? state : 'unknown'}`;
    view.badge.replaceChildren(badge(state));
  }
  view.weight.textContent = member.effectiveWeight === member.weight ? `weight ${member.weight}` : `weight ${member.effectiveWeight} (configured ${member.weight})`;

  let reason = '';
  if (member.override) reason = `${member.override.kind} by ${member.override.author}: ${member.override.reason}${member.override.expires ? ` (until ${clock(member.override.expires)})` : ''}; probes say ${member.observed}`;
  else if (member.observed === 'down') reason = member.observedReason ?? member.lastFailure?.reason ?? 'down';
  else if (member.lastFailure) reason = `last failure ${ago(member.lastFailure.at, now)}: ${member.lastFailure.reason}`;
  else if (member.observed === 'unknown') reason = 'waiting for the first probe';
  if (member.since) reason += `${reason ? ' · ' : ''}${member.observed} since ${ago(member.since, now)}`;
  view.reason.textContent = reason;

  drawSpark(view, member, now);

  const share = member.share ?? { fraction: 0, firstFraction: 0, answers: 0 };
  view.shareBar.style.width = `${Math.min(100, share.fraction * 100)}%`;
  view.shareText.textContent = `in ${pct(share.fraction)} of answers, first in ${pct(share.firstFraction)}`;
  view.shareText.title = `${share.answers} of the answers in the last ${windowSeconds} s carried this member`;
}

function drawSpark(view, member, now) {
  let points = latency.get(member.id);
  if (!points) {
    points = new Map();
    latency.set(member.id, points);
  }
  for (const s of member.recent?.series ?? []) {
    // `at` is epoch ms (ISO strings from older servers are accepted too).
    const at = epoch(s.at);
    if (Number.isFinite(at)) points.set(at, s);
  }
  for (const at of points.keys()) if (at < now - HISTORY_MS) points.delete(at);
  const samples = [...points.entries()].sort((a, b) => a[0] - b[0]);
  const passed = samples.filter(([, s]) => s.ok);
  const failed = samples.length - passed.length;
  const max = Math.max(1, ...passed.map(([, s]) => s.ms));
  const avg = passed.length ? passed.reduce((sum, [, s]) => sum + s.ms, 0) / passed.length : null;
  // The x axis spans the samples kept (at least 10 s, at most HISTORY_MS), so a fresh server's
  // first probes spread over the chart instead of piling up at its right edge.
  const span = Math.min(HISTORY_MS, Math.max(10_000, samples.length ? now - samples[0][0] : 0));
  const x = (at) => (((at - (now - span)) / span) * (SPARK_W - 2) + 1).toFixed(1);
  const y = (value) => (SPARK_H - 4 - (value / max) * (SPARK_H - 10)).toFixed(1);
  const children = [svg('line', { class: 'axis', x1: 0, x2: SPARK_W, y1: SPARK_H - 3, y2: SPARK_H - 3 })];
  if (passed.length) {
    children.push(svg('polyline', { class: 'line', points: passed.map(([at, s]) => `${x(at)},${y(s.ms)}`).join(' ') }));
    const [lastAt, last] = passed[passed.length - 1];
    children.push(svg('circle', { class: 'dot', cx: x(lastAt), cy: y(last.ms), r: 2 }));
    const scale = svg('text', { class: 'scale', x: 3, y: 9 });
    scale.textContent = ms(max);
    children.push(scale);
  }
  for (const [at] of samples.filter(([, s]) => !s.ok)) children.push(svg('rect', { class: 'fail', x: Number(x(at)) - 1, y: 2, width: 2, height: SPARK_H - 5 }));
  const title = svg('title');
  const summary = `${samples.length} probes in the last ${spanText(span)}, ${failed} failed; latency avg ${ms(avg)}, max ${passed.length ? ms(max) : '–'}`;
  title.textContent = `SMTP probe latency of ${member.id}: ${summary}`;
  view.spark.replaceChildren(title, ...children);
  view.sparkText.textContent = member.lastProbe
    ? `last ${member.lastProbe.ok ? 'ok' : member.lastProbe.reason ?? 'failed'} ${ms(member.lastProbe.totalMs)} · ${spanText(span)}: avg ${ms(avg)}, max ${passed.length ? ms(max) : '–'}${failed ? `, ${failed} failed` : ''}`
    : 'not probed yet';
}

function spanText(span) {
  return span < 90_000 ? `${Math.round(span / 1000)} s` : `${Math.round(span / 60_000)} min`;
}

/** One line per balanced name: healthy, degraded, on a backup tier, fail-open or all down (the worst family). */
function nameStatus(name) {
  const answers = name.answers ?? [];
  const failOpen = answers.find((a) => a.mode === 'fail-open');
  const down = answers.find((a) => a.allDown && a.mode !== 'fail-open');
  const backup = answers.find((a) => a.tier > 0);
  const degraded = answers.find((a) => a.degraded);
  const [text, cls] =
    failOpen ? ['fail-open: every member down, answering anyway', 'warn'] :
    down ? [`all down: ${name.allDown}`, 'warn'] :
    backup ? [`on backup tier ${backup.tier}`, 'degraded'] :
    degraded ? ['degraded', 'degraded'] : ['healthy', 'ok'];
  const why = answers.flatMap((a) => a.degradedBecause ?? []);
  return el('td', { class: `name-status ${cls}`, title: why.join('; ') }, text);
}

function renderNames(zone) {
  const body = document.querySelector(`tbody[data-names="${CSS.escape(zone.origin)}"]`);
  if (!body) return;
  body.replaceChildren(
    ...zone.names.map((name) =>
      el('tr', {},
        el('th', { scope: 'row' }, name.owner),
        nameStatus(name),
        el('td', {}, `${name.policy}, max ${name.max}`),
        el('td', {}, name.answers.map((a) =>
          el('div', { class: a.allDown ? 'warn' : a.degraded ? 'degraded' : '' },
            `${a.type}: ${a.outcome}${a.tier >= 0 ? ` from tier ${a.tier}` : ''}, ${a.candidates.length} candidate${a.candidates.length === 1 ? '' : 's'}`,
            a.degraded ? ` (degraded: ${a.degradedBecause.join(', ')})` : '',
            a.allDown ? ` (all down: ${name.allDown})` : '',
          ),
        )),
        el('td', {}, name.tiers.map((t) => el('div', { class: t.used ? 'used' : 'unused' }, `${t.index}: ${t.pools.join(', ')} — ${t.healthy}/${t.members}${t.used ? ' (serving)' : ''}`))),
        el('td', {}, `${name.ttl} s (degraded ${name.degradedTtl} s)`),
      ),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Side lists

function renderList(id, key, items, empty) {
  if (lastKeys[id] === key) return;
  lastKeys[id] = key;
  $(id).replaceChildren(...(items.length ? items : [el('li', { class: 'empty' }, empty)]));
}

function renderTransitions(doc) {
  const list = doc.recentTransitions.slice(0, 15);
  renderList('transitions', JSON.stringify(list), list.map((t) =>
    el('li', { 'data-member': t.member, 'data-to': t.to },
      el('time', { datetime: t.at, title: t.at }, clock(t.at)), ' ',
      el('strong', {}, t.member), ' ', badge(t.from), ' → ', badge(t.to),
      el('div', { class: 'detail' }, t.detail),
    ),
  ), 'none yet');
}

function renderOverrides(doc) {
  const rows = [];
  for (const zone of doc.zones) {
    for (const pool of zone.pools) {
      for (const m of pool.members) {
        if (m.override) rows.push({ id: m.id, what: m.override.kind, who: m.override.author, why: m.override.reason, at: m.override.at, expires: m.override.expires });
        if (m.weightOverride) rows.push({ id: m.id, what: `weight ${m.weightOverride.weight}`, who: m.weightOverride.author, why: m.weightOverride.reason, at: m.weightOverride.at, expires: m.weightOverride.expires });
      }
    }
  }
  renderList('overrides', JSON.stringify(rows), rows.map((r) =>
    el('li', { 'data-member': r.id },
      el('strong', {}, r.id), ' ', STATES.includes(r.what) ? badge(r.what) : el('span', { class: 'tag' }, r.what),
      el('div', { class: 'detail' }, `${r.who}: ${r.why || '(no reason)'} · since ${clock(r.at)}${r.expires ? ` · until ${clock(r.expires)}` : ' · no expiry'}`),
    ),
  ), 'none');
}

async function pollAudit() {
  try {
    const response = await fetch('/api/audit?limit=10', { cache: 'no-store', signal: AbortSignal.timeout(4000) });
    if (!response.ok) return;
    const { entries } = await response.json();
    renderList('audit', JSON.stringify(entries), entries.map((e) => {
      const next = e.next ?? {};
      const why = next.reason ?? e.previous?.reason ?? '';
      return el('li', { 'data-member': e.member },
        el('time', { datetime: new Date(e.at).toISOString() }, clock(new Date(e.at).toISOString())), ' ',
        el('strong', {}, e.member), ' ', el('span', { class: 'tag' }, e.action), ` by ${e.author}`,
        why ? el('div', { class: 'detail' }, why) : null,
      );
    }), 'none yet');
  } catch {
    // The next round tries again; /status failures are what the live indicator reports.
  }
}

// ---------------------------------------------------------------------------------------------
// Poll loop: one request at a time, the next one a second after the previous answered.

function render(doc) {
  const now = epoch(doc.server.now);
  renderServer(doc);
  const shape = structureOf(doc);
  if (shape !== structure) {
    structure = shape;
    buildZones(doc);
  }
  for (const zone of doc.zones) {
    renderNames(zone);
    for (const pool of zone.pools) for (const member of pool.members) updateMember(member, now, doc.sharesWindowSeconds);
  }
  renderTransitions(doc);
  renderOverrides(doc);
  updateDeliverability(doc);
  document.body.dataset.snapshot = String(doc.server.snapshotVersion);
}

async function poll() {
  const live = $('live');
  try {
    // The first poll loads the probe history the server keeps (300 samples, about 5 minutes);
    // later polls need only the newest probes.
    const response = await fetch(polls === 0 || lastOk === 0 ? '/status?samples=300' : '/status', { cache: 'no-store', signal: AbortSignal.timeout(4000) });
    if (!response.ok) throw new Error(`/status answered ${response.status}`);
    render(await response.json());
    lastOk = Date.now();
    live.className = 'live ok';
    live.textContent = `live · updated ${new Date(lastOk).toLocaleTimeString([], { hour12: false })}`;
    if (polls % AUDIT_EVERY === 0) void pollAudit();
  } catch (error) {
    live.className = 'live stale';
    live.textContent = `connection lost (${error instanceof Error ? error.message : error}); showing data from ${lastOk ? new Date(lastOk).toLocaleTimeString([], { hour12: false }) : 'never'}, retrying`;
  } finally {
    polls += 1;
    setTimeout(poll, POLL_MS);
  }
}

startDeliverability();
startWarmUps();
startExperiments();
void poll();

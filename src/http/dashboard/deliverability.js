// The dashboard's "Deliverability" panel: per member a small stacked-bar chart of the last hour
// (delivered, deferred, bounced per minute) drawn by uPlot, its reputation level and why, DNSBL
// listings as red badges and automatic quarantines (author `mxlb reputation`) marked.
//
// Cheap for 100+ members: the cards' text follows /status (every second, changed text only); the
// series come from GET /api/delivery every 10 s; a chart is created and drawn only while its card
// is on screen (IntersectionObserver), and a hidden tab skips the poll.

import { $, clock, el } from './dom.js';

const POLL_MS = 10_000;
const CHART_H = 96;
const AUTO_AUTHOR = 'mxlb reputation';
/** Drawn as stacked bars: delivered at the bottom, then deferred, then bounced. */
const SERIES = [
  { key: 'sent', label: 'delivered', colour: '#2da44e' },
  { key: 'deferred', label: 'deferred', colour: '#d4a72c' },
  { key: 'bounced', label: 'bounced', colour: '#cf222e' },
];
const LEVELS = ['good', 'suspect', 'quarantined'];

/** member id → card view; rebuilt when the set of members changes. */
const views = new Map();
const viewOf = new WeakMap();
let shape = '';
/** The last GET /api/delivery body. */
let delivery;
let observer;

export function startDeliverability() {
  observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const view = viewOf.get(entry.target);
      if (!view) continue;
      view.visible = entry.isIntersecting;
      if (view.visible && view.stale) draw(view);
    }
  }, { rootMargin: '200px 0px' });
  let resizeTimer;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const view of views.values()) if (view.plot) view.plot.setSize({ width: widthOf(view), height: CHART_H });
    }, 200);
  });
  void poll();
}

async function poll() {
  try {
    if (!document.hidden || !delivery) {
      const response = await fetch('/api/delivery?minutes=60', { cache: 'no-store', signal: AbortSignal.timeout(8000) });
      if (!response.ok) throw new Error(`/api/delivery answered ${response.status}`);
      delivery = await response.json();
      $('delivery-note').textContent = `Outcomes per minute over the last hour, all recipient providers; updated ${new Date().toLocaleTimeString([], { hour12: false })}.`;
      for (const view of views.values()) refresh(view);
    }
  } catch (error) {
    $('delivery-note').textContent = `delivery series unavailable (${error instanceof Error ? error.message : error}); retrying`;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

/** Called with every /status document: builds the cards when members change, updates their text. */
export function updateDeliverability(doc) {
  const members = [];
  const seen = new Set();
  for (const zone of doc.zones) for (const pool of zone.pools) for (const m of pool.members) if (!seen.has(m.id)) { seen.add(m.id); members.push(m); }
  const next = members.map((m) => m.id).join('\n');
  if (next !== shape) {
    shape = next;
    build(members);
  }
  const count = { quarantined: 0, suspect: 0, listed: 0, auto: 0 };
  for (const member of members) {
    const view = views.get(member.id);
    if (view) headline(view, member, count);
  }
  const parts = [`${members.length} member${members.length === 1 ? '' : 's'}`];
  if (count.auto) parts.push(`${count.auto} quarantined automatically`);
  if (count.quarantined > count.auto) parts.push(`${count.quarantined - count.auto} reputation quarantined`);
  if (count.suspect) parts.push(`${count.suspect} suspect`);
  if (count.listed) parts.push(`${count.listed} on a DNSBL`);
  const summary = parts.join(' · ');
  const box = $('delivery-summary');
  if (box.textContent !== summary) {
    box.textContent = summary;
    box.className = `sub${count.quarantined || count.listed ? ' bad' : ''}`;
  }
}

function build(members) {
  observer.disconnect();
  for (const view of views.values()) view.plot?.destroy();
  views.clear();
  const grid = $('delivery-grid');
  grid.replaceChildren(...members.map((member) => {
    const view = {
      id: member.id,
      root: el('section', { class: 'dm', 'data-member': member.id, 'aria-label': `deliverability of ${member.id}` }),
      level: el('span', { class: 'rep-slot' }),
      marks: el('div', { class: 'marks' }),
      why: el('p', { class: 'why' }),
      chart: el('div', { class: 'chart', role: 'img', 'aria-label': `delivered, deferred and bounced per minute for ${member.id}` }),
      hover: el('p', { class: 'hover' }, 'waiting for the first series…'),
      key: '',
      visible: false,
      stale: true,
    };
    view.root.append(el('header', {}, el('strong', { class: 'name' }, member.id), view.level), view.marks, view.chart, view.hover, view.why);
    views.set(member.id, view);
    viewOf.set(view.chart, view);
    observer.observe(view.chart);
    if (delivery) refresh(view);
    return view.root;
  }));
  if (members.length === 0) grid.replaceChildren(el('p', { class: 'note' }, 'No balanced members.'));
}

/** Reputation level, DNSBL badges and automatic quarantine of one card, rebuilt only when they change. */
function headline(view, member, count) {
  const rep = member.reputation;
  const level = LEVELS.includes(rep?.level) ? rep.level : rep ? 'good' : 'none';
  const listed = (member.dnsbl?.lists ?? []).filter((l) => l.state === 'listed');
  const errors = (member.dnsbl?.lists ?? []).filter((l) => l.state === 'error' || l.state === 'unusable');
  const auto = member.override?.kind === 'quarantined' && member.override.author === AUTO_AUTHOR ? member.override : undefined;
  if (level === 'quarantined') count.quarantined += 1;
  if (level === 'suspect') count.suspect += 1;
  if (listed.length) count.listed += 1;
  if (auto) count.auto += 1;
  const key = JSON.stringify([level, rep?.why, rep?.findings, rep?.heldBack, rep?.pinnedUntil, rep?.overriddenBy, listed, errors, auto]);
  if (key === view.key) return;
  view.key = key;
  view.root.dataset.level = level;
  view.root.classList.toggle('listed', listed.length > 0);
  view.root.classList.toggle('auto', Boolean(auto));
  if (listed.length) view.root.dataset.listed = listed.map((l) => l.list).join(' ');
  else delete view.root.dataset.listed;
  if (auto) view.root.dataset.autoQuarantine = 'true';
  else delete view.root.dataset.autoQuarantine;

  view.level.replaceChildren(
    rep ? el('span', { class: `rep rep-${level}`, title: (rep.findings ?? []).join('\n') || rep.why || level }, level) : el('span', { class: 'rep rep-none' }, 'no verdict'),
  );
  const marks = [
    ...listed.map((l) => el('span', { class: 'bl bl-listed', title: l.reason ?? '' }, `listed: ${l.list} ${(l.codes ?? []).join(', ')}`.trim())),
    ...errors.map((l) => el('span', { class: 'bl bl-error', title: l.reason ?? '' }, `${l.list}: ${l.state}${l.reason ? ` (${l.reason})` : ''}`)),
  ];
  if (auto) marks.push(el('span', { class: 'auto-q', title: auto.reason }, `⚠ auto-quarantined${auto.expires ? ` until ${clock(auto.expires)}` : ''}`));
  view.marks.replaceChildren(...marks);
  const lines = [];
  if (auto) lines.push(`${AUTO_AUTHOR}: ${auto.reason}`);
  if (rep?.why && !(auto && auto.reason === rep.why)) lines.push(rep.why);
  if (rep?.heldBack) lines.push(`quarantine held back: ${rep.heldBack}`);
  if (rep?.pinnedUntil) lines.push(`pinned by an operator until ${clock(rep.pinnedUntil)}`);
  if (rep?.overriddenBy) lines.push(`operator override in force: ${rep.overriddenBy}`);
  view.why.replaceChildren(...lines.map((line) => el('span', {}, line)));
  view.why.classList.toggle('calm', level === 'good' || level === 'none');
  view.why.title = (rep?.findings ?? []).join('\n');
}

/** New series arrived: the hour's totals now, the chart when it is on screen. */
function refresh(view) {
  const s = delivery?.members?.[view.id];
  if (!s) return;
  const sum = (key) => (s[key] ?? []).reduce((a, b) => a + b, 0);
  const extra = [['expired', sum('expired')], ['complaint', sum('complaint')]].filter(([, n]) => n > 0).map(([k, n]) => `, ${n} ${k}`).join('');
  view.total = sum('sent') + sum('deferred') + sum('bounced');
  view.summary = view.total || extra ? `last hour: ${sum('sent')} delivered, ${sum('deferred')} deferred, ${sum('bounced')} bounced${extra}` : 'no outcomes reported in the last hour';
  view.hover.textContent = view.summary;
  view.root.classList.toggle('quiet', !view.total);
  view.stale = true;
  if (view.visible) draw(view);
}

function widthOf(view) {
  return Math.max(160, view.chart.clientWidth || 280);
}

/** uPlot data: x in seconds, then the cumulative sums drawn from the top layer down (bounced, deferred, delivered). */
function plotData(s) {
  const n = s.sent.length;
  const xs = Array.from({ length: n }, (_, i) => (delivery.start + i * delivery.bucketMs) / 1000);
  const delivered = s.sent;
  const deferred = delivered.map((v, i) => v + s.deferred[i]);
  const bounced = deferred.map((v, i) => v + s.bounced[i]);
  return [xs, bounced, deferred, delivered];
}

function draw(view) {
  const s = delivery?.members?.[view.id];
  if (!s) return;
  view.stale = false;
  const data = plotData(s);
  if (view.plot) {
    view.plot.setData(data);
    return;
  }
  const bars = uPlot.paths.bars({ size: [0.9, 12], gap: 0 });
  const hhmm = uPlot.fmtDate('{HH}:{mm}');
  const layers = [...SERIES].reverse();
  view.plot = new uPlot({
    width: widthOf(view),
    height: CHART_H,
    legend: { show: false },
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] } },
    axes: [
      // 24-hour minutes like the rest of the page; whole numbers only on the count axis.
      { font: '10px system-ui, sans-serif', size: 22, gap: 2, ticks: { size: 3 }, grid: { show: false }, stroke: '#59636e', values: (_u, splits) => splits.map((v) => hhmm(new Date(v * 1000))) },
      { font: '10px system-ui, sans-serif', size: 34, gap: 2, ticks: { size: 3 }, grid: { stroke: '#eaeef2', width: 1 }, stroke: '#59636e', values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')) },
    ],
    series: [{}, ...layers.map((layer) => ({ label: layer.label, fill: layer.colour, stroke: layer.colour, width: 0, paths: bars, points: { show: false } }))],
    hooks: {
      setCursor: [(u) => {
        const i = u.cursor.idx;
        const raw = delivery?.members?.[view.id];
        if (i === null || i === undefined || !raw) {
          view.hover.textContent = view.summary ?? '';
          return;
        }
        const at = new Date(u.data[0][i] * 1000).toLocaleTimeString([], { hour12: false, hour: '2-digit', minute: '2-digit' });
        view.hover.textContent = `${at}: ${raw.sent[i]} delivered, ${raw.deferred[i]} deferred, ${raw.bounced[i]} bounced`;
      }],
    },
  }, data, view.chart);
}

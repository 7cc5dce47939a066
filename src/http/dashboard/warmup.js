// The dashboard's "Warm-up" panel (docs/shaping.md): per warming member a small uPlot chart of
// the whole schedule (daily cap per day 1…M, or the percent curve of an open-loop plan) with the
// attempts actually sent per day so far as bars and a marker on today, and one line of text:
// day N of M, today's cap, sent so far, the share of first places it gets now, the finish date,
// and whether it is paused or withheld and why.
//
// The panel stays hidden while no member is warming up. GET /api/warmups is polled every 10 s
// (a hidden tab skips the poll); a chart is rebuilt only when its plan changes, else given new data.

import { $, el } from './dom.js';

const POLL_MS = 10_000;
const CHART_H = 120;
const CAP = '#0969da';
const SENT = '#2da44e';
const TODAY = '#cf222e';

/** member id → { root, text, state, chart, plot, planKey, warmUp } */
const views = new Map();
let loaded = false;

export function startWarmUps() {
  let resizeTimer;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      for (const view of views.values()) view.plot?.setSize({ width: widthOf(view), height: CHART_H });
    }, 200);
  });
  void poll();
}

async function poll() {
  try {
    if (!document.hidden || !loaded) {
      const response = await fetch('/api/warmups', { cache: 'no-store', signal: AbortSignal.timeout(8000) });
      if (!response.ok) throw new Error(`/api/warmups answered ${response.status}`);
      const body = await response.json();
      loaded = true;
      render((body.warmUps ?? []).filter((w) => !w.complete));
      $('warmup-note').textContent = `Daily cap per day of the schedule (line), attempts sent per day (bars), today marked; updated ${new Date().toLocaleTimeString([], { hour12: false })}.`;
    }
  } catch (error) {
    $('warmup-note').textContent = `warm-ups unavailable (${error instanceof Error ? error.message : error}); retrying`;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

function render(warmUps) {
  const panel = $('warmups');
  panel.hidden = warmUps.length === 0;
  const ids = new Set(warmUps.map((w) => w.member));
  for (const [id, view] of views) {
    if (ids.has(id)) continue;
    view.plot?.destroy();
    view.root.remove();
    views.delete(id);
  }
  const grid = $('warmup-grid');
  for (const w of warmUps) {
    let view = views.get(w.member);
    if (!view) {
      view = {
        id: w.member,
        root: el('section', { class: 'wu', 'data-member': w.member, 'aria-label': `warm-up of ${w.member}` }),
        title: el('span', { class: 'sub' }),
        text: el('p', { class: 'wu-text' }),
        state: el('p', { class: 'wu-state' }),
        chart: el('div', { class: 'chart', role: 'img', 'aria-label': `warm-up schedule and sends per day for ${w.member}` }),
        planKey: '',
      };
      view.root.append(el('header', {}, el('strong', { class: 'name' }, w.member), ' ', view.title), view.text, view.state, view.chart);
      grid.append(view.root);
      views.set(w.member, view);
    }
    view.warmUp = w;
    describe(view, w);
    draw(view, w);
  }
  const summary = `${warmUps.length} member${warmUps.length === 1 ? '' : 's'} warming up`;
  if ($('warmup-summary').textContent !== summary) $('warmup-summary').textContent = summary;
}

const count = (n) => Number(n).toLocaleString('en-US');

/** "day N of M, cap C, sent S, share X %, finishes YYYY-MM-DD", then the paused / withheld state. */
function describe(view, w) {
  view.title.textContent = `schedule ${w.schedule} (${w.timeZone})`;
  const parts = [w.day < 1 ? `not started (day 0 of ${w.days})` : `day ${w.day} of ${w.days}`];
  parts.push(w.cap !== undefined ? `cap ${count(w.cap)}` : `schedule share ${Math.round(w.openShare * 100)} %`);
  if (w.cap !== undefined) parts.push(w.sent !== undefined ? `sent ${count(w.sent)}` : 'sent unknown');
  // Per-provider caps act on that provider's names only (docs/routing.md "Per-provider warm-up caps").
  for (const g of Object.keys(w.providerFactors ?? {})) parts.push(`${g} ${count(w.providerSent?.[g] ?? 0)} of ${count(w.providerCaps?.[g] ?? 0)}`);
  parts.push(`share ${((w.shareNow ?? 0) * 100).toFixed(1)} %`);
  parts.push(`finishes ${w.finishDate}`);
  const text = parts.join(', ');
  if (view.text.textContent !== text) view.text.textContent = text;

  let state = 'warming';
  let line = '';
  const reason = w.factor?.reason ?? '';
  if (w.paused === 'operator') {
    state = 'paused';
    line = `paused by an operator${w.pauseReason ? `: ${w.pauseReason}` : ''} (calendar stopped)`;
  } else if (w.paused === 'suspect') {
    state = 'paused';
    line = 'paused: reputation suspect (calendar stopped until it recovers)';
  } else if (reason === 'warm-up-cap-reached') {
    state = 'withheld';
    line = `withheld: today's cap reached, back at ${new Date(w.nextDayAt).toLocaleString([], { hour12: false })}`;
  } else if (reason === 'warm-up-near-cap') {
    state = 'near-cap';
    line = `near today's cap: weight × ${w.factor.value}`;
  } else if (w.loop === 'stale') {
    line = 'signals stale: open loop (following the schedule share)';
  } else if (reason === 'warm-up-not-started') {
    state = 'withheld';
    line = 'not started yet';
  }
  const held = Object.entries(w.providerFactors ?? {}).filter(([, f]) => f.value === 0).map(([g]) => g);
  if (held.length > 0 && state === 'warming') {
    line = `withheld from ${held.join(', ')} names only: cap reached, back at ${new Date(w.nextDayAt).toLocaleString([], { hour12: false })}`;
  }
  if (w.factor) line = `${line ? `${line} · ` : ''}factor ${w.factor.value} (${w.factor.reason})`;
  view.root.dataset.state = state;
  if (view.state.textContent !== line) view.state.textContent = line;
}

function widthOf(view) {
  return Math.max(200, view.chart.clientWidth || 320);
}

/** x: day 1…M; the plan (cap, or percent when the plan has no caps); sends per day (null where none, unknown or ahead). */
function plotData(w) {
  const days = w.plan.map((_, i) => i + 1);
  const caps = w.plan.some((d) => d.cap !== undefined);
  const plan = w.plan.map((d) => (caps ? d.cap ?? null : d.percent ?? null));
  const sent = days.map(() => null);
  for (const h of w.history ?? []) if (h.day >= 1 && h.day <= days.length) sent[h.day - 1] = (sent[h.day - 1] ?? 0) + h.sent;
  // (A log scale has no 0: a day without sends shows no bar.)
  for (let i = 0; i < sent.length; i++) if (sent[i] === 0) sent[i] = null;
  return { caps, data: [days, plan, sent] };
}

function draw(view, w) {
  const { caps, data } = plotData(w);
  const planKey = JSON.stringify([w.plan, caps]);
  if (view.plot && planKey === view.planKey) {
    view.plot.setData(data);
    return;
  }
  view.plot?.destroy();
  view.planKey = planKey;
  const bars = uPlot.paths.bars({ size: [0.7, 16], gap: 0 });
  const axis = { font: '10px system-ui, sans-serif', gap: 2, ticks: { size: 3 }, stroke: '#59636e' };
  view.plot = new uPlot({
    width: widthOf(view),
    height: CHART_H,
    legend: { show: false },
    cursor: { points: { show: false }, drag: { x: false, y: false } },
    // Caps grow geometrically (50 → 50,000): a log scale keeps day 1's sends as visible as day 40's.
    scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] }, y: caps ? { distr: 3, log: 10, range: (_u, min, max) => [10 ** Math.floor(Math.log10(Math.max(1, min / 2))), 10 ** Math.ceil(Math.log10(Math.max(10, max)))] } : { range: (_u, _min, max) => [0, Math.max(100, max)] } },
    axes: [
      { ...axis, size: 22, grid: { show: false }, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')) },
      // Only the powers of ten are labelled and gridded on the log scale.
      { ...axis, size: 44, grid: { stroke: '#eaeef2', width: 1 }, filter: (_u, splits) => splits.map((v) => (!caps || Number.isInteger(Math.log10(v)) ? v : null)), values: (_u, splits) => splits.map((v) => (caps ? compact(v) : `${v} %`)) },
    ],
    series: [
      {},
      { label: caps ? 'daily cap' : 'share of full weight', stroke: CAP, width: 2, points: { show: true, size: 5, fill: CAP } },
      { label: 'sent', fill: SENT, stroke: SENT, width: 0, paths: bars, points: { show: false } },
    ],
    hooks: {
      // Today's marker: a dashed red line across the plot at day N.
      draw: [(u) => {
        const day = view.warmUp?.day;
        if (!day || day < 1 || day > w.plan.length) return;
        const x = Math.round(u.valToPos(day, 'x', true));
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = TODAY;
        ctx.lineWidth = 2 * devicePixelRatio;
        ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.restore();
      }],
    },
  }, data, view.chart);
}

function compact(v) {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return Number.isInteger(v) ? String(v) : '';
}

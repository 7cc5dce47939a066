// The dashboard's "Experiments" panel (docs/routing.md "A/B experiments"): one table per A/B
// experiment of the served zones — state and why, then per arm its pools, share of the split,
// DNS answers and distinct client subnets served, and for a running experiment the delivery
// samples and rates of the current run with their 95 % intervals, the tests against the first
// arm and the verdict (which names no winner below the minimum sample).
//
// The panel stays hidden while no zone defines an experiment. GET /experiments (and each running
// experiment's /experiments/NAME/report) is polled every 10 s; a hidden tab skips the poll.

import { $, el } from './dom.js';

const POLL_MS = 10_000;
let loaded = false;

export function startExperiments() {
  void poll();
}

async function poll() {
  try {
    if (!document.hidden || !loaded) {
      const response = await fetch('/experiments', { cache: 'no-store', signal: AbortSignal.timeout(8000) });
      if (response.status === 404) {
        $('experiments').hidden = true;
        return;
      }
      if (!response.ok) throw new Error(`/experiments answered ${response.status}`);
      const { experiments = [] } = await response.json();
      const reports = await Promise.all(experiments.map((e) => (e.state === 'running' ? report(e.name) : undefined)));
      loaded = true;
      render(experiments, reports);
      $('experiments-note').textContent = `Answers and clients since the server started; outcomes of the current run. Updated ${new Date().toLocaleTimeString([], { hour12: false })}.`;
    }
  } catch (error) {
    $('experiments-note').textContent = `experiments unavailable (${error instanceof Error ? error.message : error}); retrying`;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

async function report(name) {
  const response = await fetch(`/experiments/${encodeURIComponent(name)}/report`, { cache: 'no-store', signal: AbortSignal.timeout(8000) });
  return response.ok ? response.json() : undefined;
}

const pct = (r) => `${(r * 100).toFixed(1)} %`;
const rate = (r) => (r ? `${pct(r.rate)} (${pct(r.ci95.low)}–${pct(r.ci95.high)})` : '–');

function render(experiments, reports) {
  $('experiments').hidden = experiments.length === 0;
  $('experiments-summary').textContent = `${experiments.filter((e) => e.state === 'running').length} running of ${experiments.length}`;
  const grid = $('experiments-grid');
  grid.replaceChildren(
    ...experiments.map((e, i) => {
      const r = reports[i];
      const head = el('tr', {}, ...['arm', 'pools', 'split', 'answers', 'clients', 'samples', 'delivered', 'deferred', 'bounced', 'delay p50/p90'].map((h) => el('th', { scope: 'col' }, h)));
      const rows = e.arms.map((arm, k) => {
        const a = r?.arms?.[k];
        const delay = a?.delay?.p50 !== undefined ? `${a.delay.p50} s / ${a.delay.p90} s` : '–';
        return el('tr', { 'data-arm': arm.name }, el('th', { scope: 'row' }, arm.name), el('td', {}, arm.pools.join(', ')), el('td', {}, `${e.split[k] ?? arm.percent} %`), el('td', {}, String(arm.answers)), el('td', {}, String(arm.clients)), el('td', {}, a ? String(a.samples) : '–'), el('td', {}, rate(a?.delivered)), el('td', {}, rate(a?.deferred)), el('td', {}, rate(a?.bounced)), el('td', {}, delay));
      });
      const lines = r ? [...r.lines, `verdict: ${r.verdict.winner ? `arm ${r.verdict.winner} wins — ` : ''}${r.verdict.reason}`, `unattributed outcomes: ${r.unattributed}`] : [];
      return el(
        'section',
        { class: `experiment state-${e.state}`, 'data-experiment': e.name },
        el('h3', {}, `${e.name} `, el('span', { class: 'sub' }, `${e.owner}. — ${e.state}: ${e.why}`)),
        el('table', { class: 'experiment-arms' }, el('thead', {}, head), el('tbody', {}, ...rows)),
        el('ul', { class: 'experiment-tests' }, ...lines.map((l) => el('li', {}, l))),
      );
    }),
  );
}

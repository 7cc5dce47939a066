/**
 * The dashboard's Warm-up panel through the real `mxlb serve`, real MTAs and Debian's chromium
 * (playwright-core): a zone with a member on day 3 of a 7-day cap schedule (the two earlier days'
 * sends read back from the counters file beside the state file, today's posted to /api/signals)
 * and one on a percent curve, paused by an operator. The panel appears only then, says "day N of
 * M, cap C, sent S, share X %, finishes …" and the pause with its reason, draws the plan line, the
 * sends bars and today's marker (canvas pixels counted), polls /api/warmups every 10 s, hides
 * when a reload leaves no member warming up, and no request leaves loopback. The screenshot lands in test-artifacts/dashboard-warmup.png.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { chromium, type Browser } from 'playwright-core';
import { startMta } from '../helpers/mta.ts';
import { startMxlb } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const TOKEN = 'warmup-dash-token-0123456789';
const ADDRESSES = ['127.0.0.81', '127.0.0.82', '127.0.0.83', '127.0.0.84'];
const DAY = 86_400_000;
const date = (offsetDays: number): string => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);

interface WarmUp { member: string; day: number; days: number; cap?: number; sent?: number; plan: { cap?: number; percent?: number }[]; history: { date: string; day: number; sent: number }[]; paused?: string; pauseReason?: string }

let browser: Browser | undefined;
test.before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'] });
});
test.after.always(async () => {
  await browser?.close();
});

test('the Warm-up panel: day N of M, cap, sent, share, finish date, pause reason; the schedule, the sends per day and today drawn; nothing leaves loopback', async (t) => {
  const mtas = await Promise.all(ADDRESSES.map((host) => startMta({ host })));
  for (const mta of mtas) t.teardown(() => mta.stop());
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-warm-dash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const zone = (warming: boolean) => `records: |
  @ 3600 IN SOA ns1 hostmaster 1 3600 600 86400 30
  @ 3600 IN NS ns1
  ns1 3600 IN A 127.0.0.1
probe: {interval: 500ms, recheck: 100ms, jitter: 0, rise: 1, fall: 1}
warm-up-schedules:
  new-ip:
    time-zone: UTC
    days: [50, 100, {cap: 200, gmail: 30}, 400, 800, 1600, 3000]
  gentle:
    percent: [10, 25, 50, 75]
pools:
  p:
    members:
${mtas.map((m, i) => `      - {name: m${i}, address: ${m.host}, port: ${m.port}${warming && i === 3 ? `, warm-up: {schedule: new-ip, start: ${date(-2)}}` : ''}${warming && i === 2 ? `, warm-up: {schedule: gentle, start: ${date(-1)}}` : ''}}`).join('\n')}
names:
  smtp:
    tiers: [p]
    policy: weighted
    max: 1
`;
  const zoneFile = join(dir, 'warm.test.yaml');
  writeFileSync(zoneFile, zone(true));
  const statePath = join(dir, 'state.json');
  // The two earlier days' sends, as a previous run of mxlb left them in the counters file.
  writeFileSync(`${statePath}.warm-up-counts.json`, JSON.stringify({ 'p/m3': { date: date(-1), total: 96, providers: { other: 96 }, history: [{ date: date(-2), total: 48 }] } }));
  const mxlb = await startMxlb(['--zones', dir, '--state-file', statePath], { env: { MXLB_ADMIN_TOKEN: TOKEN } });
  t.teardown(() => mxlb.stop());
  const base = `http://${mxlb.http.host}:${mxlb.http.port}`;

  // Two warming members, today's sends and an operator's pause.
  const warmUps = async () => ((await (await fetch(`${base}/api/warmups`)).json()) as { warmUps: WarmUp[] }).warmUps;
  t.is((await warmUps()).length, 2);
  const problems: string[] = [];
  const signals = await fetch(`${base}/api/signals`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ batch: 'wu-1', outcomes: Array.from({ length: 30 }, () => ({ member: 'p/m3', status: 'sent', domain: 'gmail.com' })) }) });
  t.is(signals.status, 200);
  const paused = await fetch(`${base}/api/members/p%2Fm2/warmup`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ action: 'pause', reason: 'Gmail 4.7.28 deferrals' }) });
  t.is(paused.status, 200);

  // The API: the whole plan and the sends per day placed on their schedule days.
  const m3 = await eventually(async () => (await warmUps()).find((w) => w.member === 'p/m3' && w.sent === 30) ?? false, { what: 'closed loop for p/m3' });
  t.like(m3, { day: 3, days: 7, cap: 200 });
  t.deepEqual(m3.plan.map((d) => d.cap), [50, 100, 200, 400, 800, 1600, 3000]);
  t.deepEqual(m3.history, [{ date: date(-2), day: 1, sent: 48 }, { date: date(-1), day: 2, sent: 96 }, { date: date(0), day: 3, sent: 30 }]);
  const m2 = (await warmUps()).find((w) => w.member === 'p/m2')!;
  t.like(m2, { day: 2, days: 4, paused: 'operator', pauseReason: 'Gmail 4.7.28 deferrals' });
  t.deepEqual(m2.plan, [{ percent: 10 }, { percent: 25 }, { percent: 50 }, { percent: 75 }]);

  const view = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
  t.teardown(() => view.close());
  const seen: string[] = [];
  view.on('request', (request) => seen.push(request.url()));
  view.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  view.on('pageerror', (error) => problems.push(String(error)));
  await view.goto(`${base}/`);
  const card = (id: string) => `#warmup-grid .wu[data-member="${id}"]`;
  await view.waitForSelector(`${card('p/m3')} .chart canvas`, { timeout: 20_000 });
  await view.waitForSelector(`${card('p/m2')} .chart canvas`, { timeout: 20_000 });
  t.true(await view.locator('#warmups').isVisible());
  t.regex(await view.locator(`${card('p/m3')} .wu-text`).innerText(), new RegExp(`^day 3 of 7, cap 200, sent 30, gmail 30 of 30, share \\d+\\.\\d %, finishes ${date(4)}$`));
  // Today's 30 went to Gmail, its cap for day 3: withheld from gmail names only (docs/routing.md).
  t.regex(await view.locator(`${card('p/m3')} .wu-state`).innerText(), /^withheld from gmail names only: cap reached, back at .* · factor [\d.]+ \(warm-up-under-cap\)/);
  t.regex(await view.locator(`${card('p/m2')} .wu-text`).innerText(), /^day 2 of 4, schedule share 25 %, share \d+\.\d %, finishes \d{4}-\d{2}-\d{2}$/);
  t.regex(await view.locator(`${card('p/m2')} .wu-state`).innerText(), /^paused by an operator: Gmail 4\.7\.28 deferrals \(calendar stopped\)/);
  t.is(await view.locator(card('p/m2')).getAttribute('data-state'), 'paused');
  t.regex(await view.locator('#warmup-summary').innerText(), /^2 members warming up$/);
  t.notRegex(await view.locator('#warmups').innerText(), /\b(null|undefined|NaN)\b/);

  // Drawn: the plan line (blue), the sends bars (green) and today's marker (red) are on the canvas.
  const colours = async (id: string) => view.locator(`${card(id)} .chart canvas`).evaluate((canvas) => {
    const c = canvas as unknown as { getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } }; width: number; height: number };
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    const layers: [keyof typeof count, number, number, number][] = [['plan', 0x09, 0x69, 0xda], ['sent', 0x2d, 0xa4, 0x4e], ['today', 0xcf, 0x22, 0x2e]];
    const count = { plan: 0, sent: 0, today: 0 };
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! < 200) continue;
      for (const [name, r, g, b] of layers) if (Math.abs(data[i]! - r) + Math.abs(data[i + 1]! - g) + Math.abs(data[i + 2]! - b) < 30) count[name] += 1;
    }
    return count;
  });
  const drawn = await colours('p/m3');
  t.log(`p/m3 chart pixels: ${JSON.stringify(drawn)}`);
  t.true(drawn.plan > 100 && drawn.sent > 20 && drawn.today > 20, JSON.stringify(drawn));
  const gentle = await colours('p/m2');
  t.true(gentle.plan > 100 && gentle.sent === 0 && gentle.today > 20, `a percent plan without sends: ${JSON.stringify(gentle)}`);

  // /api/warmups every 10 s while /status goes every second.
  await eventually(() => seen.filter((u) => new URL(u).pathname === '/status').length >= 12, { timeoutMs: 40_000, what: '12 polls of /status' });
  const polls = seen.filter((u) => new URL(u).pathname === '/api/warmups').length;
  t.true(polls >= 1 && polls <= 3, `${polls} polls of /api/warmups`);
  t.deepEqual([...new Set(seen.map((u) => new URL(u).origin))], [new URL(base).origin], 'every request went to mxlb on loopback');
  t.true(seen.some((u) => u.endsWith('/warmup.js')) && seen.some((u) => u.endsWith('/uPlot.iife.min.js')));
  t.deepEqual(problems, [], 'no console errors (CSP violations included)');

  mkdirSync(ARTIFACTS, { recursive: true });
  await view.locator('#warmups').screenshot({ path: new URL('dashboard-warmup.png', ARTIFACTS).pathname });

  // No member warming up any more (a reload without warm-ups): the panel hides at the next poll.
  writeFileSync(zoneFile, zone(false));
  await eventually(async () => (await warmUps()).length === 0, { timeoutMs: 15_000, what: 'no warm-ups after the reload' });
  await view.waitForSelector('#warmups', { state: 'hidden', timeout: 15_000 });
  t.is(await view.locator('#warmup-grid .wu').count(), 0);
});

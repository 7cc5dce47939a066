/**
 * The dashboard's Deliverability panel through the real `mxlb serve`, real MTAs, a real DNSBL
 * (Debian rbldnsd) and Debian's chromium (playwright-core): outcomes posted to /api/signals show
 * as per-minute stacked bars drawn by uPlot (served by mxlb itself: no request leaves loopback),
 * a Yahoo TSS04 deferral quarantines a member automatically and the card says so, a listed
 * member carries a red badge with the list and code. GET /api/delivery is checked directly too,
 * and behind a read token. The screenshot lands in test-artifacts/dashboard-deliverability.png.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import test from 'ava';
import { chromium, type Browser } from 'playwright-core';
import { ORIGIN, serve, serverUrl, setUp, TOKEN, zoneYaml } from './admin-setup.ts';
import { startMxlb } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';
import { startRbldnsd } from '../helpers/rbldnsd.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const BL = ':127.0.0.2:Listed by bl.test, see https://bl.test/lookup?ip=$\n127.0.0.2\n';
const TSS04 = '421 4.7.0 [TSS04] Messages from 127.0.0.242 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes';
const MINUTE = 60_000;

interface Outcome { member: string; status: string; at: number; domain?: string; dsn?: string; reply?: string }
interface Series { sent: number[]; deferred: number[]; bounced: number[]; expired: number[]; complaint: number[] }
interface Delivery { bucketMs: number; now: number; start: number; minutes: number; members: Record<string, Series> }
/** What the callbacks run inside the page use (the project compiles without the DOM library). */
interface PageGlobals { uPlot?: unknown }

async function post(base: string, batch: string, outcomes: Outcome[]): Promise<void> {
  const response = await fetch(`${base}/api/signals`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ batch, outcomes }) });
  if (response.status !== 200) throw new Error(`signals: ${response.status} ${await response.text()}`);
}

/** 40 minutes of traffic for a member: mostly delivered, a few deferred and bounced; returns the totals. */
function traffic(member: string, now: number, scale: number): { outcomes: Outcome[]; totals: { sent: number; deferred: number; bounced: number } } {
  const outcomes: Outcome[] = [];
  const totals = { sent: 0, deferred: 0, bounced: 0 };
  for (let i = 1; i <= 40; i++) {
    const at = now - i * MINUTE;
    const counts = { sent: Math.round((12 + ((i * 7) % 13)) * scale), deferred: i % 5 === 0 ? 4 : 1, bounced: i % 9 === 0 ? 2 : 0 };
    for (const [status, n] of Object.entries(counts) as [keyof typeof totals, number][]) {
      totals[status] += n;
      for (let k = 0; k < n; k++) outcomes.push({ member, status, at, domain: 'gmail.com' });
    }
  }
  return { outcomes, totals };
}

const sum = (row: number[]): number => row.reduce((a, b) => a + b, 0);

let browser: Browser | undefined;
test.before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  // Nothing but loopback, even for Chromium's own background requests: every other name fails to resolve.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'] });
});
test.after.always(async () => {
  await browser?.close();
});

test('the Deliverability panel charts outcomes per member, marks an automatic quarantine and a DNSBL listing; nothing leaves loopback', async (t) => {
  const setup = await setUp(t, 240);
  const bl = await startRbldnsd({ 'bl.test': `${BL}${setup.mtas[2]!.host}\n` }, { checkSeconds: 1 });
  t.teardown(() => bl.stop());
  writeFileSync(join(setup.zonesDir, `${ORIGIN}.yaml`), zoneYaml(setup.mtas).replace('pools:\n', [
    'reputation:',
    '  hold: 1h',
    '  dnsbl:',
    `    resolver: ${bl.resolver}`,
    '    interval: 1s',
    '    recheck: 200ms',
    '    timeout: 500ms',
    '    confirm: 2',
    '    lists: [{ zone: bl.test }]',
    'pools:',
    '',
  ].join('\n')));
  const mxlb = await serve(t, setup);
  const base = serverUrl(mxlb);

  const now = Date.now();
  const one = traffic('primary/mta1', now, 1);
  const two = traffic('primary/mta2', now, 0.5);
  await post(base, 'dash-1', one.outcomes);
  await post(base, 'dash-2', two.outcomes);
  // Yahoo's TSS04: the shipped rule quarantines at the first match.
  await post(base, 'dash-3', [{ member: 'primary/mta2', status: 'deferred', at: Date.now(), domain: 'yahoo.com', dsn: '4.7.0', reply: TSS04 }]);
  two.totals.deferred += 1;

  // The endpoint: 60 one-minute counts per status, oldest first, summing to what was posted.
  const delivery = (await (await fetch(`${base}/api/delivery?minutes=60`)).json()) as Delivery;
  t.is(delivery.bucketMs, MINUTE);
  t.is(delivery.minutes, 60);
  t.deepEqual(Object.keys(delivery.members).sort(), ['primary/mta1', 'primary/mta2', 'primary/mta3']);
  for (const [id, totals] of [['primary/mta1', one.totals], ['primary/mta2', two.totals]] as const) {
    const s = delivery.members[id]!;
    t.is(s.sent.length, 60);
    t.deepEqual({ sent: sum(s.sent), deferred: sum(s.deferred), bounced: sum(s.bounced) }, totals, id);
  }
  // The oldest outcome's bucket in the server's window: 19, or 18 when a minute boundary passed
  // between this test's clock reading and the request (one CI run on a loaded machine saw it).
  const oldest = Math.floor((now - 40 * MINUTE - delivery.start) / delivery.bucketMs);
  t.true(oldest === 18 || oldest === 19, `oldest outcome in bucket ${oldest}`);
  t.true(delivery.members['primary/mta1']!.sent.slice(0, oldest).every((v) => v === 0), 'nothing older than 40 minutes');
  t.true(delivery.members['primary/mta1']!.sent[oldest]! > 0, 'the oldest minute is counted');
  t.is(sum(delivery.members['primary/mta3']!.sent), 0);
  const only = (await (await fetch(`${base}/api/delivery?minutes=5&member=${encodeURIComponent('primary/mta1')}`)).json()) as Delivery;
  t.deepEqual(Object.keys(only.members), ['primary/mta1']);
  t.is(only.members['primary/mta1']!.sent.length, 5);
  t.is((await fetch(`${base}/api/delivery?minutes=0`)).status, 400);
  t.is((await fetch(`${base}/api/delivery?minutes=61`)).status, 400);
  t.is((await fetch(`${base}/api/delivery?member=primary%2Fnope`)).status, 404);

  // The page.
  const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
  t.teardown(() => page.close());
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(String(error)));
  await page.goto(`${base}/`);

  const card = (id: string) => `#delivery-grid .dm[data-member="${id}"]`;
  await page.waitForSelector(`${card('primary/mta2')}[data-auto-quarantine="true"][data-level="quarantined"]`, { timeout: 20_000 });
  await page.waitForSelector(`${card('primary/mta3')}[data-listed="bl.test"]`, { timeout: 30_000 });
  for (const id of ['primary/mta1', 'primary/mta2', 'primary/mta3']) await page.waitForSelector(`${card(id)} .chart canvas`, { timeout: 15_000 });
  await page.waitForFunction((id) => /last hour: \d+ delivered/.test((globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector(`#delivery-grid .dm[data-member="${id}"] .hover`)?.textContent ?? ''), 'primary/mta1', { timeout: 15_000 });
  t.is(await page.evaluate(() => typeof (globalThis as unknown as PageGlobals).uPlot), 'function', 'uPlot loaded');

  // Totals in words; the quarantined card says who and why; the listed card names list and code.
  t.is(await page.locator(`${card('primary/mta1')} .hover`).innerText(), `last hour: ${one.totals.sent} delivered, ${one.totals.deferred} deferred, ${one.totals.bounced} bounced`);
  t.is(await page.locator(`${card('primary/mta1')}`).getAttribute('data-level'), 'good');
  t.is(await page.locator(`${card('primary/mta1')} .bl, ${card('primary/mta1')} .auto-q`).count(), 0, 'a healthy member carries no mark');
  t.regex(await page.locator(`${card('primary/mta2')} .auto-q`).innerText(), /^⚠ auto-quarantined until \d\d:\d\d:\d\d$/);
  t.regex(await page.locator(`${card('primary/mta2')} .why`).innerText(), /mxlb reputation: rule .*tss04/i);
  t.is(await page.locator(`${card('primary/mta2')} .rep`).innerText(), 'quarantined');
  t.regex(await page.locator(`${card('primary/mta3')} .bl-listed`).innerText(), /^listed: bl\.test 127\.0\.0\.2$/);
  // (Read without a token: /status redacts the TXT's URL; the full text is in an authenticated /status.)
  t.regex((await page.locator(`${card('primary/mta3')} .bl-listed`).getAttribute('title')) ?? '', /^Listed by bl\.test, see /);
  t.notRegex(await page.locator('#deliverability').innerText(), /\b(null|undefined|NaN)\b/, 'no placeholder leaks into the text');
  // The listing can reach the page a refresh before the quarantine it triggers is marked automatic
  // (one loaded run read "1 quarantined automatically · 1 reputation quarantined"): wait for it.
  await page.waitForFunction(() => /2 quarantined automatically/.test((globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector('#delivery-summary')?.textContent ?? ''), undefined, { timeout: 15_000 }).catch(() => undefined);
  t.regex(await page.locator('#delivery-summary').innerText(), /3 members · 2 quarantined automatically · 1 on a DNSBL/);

  // The bars are drawn: count canvas pixels of each layer's colour.
  const colours = async (id: string) => page.locator(`${card(id)} .chart canvas`).evaluate((canvas) => {
    const c = canvas as unknown as { getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } }; width: number; height: number };
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    // (No named functions in here: tsx would wrap them in a helper the page does not have.)
    const layers: [keyof typeof count, number, number, number][] = [['delivered', 0x2d, 0xa4, 0x4e], ['deferred', 0xd4, 0xa7, 0x2c], ['bounced', 0xcf, 0x22, 0x2e]];
    const count = { delivered: 0, deferred: 0, bounced: 0 };
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3]! < 200) continue;
      for (const [name, r, g, b] of layers) if (Math.abs(data[i]! - r) + Math.abs(data[i + 1]! - g) + Math.abs(data[i + 2]! - b) < 30) count[name] += 1;
    }
    return count;
  });
  const drawn = await colours('primary/mta1');
  t.log(`mta1 chart pixels: ${JSON.stringify(drawn)}`);
  t.true(drawn.delivered > 500 && drawn.deferred > 20 && drawn.bounced > 5, JSON.stringify(drawn));
  const empty = await colours('primary/mta3');
  t.deepEqual(empty, { delivered: 0, deferred: 0, bounced: 0 }, 'no outcomes, no bars');

  // Hovering a bar names that minute's counts.
  const box = (await page.locator(`${card('primary/mta1')} .chart .u-over`).boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.55, box.y + box.height / 2);
  t.regex(await page.locator(`${card('primary/mta1')} .hover`).innerText(), /^\d\d:\d\d: \d+ delivered, \d+ deferred, \d+ bounced$/);
  await page.mouse.move(0, 0);

  // /api/delivery every 10 s while /status goes every second.
  await eventually(() => requests.filter((u) => new URL(u).pathname === '/status').length >= 12, { timeoutMs: 40_000, what: '12 polls of /status' });
  const deliveryPolls = requests.filter((u) => new URL(u).pathname === '/api/delivery').length;
  t.true(deliveryPolls >= 1 && deliveryPolls <= 3, `${deliveryPolls} polls of /api/delivery`);

  const origins = [...new Set(requests.map((u) => new URL(u).origin))];
  t.deepEqual(origins, [new URL(base).origin], 'every request went to mxlb on loopback');
  t.true(requests.some((u) => u.endsWith('/uPlot.iife.min.js')) && requests.some((u) => u.endsWith('/uPlot.min.css')));
  t.deepEqual(problems, [], 'no console errors (CSP violations included)');

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.locator('#deliverability').screenshot({ path: new URL('dashboard-deliverability.png', ARTIFACTS).pathname });
  await page.screenshot({ path: new URL('dashboard-deliverability-page.png', ARTIFACTS).pathname, fullPage: true });
  t.log(`requests: ${requests.length}, to ${origins.join(', ')}`);
});

test('GET /api/delivery is guarded like /status: read token, Host allowlist; the dashboard with Basic still charts', async (t) => {
  const setup = await setUp(t, 244);
  const read = 'read-token-dash-0123456789abcdef';
  const mxlb = await startMxlb(['--zones', setup.zonesDir, '--state-file', '', '--read-token', read], { env: { MXLB_ADMIN_TOKEN: '', MXLB_ADMIN_TOKEN_FILE: '', MXLB_READ_TOKEN: '', MXLB_READ_TOKEN_FILE: '' }, timeoutMs: 60_000 });
  t.teardown(() => mxlb.stop());
  const base = serverUrl(mxlb);
  t.is((await fetch(`${base}/api/delivery`)).status, 401);
  const ok = await fetch(`${base}/api/delivery`, { headers: { authorization: `Bearer ${read}` } });
  t.is(ok.status, 200);
  t.deepEqual(Object.keys(((await ok.json()) as Delivery).members).sort(), ['primary/mta1', 'primary/mta2', 'primary/mta3']);
  // A DNS-rebinding Host is refused before the token is looked at (node:http: fetch cannot set Host).
  const rebound = await new Promise<number>((resolve, reject) => {
    const req = request({ host: mxlb.http.host, port: mxlb.http.port, path: '/api/delivery', headers: { host: 'rebind.attacker.example', authorization: `Bearer ${read}` }, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
  t.is(rebound, 421);

  const context = await browser!.newContext({ httpCredentials: { username: 'ops', password: read }, viewport: { width: 1200, height: 900 } });
  t.teardown(() => context.close());
  const page = await context.newPage();
  const statuses: string[] = [];
  page.on('response', (response) => statuses.push(`${response.status()} ${new URL(response.url()).pathname}`));
  await page.goto(`${base}/`);
  await page.waitForSelector('#delivery-grid .dm[data-member="primary/mta1"] .chart canvas', { timeout: 20_000 });
  t.true(statuses.includes('200 /uPlot.iife.min.js'), statuses.join(', '));
  t.true(statuses.includes('200 /api/delivery'), statuses.join(', '));
});

test('with 100 members only the charts on screen are drawn; one scrolled into view is drawn then', async (t) => {
  const setup = await setUp(t, 247);
  const ids = Array.from({ length: 100 }, (_, i) => `big/m${i + 1}`);
  // Nothing listens on 127.0.3.x: the members are down (refused), which the charts do not care about.
  writeFileSync(join(setup.zonesDir, `${ORIGIN}.yaml`), [
    'records: |',
    '  @ 300 IN SOA ns1 hostmaster 1 3600 900 604800 60',
    '  @ 300 IN NS ns1',
    '  ns1 300 IN A 127.0.0.1',
    'probe: { interval: 5s }',
    'pools:',
    '  big:',
    '    members:',
    ...ids.map((_, i) => `      - { name: m${i + 1}, address: 127.0.3.${i + 1}, port: 2525 }`),
    'names:',
    '  smtp: { tiers: [[big]] }',
    '',
  ].join('\n'));
  const mxlb = await serve(t, setup);
  const base = serverUrl(mxlb);
  const now = Date.now();
  await post(base, 'big-1', ids.flatMap((member, i) => Array.from({ length: 20 }, (_, k) => ({ member, status: k % 10 === 0 ? 'deferred' : 'sent', at: now - ((i + k) % 50) * MINUTE }))));
  for (let round = 1; round <= 3; round++) {
    const started = performance.now();
    const response = await fetch(`${base}/api/delivery?minutes=60`);
    const body = await response.text();
    t.is(response.headers.get('content-type'), 'application/json');
    t.is(Object.keys((JSON.parse(body) as Delivery).members).length, 100);
    t.log(`/api/delivery for 100 members, request ${round}: ${body.length} bytes in ${(performance.now() - started).toFixed(1)} ms`);
  }

  const page = await browser!.newPage({ viewport: { width: 1400, height: 1000 } });
  t.teardown(() => page.close());
  await page.goto(`${base}/`);
  await page.waitForSelector('#delivery-grid .dm[data-member="big/m1"] .chart canvas', { timeout: 20_000 });
  t.is(await page.locator('#delivery-grid .dm').count(), 100);
  const drawn = await page.locator('#delivery-grid .dm .chart canvas').count();
  t.log(`charts drawn with the top of the page on screen: ${drawn} of 100`);
  t.true(drawn > 0 && drawn <= 40, `${drawn} charts drawn`);
  await page.locator('#delivery-grid .dm[data-member="big/m100"]').scrollIntoViewIfNeeded();
  await page.waitForSelector('#delivery-grid .dm[data-member="big/m100"] .chart canvas', { timeout: 10_000 });
  t.true((await page.locator('#delivery-grid .dm .chart canvas').count()) < 100, 'the middle ones still not drawn');
});

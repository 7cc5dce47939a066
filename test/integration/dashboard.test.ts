/**
 * The dashboard page in headless Chromium (Debian's chromium driven by playwright-core, issue 4):
 * the real `mxlb serve` process with real MTAs; every member shows with its state (name, symbol
 * and colour), and a member taken down (its MTA stopped) or drained (admin API) changes without a
 * page reload. The screenshot lands in test-artifacts/dashboard.png.
 *
 * Chromium is required: without /usr/bin/chromium the test fails (it is installed by .ci/run).
 */
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startMta, type Mta } from '../helpers/mta.ts';
import { startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const TOKEN = 'dashboard-test-token-0123456789';
/** The state colours of dashboard.css (--up, --down, --drained) as computed by the browser. */
const COLOURS = { up: 'rgb(26, 127, 55)', down: 'rgb(180, 35, 24)', drained: 'rgb(5, 80, 174)' };
const MEMBERS = ['primary/mta1', 'primary/mta2', 'backup/bk1'];

/** What the callbacks run inside the page use (the project compiles without the DOM library). */
interface BrowserGlobals {
  getComputedStyle(node: unknown): { borderLeftColor: string };
  __sameDocument?: string;
}

interface World {
  dir: string;
  mtas: Mta[];
  mxlb: MxlbProcess;
  browser: Browser;
  base: string;
}

let world: World | undefined;

test.before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-dashboard-'));
  const mtas = [await startMta({ host: '127.0.0.61' }), await startMta({ host: '127.0.0.62' }), await startMta({ host: '127.0.0.63' })];
  writeFileSync(
    join(dir, 'relay.dash.yaml'),
    [
      'origin: relay.dash',
      'records: |',
      '  @ 300 IN SOA ns1 hostmaster 1 3600 900 604800 60',
      '  @ 300 IN NS ns1',
      '  ns1 300 IN A 127.0.0.1',
      // fall 1 finds a stopped MTA at once (refused); generous timeouts keep a loaded machine from flapping one.
      'probe: { interval: 250ms, recheck: 100ms, rise: 1, fall: 1, timeouts: { connect: 5s, banner: 5s, ehlo: 5s } }',
      'pools:',
      '  primary:',
      '    members:',
      `      - { name: mta1, address: ${mtas[0]!.host}, port: ${mtas[0]!.port} }`,
      `      - { name: mta2, address: ${mtas[1]!.host}, port: ${mtas[1]!.port} }`,
      '  backup:',
      '    members:',
      `      - { name: bk1, address: ${mtas[2]!.host}, port: ${mtas[2]!.port} }`,
      'names:',
      '  smtp: { tiers: [[primary], [backup]] }',
      '',
    ].join('\n'),
  );
  const mxlb = await startMxlb(['--zones', dir, '--state-file', '', '--admin-token', TOKEN]);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  world = { dir, mtas, mxlb, browser, base: `http://${mxlb.http.host}:${mxlb.http.port}` };
});

test.after.always(async () => {
  await world?.browser.close();
  await world?.mxlb.stop();
  for (const mta of world?.mtas ?? []) await mta.stop();
  if (world) rmSync(world.dir, { recursive: true, force: true });
});

function w(): World {
  if (!world) throw new Error('setup failed');
  return world;
}

/** The member card's state as the page shows it: data attribute, badge text, border colour. */
async function shown(page: Page, member: string): Promise<{ state: string | null; badge: string; colour: string; reason: string }> {
  const card = page.locator(`article[data-member="${member}"]`);
  return {
    state: await card.getAttribute('data-state'),
    badge: (await card.locator('.badge').innerText()).trim(),
    colour: await card.evaluate((node) => (globalThis as unknown as BrowserGlobals).getComputedStyle(node).borderLeftColor),
    reason: await card.locator('.reason').innerText(),
  };
}

async function waitForState(page: Page, member: string, state: string, timeout = 20_000): Promise<void> {
  await page.waitForSelector(`article[data-member="${member}"][data-state="${state}"]`, { timeout });
}

test.serial('the page and its assets are served locally with a strict content security policy', async (t) => {
  const page = await fetch(`${w().base}/`);
  t.is(page.status, 200);
  t.is(page.headers.get('content-type'), 'text/html; charset=utf-8');
  t.regex(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  const html = await page.text();
  t.notRegex(html, /https?:\/\//, 'no external URL in the page');
  const js = 'text/javascript; charset=utf-8';
  const css = 'text/css; charset=utf-8';
  // uPlot (the deliverability charts) comes from the mxlb package too, not from a CDN.
  for (const [path, type] of [['/dashboard.js', js], ['/dom.js', js], ['/deliverability.js', js], ['/uPlot.iife.min.js', js], ['/dashboard.css', css], ['/uPlot.min.css', css]] as const) {
    const asset = await fetch(`${w().base}${path}`);
    t.is(asset.status, 200, path);
    t.is(asset.headers.get('content-type'), type);
    // uPlot's licence banner names its home page; that is a comment, not a load.
    const text = (await asset.text()).replace(/^\/\*![\s\S]*?\*\//, '');
    t.notRegex(text, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, `${path} loads nothing from elsewhere`);
  }
});

test.serial('shows every member with its state, and a stopped or drained member changes without a reload', async (t) => {
  const { browser, base, mtas } = w();
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  t.teardown(() => page.close());
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(String(error)));
  let navigations = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navigations += 1;
  });

  await page.goto(`${base}/`);
  await page.evaluate(() => {
    (globalThis as unknown as BrowserGlobals).__sameDocument = 'still here';
  });
  for (const member of MEMBERS) await waitForState(page, member, 'up');
  for (const member of MEMBERS) {
    const view = await shown(page, member);
    t.is(view.badge, '● up', member);
    t.is(view.colour, COLOURS.up, member);
  }
  t.is(await page.locator('article[data-member]').count(), MEMBERS.length, 'every member once, nothing else');
  // The balanced name and its serving tier are listed.
  t.regex(await page.locator('table.names').innerText(), /smtp\.relay\.dash[\s\S]*A: answer from tier 0, 2 candidates/);
  // One status line per name.
  t.is(await page.locator('table.names td.name-status').first().innerText(), 'healthy');

  // An MTA stops: its card turns down (symbol, name and colour) on the next polls.
  const snapshotBefore = Number(await page.locator('body').getAttribute('data-snapshot'));
  await mtas[1]!.stop();
  await waitForState(page, 'primary/mta2', 'down');
  const down = await shown(page, 'primary/mta2');
  t.is(down.badge, '✕ down');
  t.is(down.colour, COLOURS.down);
  // connect-refused, or reset when the MTA closed a probe that was in flight as it stopped.
  t.regex(down.reason, /connect-refused|reset/);
  t.is((await shown(page, 'primary/mta1')).state, 'up', 'the other member stays up');
  await page.waitForSelector('#transitions li[data-member="primary/mta2"][data-to="down"]', { timeout: 10_000 });
  await page.waitForSelector('article[data-member="primary/mta2"] svg.spark rect.fail', { timeout: 10_000 });
  await page.waitForFunction("document.querySelector('table.names td.name-status')?.textContent !== 'healthy'", undefined, { timeout: 10_000 });
  t.regex(await page.locator('table.names td.name-status').first().innerText(), /^(degraded|on backup tier 1)$/);
  // The sparkline is drawn inside its box: every coordinate a number within the 200 × 36 viewBox.
  for (const member of MEMBERS) {
    const coords = await page.locator(`article[data-member="${member}"] svg.spark`).evaluate((node) =>
      [...node.querySelectorAll('polyline, rect, circle')].flatMap((shape) =>
        (shape.getAttribute('points') ?? ['x', 'cx'].map((a) => shape.getAttribute(a) ?? '').join(' ')).split(/[ ,]+/).filter((v: string) => v !== '').map(Number),
      ),
    );
    t.true(coords.length > 0, `${member} has a drawn sparkline`);
    t.true(coords.every((v) => Number.isFinite(v) && v >= -2 && v <= 202), `${member} sparkline coordinates ${JSON.stringify(coords.slice(0, 12))}`);
  }
  t.true(Number(await page.locator('body').getAttribute('data-snapshot')) > snapshotBefore);

  // An operator drains the backup member through the admin API: drained, in its own colour, listed as an override.
  const drain = await fetch(`${base}/api/members/${encodeURIComponent('backup/bk1')}/drain`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'disk replacement' }),
  });
  t.is(drain.status, 200);
  await waitForState(page, 'backup/bk1', 'drained');
  const drained = await shown(page, 'backup/bk1');
  t.is(drained.badge, '‖ drained');
  t.is(drained.colour, COLOURS.drained);
  t.regex(drained.reason, /disk replacement/);
  await page.waitForSelector('#overrides li[data-member="backup/bk1"]', { timeout: 10_000 });
  await page.waitForSelector('#audit li[data-member="backup/bk1"]', { timeout: 15_000 });

  t.is(navigations, 1, 'one navigation: the first load');
  t.is(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).__sameDocument), 'still here', 'the same document, never reloaded');
  t.deepEqual(problems, [], 'no console errors (CSP violations included)');

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: new URL('dashboard.png', ARTIFACTS).pathname, fullPage: true });

  // A freshly opened dashboard draws the probe history the server keeps, not only the newest 30.
  type Kept = { zones: { pools: { members: { id: string; recent: { series: { ok: boolean }[] } }[] }[] }[] };
  const keptOf = async () => ((await (await fetch(`${base}/status?samples=300`)).json()) as Kept).zones.flatMap((z) => z.pools.flatMap((p) => p.members)).find((m) => m.id === 'primary/mta1')!.recent.series;
  await eventually(async () => (await keptOf()).filter((x) => x.ok).length > 40, { timeoutMs: 30_000, what: 'more than 40 probes of primary/mta1 kept' });
  const fresh = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  t.teardown(() => fresh.close());
  await fresh.goto(`${base}/`);
  const line = fresh.locator('article[data-member="primary/mta1"] svg.spark polyline').first();
  await line.waitFor({ timeout: 10_000 });
  const points = await line.evaluate((node) => (node.getAttribute('points') ?? '').trim().split(/\s+/).filter(Boolean).length);
  const series = await keptOf();
  t.log(`server keeps ${series.length} probes of primary/mta1 (${series.filter((x) => x.ok).length} passing); the fresh page drew ${points}`);
  t.true(series.length > 30, 'more probes kept than the 30 a plain /status carries');
  t.true(points > 30, `${points} probes of primary/mta1 drawn on the first poll`);
});

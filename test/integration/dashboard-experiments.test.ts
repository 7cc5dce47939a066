/**
 * The dashboard's Experiments panel through the real `mxlb serve` and Debian's chromium
 * (playwright-core): a running experiment's arms with their pools, split, answers and distinct
 * clients from real DNS queries, the rates of outcomes posted as relays report them, the tests
 * and the verdict; no console errors; nothing leaves loopback. Screenshot:
 * test-artifacts/dashboard-experiments.png.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { chromium, type Browser } from 'playwright-core';
import { dig } from '../helpers/dig.ts';
import { startMxlb } from '../helpers/mxlb-process.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const TOKEN = 'exp-dash-token-0123456789';
const ORIGIN = 'abd.test';

let browser: Browser | undefined;
test.before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium), as .ci/run does`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1'] });
});
test.after.always(async () => {
  await browser?.close();
});

test('the Experiments panel shows each arm: pools, split, answers, clients, rates, the test and the verdict', async (t) => {
  t.timeout(180_000);
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-exp-dash-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, `${ORIGIN}.yaml`), [
    'ecs: true',
    'records: |',
    '  @ 300 IN SOA ns1 hostmaster 1 3600 600 86400 30',
    '  @ 300 IN NS ns1',
    'pools:',
    '  a: { members: [{ name: a1, address: 127.0.0.254, port: 1 }] }',
    '  b: { members: [{ name: b1, address: 127.0.0.253, port: 1 }] }',
    'names:',
    '  smtp:',
    '    tiers: [a]',
    '    experiment: { name: pools-ab, arms: { A: { percent: 50 }, B: { percent: 50, tiers: [b] } } }',
    '',
  ].join('\n'));
  const mxlb = await startMxlb(['--zones', dir], { env: { MXLB_ADMIN_TOKEN: TOKEN } });
  t.teardown(() => mxlb.stop());
  const base = `http://${mxlb.http.host}:${mxlb.http.port}`;
  const arms = { A: 0, B: 0 };
  for (let i = 0; i < 12; i++) {
    const reply = await dig(mxlb.dns[0]!.host, mxlb.dns[0]!.port, [`smtp.${ORIGIN}`, 'A', `+subnet=10.5.${i}.0/24`]);
    arms[reply.answer.some((f) => f[4] === '127.0.0.253') ? 'B' : 'A'] += 1;
  }
  const outcomes = [
    ...Array.from({ length: 30 }, (_, i) => ({ member: 'a/a1', status: i < 2 ? 'deferred' : 'sent', domain: 'example.org' })),
    ...Array.from({ length: 30 }, (_, i) => ({ member: 'b/b1', status: i < 12 ? 'deferred' : 'sent', domain: 'example.org' })),
  ];
  const posted = await fetch(`${base}/api/signals`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ batch: 'd-1', outcomes }) });
  t.is(posted.status, 200);

  const page = await browser!.newPage({ viewport: { width: 1400, height: 900 } });
  t.teardown(() => page.close());
  const seen: string[] = [];
  const problems: string[] = [];
  page.on('request', (r) => seen.push(r.url()));
  page.on('console', (m) => (m.type() === 'error' ? problems.push(m.text()) : undefined));
  page.on('pageerror', (e) => problems.push(String(e)));
  await page.goto(`${base}/`);
  const section = '#experiments-grid section[data-experiment="pools-ab"]';
  await page.waitForSelector(`${section} tr[data-arm="B"]`, { timeout: 30_000 });
  t.true(await page.locator('#experiments').isVisible());
  const row = async (arm: string) => (await page.locator(`${section} tr[data-arm="${arm}"]`).innerText()).split('\t').map((c) => c.trim());
  const a = await row('A');
  const b = await row('B');
  t.log(a.join(' | '));
  t.log(b.join(' | '));
  t.deepEqual(a.slice(0, 5), ['A', 'a', '50 %', String(arms.A), String(arms.A)], 'arm, pools, split, answers, distinct clients');
  t.deepEqual(b.slice(0, 6), ['B', 'b', '50 %', String(arms.B), String(arms.B), '30']);
  t.regex(b[7]!, /^40\.0 % \(\d+\.\d %–\d+\.\d %\)$/, 'deferred rate with its interval');
  const tests = await page.locator(`${section} .experiment-tests`).innerText();
  t.regex(tests, /arm B: deferrals 40\.0 % vs 6\.7 % \(arm A\), p = 0\.00\d/);
  t.regex(tests, /verdict: no winner: too few samples \(arm A: 30 < 100, arm B: 30 < 100\)/);
  t.regex(await page.locator('#experiments-summary').innerText(), /^1 running of 1$/);
  t.deepEqual([...new Set(seen.map((u) => new URL(u).origin))], [new URL(base).origin], 'every request went to mxlb on loopback');
  t.deepEqual(problems, [], 'no console errors');
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.locator('#experiments').screenshot({ path: new URL('dashboard-experiments.png', ARTIFACTS).pathname });
});

/**
 * The dashboard behind a read token, in headless Chromium (Debian's chromium via playwright-core):
 * without credentials the page is refused (401, Basic challenge: a browser asks for it); with the token given as the
 * Basic password the page loads and its own requests to /status carry it, so members render.
 */
import test from 'ava';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startMxlb } from '../helpers/mxlb-process.ts';

const CHROMIUM = '/usr/bin/chromium';
const READ = 'dashboard-read-token-0123456789';

test('the dashboard asks for the read token and works with it', async (t) => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium, as .ci/run does`);
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-dash-token-'));
  writeFileSync(join(dir, 'relay.dash.yaml'), [
    'origin: relay.dash',
    'records: |',
    '  @ 300 IN SOA ns1 hostmaster 1 3600 900 604800 60',
    '  @ 300 IN NS ns1',
    '  ns1 300 IN A 127.0.0.1',
    'pools:',
    '  primary:',
    '    members:',
    '      - { name: mta1, address: 127.0.0.71, port: 1 }',
    'names:',
    '  smtp: { tiers: primary }',
    '',
  ].join('\n'));
  const mxlb = await startMxlb(['--zones', dir, '--state-file', '', '--read-token', READ]);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.teardown(async () => {
    await browser.close();
    await mxlb.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const base = `http://${mxlb.http.host}:${mxlb.http.port}/`;

  const refused = await fetch(base, { signal: AbortSignal.timeout(5000) });
  t.is(refused.status, 401);
  t.regex(refused.headers.get('www-authenticate') ?? '', /^Basic realm="mxlb"/);

  const context = await browser.newContext({ httpCredentials: { username: 'ops', password: READ } });
  const page = await context.newPage();
  const statusRequests: number[] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname === '/status') statusRequests.push(response.status());
  });
  const loaded = await page.goto(base);
  t.is(loaded?.status(), 200);
  await page.waitForSelector('article[data-member="primary/mta1"]', { timeout: 20_000 });
  t.true(statusRequests.length > 0 && statusRequests.every((s) => s === 200), `the page's /status requests: ${statusRequests.join(', ')}`);
});

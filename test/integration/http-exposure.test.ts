// Issue 12 item 7 through the real server: the Host allowlist refuses a DNS-rebinding Host, the
// read token is required when set (healthz/readyz stay open), and what an unauthenticated client
// reads carries no absolute path, no operator host name and no Node version.
import test from 'ava';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';

const ADMIN = 'admin-token-0123456789abcdef';
const READ = 'read-token-0123456789abcdef';

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; text: string }

/** node:http, because fetch does not let a client choose the Host header. */
function get(mxlb: MxlbProcess, path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: mxlb.http.host, port: mxlb.http.port, path, method, headers, timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

function zonesDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-exposure-'));
  for (const name of ['outbound.example.org.yaml', 'outbound.example.org.zone']) copyFileSync(new URL(`../../zones/${name}`, import.meta.url), join(dir, name));
  return dir;
}

function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, MXLB_ADMIN_TOKEN: '', MXLB_READ_TOKEN: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('a rebinding Host is refused, loopback names and --http-host work, /healthz stays open', async (t) => {
  const dir = zonesDir();
  const mxlb = await startMxlb(['--zones', dir, '--state-file', '', '--http-host', 'mxlb.ops.example']);
  t.teardown(async () => {
    await mxlb.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const port = mxlb.http.port;
  const evil = await get(mxlb, '/status', { host: `rebind.attacker.example:${port}` });
  t.is(evil.status, 421);
  t.regex(evil.text, /--http-host/);
  t.is((await get(mxlb, '/api/members', { host: 'rebind.attacker.example' })).status, 421);
  t.is((await get(mxlb, '/', { host: 'rebind.attacker.example' })).status, 421, 'the dashboard too');
  for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `mxlb.ops.example:${port}`, 'LOCALHOST']) {
    t.is((await get(mxlb, '/status', { host })).status, 200, host);
  }
  t.is((await get(mxlb, '/healthz', { host: 'rebind.attacker.example' })).status, 200, '/healthz is for load balancers');
});

test('without a token, /status, /api/audit, /readyz and /metrics show no paths, host names or Node version', async (t) => {
  const dir = zonesDir();
  const stateDir = mkdtempSync(join(tmpdir(), 'mxlb-exposure-state-'));
  const mxlb = await startMxlb(['--zones', dir, '--state-file', join(stateDir, 'state.json'), '--admin-token', ADMIN]);
  t.teardown(async () => {
    await mxlb.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  });
  const drained = await get(mxlb, '/api/members/outbound%2Fa/drain', { authorization: `Bearer ${ADMIN}`, 'x-mxlb-author': 'alice@laptop.corp.example', 'content-type': 'application/json' }, 'POST', JSON.stringify({ reason: 'kernel update' }));
  t.is(drained.status, 200, drained.text);

  const status = await get(mxlb, '/status');
  t.is(status.status, 200);
  const doc = JSON.parse(status.text) as { zones: Array<{ file: string }> };
  t.is(doc.zones[0]?.file, 'outbound.example.org.yaml', 'the zone file relative to the zones folder');
  for (const reply of [status, await get(mxlb, '/api/audit'), await get(mxlb, '/readyz'), await get(mxlb, '/api/members'), await get(mxlb, '/metrics')]) {
    t.false(reply.text.includes(dir), 'no zones folder path');
    t.false(reply.text.includes(stateDir), 'no state path');
    t.false(reply.text.includes(tmpdir() + '/'), 'no absolute path');
    t.false(reply.text.includes('laptop.corp.example'), 'no operator host name');
    t.false(reply.text.includes(process.versions.node), 'no Node version');
  }
  t.regex((await get(mxlb, '/api/audit')).text, /"author": "admin \(alice\)"/);

  // With the admin token, the details are there.
  const full = await get(mxlb, '/status', { authorization: `Bearer ${ADMIN}` });
  t.true(full.text.includes(join(dir, 'outbound.example.org.yaml')));
  t.true((await get(mxlb, '/api/audit', { authorization: `Bearer ${ADMIN}` })).text.includes('alice@laptop.corp.example'));
  t.true((await get(mxlb, '/metrics', { authorization: `Bearer ${ADMIN}` })).text.includes(`node="${process.versions.node}"`));
});

test('with --read-token, reads need it (or the admin token); /healthz and /readyz stay open; the CLI sends it', async (t) => {
  const dir = zonesDir();
  const tokenFile = join(dir, '..', `read-token-${process.pid}-${Date.now()}`);
  writeFileSync(tokenFile, `# read token of the dashboard\ngrafana ${READ}\n`);
  const mxlb = await startMxlb(['--zones', dir, '--state-file', '', '--admin-token', ADMIN], { env: { MXLB_READ_TOKEN_FILE: tokenFile } });
  t.teardown(async () => {
    await mxlb.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(tokenFile, { force: true });
  });
  for (const path of ['/status', '/explain?name=relay.outbound.example.org&type=A', '/metrics', '/api/members', '/api/audit']) {
    const open = await get(mxlb, path);
    t.is(open.status, 401, path);
    t.regex(String(open.headers['www-authenticate']), /^Bearer/);
    t.is((await get(mxlb, path, { authorization: 'Bearer wrong-token-0123456789' })).status, 401, `${path} wrong token`);
    t.is((await get(mxlb, path, { authorization: `Bearer ${READ}` })).status, 200, `${path} read token`);
    t.is((await get(mxlb, path, { authorization: `Bearer ${ADMIN}` })).status, 200, `${path} admin token`);
  }
  const page = await get(mxlb, '/');
  t.is(page.status, 401);
  t.regex(String(page.headers['www-authenticate']), /^Basic realm="mxlb"/, 'the browser asks for the token');
  t.is((await get(mxlb, '/', { authorization: `Basic ${Buffer.from(`x:${READ}`).toString('base64')}` })).status, 200);
  t.is((await get(mxlb, '/status', { authorization: `Basic ${Buffer.from(`x:${READ}`).toString('base64')}` })).status, 200, 'the page\'s own requests carry it');
  t.is((await get(mxlb, '/healthz')).status, 200);
  t.not((await get(mxlb, '/readyz')).status, 401);

  const server = `http://${mxlb.http.host}:${mxlb.http.port}`;
  const without = await runCli(['status', '--server', server]);
  t.is(without.code, 1, without.stderr);
  t.regex(without.stderr, /401/);
  const withToken = await runCli(['status', '--server', server, '--token', READ]);
  t.is(withToken.code, 0, withToken.stderr);
  t.regex(withToken.stdout, /outbound\.example\.org/);
  t.is((await runCli(['status', '--server', server, '--json', '--token-file', tokenFile])).code, 0);
  t.is((await runCli(['explain', 'relay.outbound.example.org', '--server', server], { MXLB_READ_TOKEN: READ })).code, 0);
  t.is((await runCli(['explain', 'relay.outbound.example.org', '--server', server], { MXLB_ADMIN_TOKEN: ADMIN })).code, 0, 'an admin token grants reads');
});

test('SIGHUP re-reads the read token file: the rotated-out token is refused, the new one works, a broken file keeps the previous one', async (t) => {
  const dir = zonesDir();
  const tokenFile = join(dir, '..', `read-token-rotate-${process.pid}-${Date.now()}`);
  writeFileSync(tokenFile, `grafana ${READ}\n`);
  const mxlb = await startMxlb(['--zones', dir, '--state-file', '', '--read-token-file', tokenFile]);
  t.teardown(async () => {
    await mxlb.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(tokenFile, { force: true });
  });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  t.is((await get(mxlb, '/status', bearer(READ))).status, 200);
  const ROTATED = 'read-rotated-0123456789abcdef';
  writeFileSync(tokenFile, `grafana ${ROTATED}\n`);
  mxlb.child.kill('SIGHUP');
  await mxlb.waitForLog((line) => line.msg === 'read tokens reloaded' && line.tokens === 1, 20_000);
  t.is((await get(mxlb, '/status', bearer(READ))).status, 401, 'the rotated-out token is refused');
  t.is((await get(mxlb, '/status', bearer(ROTATED))).status, 200, 'the new token works');

  writeFileSync(tokenFile, `grafana ${ROTATED}\nbroken short\n`);
  mxlb.child.kill('SIGHUP');
  const failed = await mxlb.waitForLog((line) => line.msg === 'read token file not reloaded: previous tokens stay in force', 20_000);
  t.regex(String(failed.reason), /:2/);
  t.is((await get(mxlb, '/status', bearer(ROTATED))).status, 200, 'the previous token stays in force');
  t.is((await get(mxlb, '/status')).status, 401, 'reads do not open');
});

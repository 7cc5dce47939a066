/**
 * Shared set-up of the admin API tests: real SMTP servers (test/helpers/mta.ts) on distinct
 * loopback addresses, a balanced YAML zone over them in a temporary folder, the real `mxlb serve`
 * (test/helpers/mxlb-process.ts), the real CLI as a child process, and `dig` for the answers.
 * Everything started here is stopped in the test's teardown.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import { dig } from '../helpers/dig.ts';
import { startMta, type Mta } from '../helpers/mta.ts';
import { BIN, startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

export const TOKEN = 'ops-token-0123456789abcdef';
export const OTHER_TOKEN = 'ci-token-fedcba9876543210';
export const ORIGIN = 'relay.test';

export interface AdminSetup {
  dir: string;
  zonesDir: string;
  stateFile: string;
  tokenFile: string;
  mtas: Mta[];
}

/** Three MTAs on 127.0.0.<base+1..3>, a zone naming them primary/mta1..3, a token file, a state file path. */
export async function setUp(t: ExecutionContext, base: number): Promise<AdminSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-admin-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const mtas: Mta[] = [];
  t.teardown(() => Promise.all(mtas.map((m) => m.stop())));
  for (let i = 1; i <= 3; i++) mtas.push(await startMta({ host: `127.0.0.${base + i}` }));
  const zonesDir = join(dir, 'zones');
  mkdirSync(zonesDir);
  writeFileSync(join(zonesDir, `${ORIGIN}.yaml`), zoneYaml(mtas));
  const tokenFile = join(dir, 'tokens');
  writeFileSync(tokenFile, `# holder token\nops ${TOKEN}\nci ${OTHER_TOKEN}\n`, { mode: 0o600 });
  return { dir, zonesDir, stateFile: join(dir, 'state.json'), tokenFile, mtas };
}

/** A balanced zone: `smtp` answers from pool primary with a 2 s TTL; probes every 300 ms, slow to fall. */
export function zoneYaml(mtas: readonly Mta[]): string {
  return [
    'records: |',
    '  @ 300 IN SOA ns1 hostmaster 1 3600 900 604800 60',
    '  @ 300 IN NS ns1',
    '  ns1 300 IN A 127.0.0.1',
    'probe:',
    '  interval: 300ms',
    '  recheck: 100ms',
    '  rise: 1',
    // A loaded machine must not flap members: only a real failure should take one down here.
    '  fall: 3',
    '  timeouts: { connect: 5s, banner: 5s, ehlo: 5s }',
    'pools:',
    '  primary:',
    '    members:',
    ...mtas.map((m, i) => `      - { name: mta${i + 1}, address: ${m.host}, port: ${m.port} }`),
    'names:',
    '  smtp:',
    '    tiers: [[primary]]',
    '    ttl: 2',
    'mx:',
    "  '@': { from: smtp }",
    '',
  ].join('\n');
}

/** `mxlb serve` over the set-up's zones and state file; `tokens: false` starts it without admin tokens. */
export async function serve(t: ExecutionContext, setup: AdminSetup, options: { tokens?: boolean } = {}): Promise<MxlbProcess> {
  const args = ['--zones', setup.zonesDir, '--state-file', setup.stateFile];
  if (options.tokens !== false) args.push('--admin-token-file', setup.tokenFile);
  // Generous start-up deadline: the machine is shared with other suites and may be heavily loaded.
  const mxlb = await startMxlb(args, { env: { MXLB_ADMIN_TOKEN: '', MXLB_ADMIN_TOKEN_FILE: '' }, timeoutMs: 60_000 });
  t.teardown(() => mxlb.stop());
  return mxlb;
}

export function serverUrl(mxlb: MxlbProcess): string {
  return `http://${mxlb.http.host}:${mxlb.http.port}`;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the real CLI (`node bin/mxlb.js …`) with a clean MXLB_* environment plus `env`. */
export function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('MXLB_')) clean[key] = value;
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...clean, USER: 'alice', ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      // A CLI killed by the deadline shows as -1 with the signal, not as a silent wrong code.
      const note = error && code === -1 ? `\n[cli ${args.join(' ')}: ${error.signal ?? error.message}]` : '';
      resolve({ code, stdout, stderr: stderr + note, ms: Date.now() - started });
    });
  });
}

/** The CLI pointed at `mxlb` with the ops token in the environment, as an operator would set it up. */
export function opsCli(mxlb: MxlbProcess): (args: string[], env?: Record<string, string>) => Promise<CliRun> {
  return (args, env = {}) => cli(args, { MXLB_SERVER: serverUrl(mxlb), MXLB_ADMIN_TOKEN: TOKEN, ...env });
}

/** The addresses `smtp.relay.test A` answers right now, sorted. */
export async function answers(mxlb: MxlbProcess): Promise<string[]> {
  const { host, port } = mxlb.dns[0]!;
  const reply = await dig(host, port, [`smtp.${ORIGIN}`, 'A']);
  return reply.answer.filter((f) => f[3] === 'A').map((f) => f[4]!).sort();
}

/** The MX exchanges `relay.test MX` answers right now, sorted. */
export async function mxHosts(mxlb: MxlbProcess): Promise<string[]> {
  const { host, port } = mxlb.dns[0]!;
  const reply = await dig(host, port, [ORIGIN, 'MX']);
  return reply.answer.filter((f) => f[3] === 'MX').map((f) => f[5]!).sort();
}

export interface ApiMember {
  id: string;
  state: string;
  observed: string;
  weight: number;
  override?: { kind: string; reason: string; author: string; expiresAt?: number };
  weightOverride?: { weight: number };
}

export async function apiMembers(mxlb: MxlbProcess): Promise<ApiMember[]> {
  // With the token, as an operator reads it: unauthenticated reads hide authors' host names (docs/security.md).
  const response = await fetch(`${serverUrl(mxlb)}/api/members`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return ((await response.json()) as { members: ApiMember[] }).members;
}

/** How long to wait for a log line: the server logs at once, but a loaded machine delays everything. */
export const LOG_WAIT_MS = 30_000;

/** Waits until every member's probes say up (rise 1, interval 300 ms: well under a second when idle). */
export async function allUp(mxlb: MxlbProcess): Promise<void> {
  await eventually(async () => (await apiMembers(mxlb)).every((m) => m.observed === 'up'), { timeoutMs: 30_000, what: 'all members up' });
}

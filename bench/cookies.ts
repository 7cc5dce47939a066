/**
 * `npm run bench:cookies`: what DNS cookies (src/dns/cookies.ts) cost per query.
 *
 * 1. In process: the Answerer's cache-hit path for one name, µs per query, for a query without a
 *    COOKIE option, with a client cookie only (one SipHash-2-4: a fresh server cookie), with a
 *    valid server cookie under half an hour old (one SipHash to check it, handed back as it came),
 *    and with a valid one older than that (two: check, then a fresh one). Rounds alternate the
 *    cases; medians.
 * 2. `--e2e`: the real `mxlb serve --workers 1` pinned to core 1, dnsperf pinned to core 0 sending
 *    the same three kinds of query (`-E 10:<hex>`), rounds alternating; median q/s and server CPU
 *    µs per answered query (utime+stime of the whole process).
 *
 *   npm run bench:cookies -- [--rounds 5] [--queries 200000] [--e2e] [--seconds 5]
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Answerer, type Resolver } from '../src/dns/answer.ts';
import { ServerCookies } from '../src/dns/cookies.ts';
import { silentLogger } from '../src/log.ts';
import type { Snapshot } from '../src/snapshot.ts';
import { buildQuery } from '../test/helpers/dns-client.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const ROUNDS = Number(flag('rounds', '5'));
const QUERIES = Number(flag('queries', '200000'));
const SECONDS = Number(flag('seconds', '5'));
const SECRET = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const CLIENT = '0123456789abcdef';
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The COOKIE option data a client holds: its own 8 octets, and our server cookie made `ageSeconds` ago for `address`. */
function heldCookie(address: string, ageSeconds: number): string {
  const maker = new ServerCookies({ secrets: [SECRET] }, () => Date.now() - ageSeconds * 1000);
  maker.check(Buffer.from(CLIENT, 'hex'), address);
  return Buffer.from(maker.reply).toString('hex');
}

const CASES: Record<string, string | undefined> = {
  'no cookie': undefined,
  'client cookie only': CLIENT,
  'valid cookie (< 30 min, echoed)': heldCookie('192.0.2.1', 60),
  'valid cookie (> 30 min, renewed)': heldCookie('192.0.2.1', 2400),
};

function inProcess(): void {
  const resolver: Resolver = (question) => ({
    rcode: 0,
    aa: true,
    answer: [1, 2, 3].map((i) => ({ owner: question.name.toLowerCase(), type: 1, ttl: 30, rdata: { type: 1, address: `192.0.2.${i}` } })),
    authority: [],
    additional: [],
    variants: 1,
  });
  const snapshot: Snapshot = { version: 1, zones: { zones: new Map() }, members: new Map() };
  const answerer = new Answerer({ getSnapshot: () => snapshot, resolve: resolver, logger: silentLogger, cookies: new ServerCookies({ secrets: [SECRET] }) });
  const queries = Object.fromEntries(
    Object.entries(CASES).map(([name, cookie]) => {
      const options = cookie ? Buffer.concat([Buffer.from([0, 10, 0, cookie.length / 2]), Buffer.from(cookie, 'hex')]) : undefined;
      return [name, buildQuery({ name: 'smtp.relay.example', edns: options ? { payload: 1232, options } : { payload: 1232 } })];
    }),
  );
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(CASES).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? Object.keys(CASES) : Object.keys(CASES).reverse();
    for (const name of order) {
      const query = queries[name]!;
      for (let i = 0; i < 20_000; i++) answerer.answer(query, 'udp', '192.0.2.1');
      const began = process.hrtime.bigint();
      for (let i = 0; i < QUERIES; i++) answerer.answer(query, 'udp', '192.0.2.1');
      samples[name]!.push(Number(process.hrtime.bigint() - began) / 1000 / QUERIES);
    }
  }
  const base = median(samples['no cookie']!);
  console.log(`in process, Answerer cache hit, ${ROUNDS} rounds × ${QUERIES} queries (median µs/query, extra over no cookie):`);
  for (const name of Object.keys(CASES)) {
    const value = median(samples[name]!);
    console.log(`  ${name.padEnd(34)} ${value.toFixed(3)} µs  ${name === 'no cookie' ? '' : `+${(value - base).toFixed(3)} µs (${((value / base - 1) * 100).toFixed(0)} %)`}`);
  }
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function endToEnd(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'mxlb-bench-cookies-'));
  const secretFile = join(work, 'secret');
  writeFileSync(secretFile, `${SECRET}\n`, { mode: 0o600 });
  const zones = join(work, 'zones');
  execFileSync('mkdir', [zones]);
  writeFileSync(join(zones, 'relay.example.zone'), '$ORIGIN relay.example.\n@ 300 IN SOA ns1 h 1 3600 900 604800 60\n@ 300 IN NS ns1\nns1 300 IN A 127.0.0.1\nsmtp 300 IN A 192.0.2.1\nsmtp 300 IN A 192.0.2.2\nsmtp 300 IN A 192.0.2.3\n');
  writeFileSync(join(work, 'queries'), 'smtp.relay.example A\n');
  const child = spawn('taskset', ['-c', '1', process.execPath, 'bin/mxlb.js', 'serve', '--zones', zones, '--dns', '127.0.0.1:0', '--http', '127.0.0.1:0', '--state-file', '', '--workers', '1', '--cookie-secret-file', secretFile, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((done, fail) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const match = /"dns":\["127\.0\.0\.1:(\d+)"\]/.exec(line);
        if (match) done(Number(match[1]));
      });
      child.once('exit', (code) => fail(new Error(`mxlb exited with ${code}`)));
    });
    execFileSync('taskset', ['-a', '-p', '-c', '1', String(child.pid)], { stdio: 'ignore' });
    const e2eCases: Record<string, string[]> = {
      'no cookie': ['-e'],
      'client cookie only': ['-E', `10:${CLIENT}`],
      'valid cookie (< 30 min, echoed)': ['-E', `10:${heldCookie('127.0.0.1', 60)}`],
    };
    const samples: Record<string, { qps: number[]; cpu: number[] }> = Object.fromEntries(Object.keys(e2eCases).map((name) => [name, { qps: [], cpu: [] }]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? Object.keys(e2eCases) : Object.keys(e2eCases).reverse();
      for (const name of order) {
        const before = cpuTicks(child.pid!);
        const out = execFileSync('taskset', ['-c', '0', 'dnsperf', '-s', '127.0.0.1', '-p', String(port), '-d', join(work, 'queries'), '-l', String(SECONDS), '-c', '1', '-T', '1', ...e2eCases[name]!], { encoding: 'utf8', timeout: (SECONDS + 20) * 1000 });
        const completed = Number(/Queries completed:\s+(\d+)/.exec(out)?.[1]);
        samples[name]!.qps.push(Number(/Queries per second:\s+([\d.]+)/.exec(out)?.[1]));
        samples[name]!.cpu.push((((cpuTicks(child.pid!) - before) / CLK_TCK) * 1e6) / completed);
      }
    }
    console.log(`end to end, mxlb serve --workers 1 on core 1, dnsperf on core 0, ${ROUNDS} rounds × ${SECONDS} s (medians):`);
    const base = median(samples['no cookie']!.cpu);
    for (const name of Object.keys(e2eCases)) {
      const cpu = median(samples[name]!.cpu);
      console.log(`  ${name.padEnd(34)} ${median(samples[name]!.qps).toFixed(0).padStart(7)} q/s  ${cpu.toFixed(2)} µs CPU/query  ${name === 'no cookie' ? '' : `(${((cpu / base - 1) * 100).toFixed(0)} %)`}`);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((done) => child.once('exit', done));
    rmSync(work, { recursive: true, force: true });
  }
}

inProcess();
if (args.includes('--e2e')) await endToEnd();

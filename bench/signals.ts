/**
 * Signals throughput (issue 11, "Show it"): Postfix lines parsed per second, the follower's peak
 * RSS reading a 1,000,000-line log with --once into a loopback stub that acknowledges every batch,
 * and outcomes per second through batch validation and the outcome store (the work behind
 * POST /api/signals, without HTTP). Targets: ≥ 200,000 lines/s, RSS ≤ 100 MB.
 *
 *   node --import=tsx bench/signals.ts [--lines 1000000]
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OutcomeStore, parsePostfixLine, validateBatch } from '../src/signals/index.ts';

const args = process.argv.slice(2);
const at = args.indexOf('--lines');
const LINES = at >= 0 ? Number(args[at + 1]) : 1_000_000;
// --compiled runs the follower from dist/ (after `npm run build`), as an installed package does;
// without it bin/mxlb.js decides (TypeScript through tsx in a checkout that is not built).
const BIN = process.argv.includes('--compiled')
  ? fileURLToPath(new URL('../dist/cli/main.js', import.meta.url))
  : fileURLToPath(new URL('../bin/mxlb.js', import.meta.url));

function line(i: number, stamp: string): string {
  const status = i % 10 === 0 ? 'deferred' : i % 17 === 0 ? 'bounced' : 'sent';
  const dsn = status === 'sent' ? '2.0.0' : status === 'deferred' ? '4.7.28' : '5.1.1';
  const noise = i % 3 === 0 ? `${stamp} mx1 postfix/smtpd[100]: A${i.toString(16)}: client=localhost[127.0.0.1]\n` : '';
  return `${noise}${stamp} mx1 postfix/smtp[13733]: A${i.toString(16).toUpperCase()}: to=<u${i}@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.1.26]:25, delay=0.06, delays=0.01/0.01/0.04/0, dsn=${dsn}, status=${status} (250 2.0.0 OK 1701886365 x)\n`;
}

const dir = mkdtempSync(join(tmpdir(), 'mxlb-bench-signals-'));
try {
  const log = join(dir, 'maillog');
  const out = createWriteStream(log);
  const stamp = new Date().toISOString().replace('Z', '+00:00');
  let written = 0;
  for (let i = 0; written < LINES; i++) {
    const text = line(i, stamp);
    written += text.split('\n').length - 1;
    if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  const lines = readFileSync(log, 'utf8').split('\n');

  // 1. Parser
  const now = Date.now();
  let parsed = 0;
  const t0 = performance.now();
  for (const l of lines) if (parsePostfixLine(l, { now })) parsed++;
  const parseSeconds = (performance.now() - t0) / 1000;
  console.log(`parse: ${lines.length} lines (${parsed} outcomes) in ${parseSeconds.toFixed(2)} s = ${Math.round(lines.length / parseSeconds).toLocaleString('en')} lines/s`);

  // 2. Validation + outcome store, 1000 outcomes a batch
  const store = new OutcomeStore({ now: Date.now });
  const batch = Array.from({ length: 1000 }, (_, i) => ({ member: 'primary/mta1', status: i % 10 ? 'sent' : 'deferred', domain: 'gmail.com', dsn: '2.0.0', reply: '250 ok', delay: 0.1, at: now }));
  const t1 = performance.now();
  let accepted = 0;
  for (let i = 0; i < 300; i++) {
    const result = validateBatch({ batch: `b${i}`, outcomes: batch }, { now, isMember: () => true });
    if (result.ok) {
      store.record(result.outcomes);
      accepted += result.outcomes.length;
    }
  }
  const apiSeconds = (performance.now() - t1) / 1000;
  console.log(`api (validate + store, no HTTP): ${Math.round(accepted / apiSeconds).toLocaleString('en')} outcomes/s`);

  // 3. The follower process over the whole log, into a stub that acknowledges.
  let received = 0;
  const stub = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const parsedBody = JSON.parse(body) as { batch: string; outcomes: unknown[] };
      received += parsedBody.outcomes.length;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ batch: parsedBody.batch, accepted: parsedBody.outcomes.length, duplicate: false }));
    });
  });
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
  const port = (stub.address() as { port: number }).port;
  const t2 = performance.now();
  // FOLLOWER_NODE_FLAGS: V8 flags for the follower alone (e.g. the heap limits docs/reputation.md suggests).
  const child = spawn(process.execPath, [...(process.env.FOLLOWER_NODE_FLAGS ?? '').split(' ').filter(Boolean), BIN, 'signals', 'follow', 'postfix', '--log', log, '--member', 'primary/mta1', '--server', `http://127.0.0.1:${port}`, '--token', 'bench-token', '--once'], { stdio: 'ignore' });
  let peakKb = 0;
  const sampler = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKb = Math.max(peakKb, Number(m[1]));
    } catch {
      // exited
    }
  }, 50);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  clearInterval(sampler);
  stub.close();
  const followSeconds = (performance.now() - t2) / 1000;
  console.log(`follower --once: exit ${code}, ${received} outcomes in ${followSeconds.toFixed(1)} s = ${Math.round(lines.length / followSeconds).toLocaleString('en')} lines/s, peak RSS ${(peakKb / 1024).toFixed(0)} MB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

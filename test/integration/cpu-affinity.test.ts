/**
 * `serve --answer-cpus` through the real `mxlb serve` (issue 12: DNS never waits for the control
 * plane): the answering thread runs only on the answering CPUs and every other thread of the
 * process only on the control CPUs, read back from the kernel (/proc/PID/task/TID/status); a
 * worker killed by an uncaught error (the test-only MXLB_TEST_CRASH_QNAME) is pinned again when it
 * restarts (a new thread inherits its creator's, the control plane's, CPUs); bad lists are usage
 * errors that stop the start (exit 2) with a message naming the flag.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DnsWorkersStatus } from '../../src/dns/index.ts';
import { buildQuery, replyHeader, udpExchange } from '../helpers/dns-client.ts';
import { startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

const EXAMPLES = new URL('../../zones/', import.meta.url);
const BIN = fileURLToPath(new URL('../../bin/mxlb.js', import.meta.url));
const CRASH = 'ns1.relay.example.com';

/** The CPUs this test may use; the answering CPU is the last, the control CPU the first. */
const allowed = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]!;
const firstCpu = Number(/^\d+/.exec(allowed)![0]);
const lastCpu = Number(/(\d+)$/.exec(allowed)![1]);

function zonesDir(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-affinity-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(new URL('relay.example.com.zone', EXAMPLES), join(dir, 'relay.example.com.zone'));
  return dir;
}

/** Each thread of `pid` → its CPU list as the kernel reports it. */
function threadCpus(pid: number): Map<number, string> {
  const cpus = new Map<number, string>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      cpus.set(Number(tid), /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'))![1]!);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return cpus;
}

async function answered(mxlb: MxlbProcess): Promise<boolean> {
  const reply = await udpExchange(mxlb.dns[0]!.host, mxlb.dns[0]!.port, buildQuery({ id: 9, name: 'smtp.relay.example.com' }), 1000);
  return reply !== null && replyHeader(reply).rcode === 0 && replyHeader(reply).ancount > 0;
}

async function dnsWorkers(mxlb: MxlbProcess): Promise<DnsWorkersStatus> {
  return ((await (await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/status`)).json()) as { dnsWorkers: DnsWorkersStatus }).dnsWorkers;
}

test.serial('--answer-cpus pins the answering thread and the rest apart, and pins a restarted worker again', async (t) => {
  const answering = String(lastCpu);
  const control = String(firstCpu);
  const mxlb = await startMxlb(['--zones', zonesDir(t), '--state-file', '', '--workers', '1', '--answer-cpus', answering, '--control-cpus', control], { env: { MXLB_TEST_CRASH_QNAME: CRASH } });
  t.teardown(() => mxlb.stop());
  const pid = mxlb.child.pid!;
  const pinned = await mxlb.waitForLog((line) => line.msg === 'threads pinned to CPUs');
  t.like(pinned, { answeringCpus: answering, controlCpus: control });
  t.true(await answered(mxlb));
  const before = threadCpus(pid);
  t.log(`${before.size} threads: ${JSON.stringify([...before])}`);
  const onAnswering = [...before].filter(([, cpus]) => cpus === answering);
  if (answering !== control) {
    t.is(onAnswering.length, 1, 'exactly the one answering thread on the answering CPU');
    t.true([...before].every(([tid, cpus]) => cpus === control || tid === onAnswering[0]![0]), 'every other thread on the control CPU');
  } else t.log(`one CPU (${allowed}): both lists are ${answering}, the split is not observable here`);
  t.deepEqual((await dnsWorkers(mxlb)).cpus, { answering, control });

  // The crash query gets no reply; the thread dies and a new one starts, created by the control plane.
  await udpExchange(mxlb.dns[0]!.host, mxlb.dns[0]!.port, buildQuery({ name: CRASH }), 100);
  await mxlb.waitForLog((line) => line.msg === 'answering worker restarted', 15_000);
  const repinned = await mxlb.waitForLog((line) => line.msg === 'restarted answering thread pinned to its CPUs', 10_000);
  t.is(repinned.cpus, answering);
  t.true(await eventually(() => answered(mxlb), { timeoutMs: 10_000, what: 'answers from the restarted worker' }));
  const after = threadCpus(pid);
  const newTid = Number(repinned.tid);
  t.false(before.has(newTid), 'the restarted worker is a new thread');
  t.is(after.get(newTid), answering);
  if (answering !== control) t.is([...after].filter(([, cpus]) => cpus === answering).length, 1, 'still exactly one thread on the answering CPU');
});

/** `mxlb serve …` to its exit: code and stderr (bounded: killed after 20 s). */
function serveExit(args: string[], dir: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'serve', '--zones', dir, '--dns', '127.0.0.1:0', '--http', '127.0.0.1:0', '--state-file', '', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MXLB_WORKERS: '1' } });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

test.serial('bad CPU lists stop the start with exit 2 and a message naming the flag', async (t) => {
  const dir = zonesDir(t);
  const cases: Array<[string[], RegExp]> = [
    [['--answer-cpus', 'one'], /--answer-cpus expects a CPU list such as 1, 2-3 or 0,2/],
    [['--answer-cpus', '3-1'], /--answer-cpus expects a CPU list/],
    [['--control-cpus', '0'], /--control-cpus needs --answer-cpus/],
    [['--answer-cpus', '1000'], new RegExp(`--answer-cpus 1000: this process may only use CPUs ${allowed}`)],
    [['--answer-cpus', allowed], /leaves no CPU for the control plane/],
  ];
  for (const [args, message] of cases) {
    const run = await serveExit(args, dir);
    t.is(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    t.regex(run.stderr, message, args.join(' '));
  }
});

test.serial('more workers than answering CPUs is said at warn; each worker thread is on the answering CPUs', async (t) => {
  const answering = String(lastCpu);
  const mxlb = await startMxlb(['--zones', zonesDir(t), '--state-file', '', '--workers', '2', '--answer-cpus', answering, '--control-cpus', String(firstCpu)]);
  t.teardown(() => mxlb.stop());
  const pinned = await mxlb.waitForLog((line) => line.msg === 'threads pinned to CPUs');
  const started = (await dnsWorkers(mxlb)).started;
  t.is((pinned.threads as { answering: number }).answering, started);
  const warned = mxlb.logs.some((line) => line.level === 40 && String(line.msg).startsWith('more answering workers than answering CPUs'));
  // Node 20 starts one worker whatever --workers says (no SO_REUSEPORT): then one CPU is enough.
  t.is(warned, started > 1, `${started} worker(s) on CPU ${answering}`);
  if (firstCpu !== lastCpu) t.is([...threadCpus(mxlb.child.pid!)].filter(([, cpus]) => cpus === answering).length, started);
});

/**
 * `mxlb status` and `mxlb explain` through bin/mxlb.js against the real server and real MTAs:
 * readable tables, --json that parses into the server's document, and the documented exit codes
 * (0 ok, 1 the server answered with an error, 2 usage, 3 server unreachable).
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExplainDocument } from '../../src/http/explain-model.ts';
import type { StatusDocument } from '../../src/http/status-model.ts';
import { startFlow, waitReady, type Flow } from '../helpers/flow-mxlb.ts';
import { BIN } from '../helpers/mxlb-process.ts';
import { startMta } from '../helpers/mta.ts';
import { eventually } from '../helpers/poll.ts';

const ORIGIN = 'cli.test';
const PROBE = { interval: '300ms', recheck: '100ms', rise: 2, fall: 2, timeouts: { connect: '800ms', banner: '2s', ehlo: '2s', quit: '200ms' } };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node bin/mxlb.js ...args`, asynchronously (the MTAs live in this process), with a deadline. */
function mxlb(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000, env: { ...process.env, NO_COLOR: '1', MXLB_SERVER: '' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let shared: Promise<{ flow: Flow; url: string }> | undefined;
/** Teardown of the shared server and MTAs, newest first. */
const cleanups: Array<() => unknown> = [];
test.after.always(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** One server with three MTAs (one stopped, so it shows down) for the tests of this file. */
function server(): Promise<{ flow: Flow; url: string }> {
  shared ??= (async () => {
    const mtas = await Promise.all([1, 2, 3].map((i) => startMta({ host: `127.0.67.${i}` })));
    cleanups.push(() => Promise.all(mtas.map((m) => m.stop())));
    const flow = await startFlow({ teardown: (fn) => void cleanups.push(fn) }, {
      origin: ORIGIN,
      probe: PROBE,
      pools: { primary: { members: mtas.map((m, i) => ({ name: `mta${i + 1}`, address: m.host, port: m.port })) } },
      names: { smtp: { tiers: [['primary']] } },
      mx: { '@': 'smtp' },
    });
    await waitReady(flow.mxlb);
    await mtas[2]!.stop();
    const url = `http://${flow.mxlb.http.host}:${flow.mxlb.http.port}`;
    await eventually(async () => {
      const doc = (await (await fetch(`${url}/status`)).json()) as StatusDocument;
      return doc.totals.byState.down === 1 && doc.totals.byState.up === 2;
    }, { timeoutMs: 15_000, what: 'mta3 down, the others up' });
    return { flow, url };
  })();
  return shared;
}

test('mxlb status: a table per zone, name and pool, every member with its state; exit 0', async (t) => {
  const { url } = await server();
  const run = await mxlb(['status', '--server', url]);
  t.is(run.code, 0, run.stderr);
  t.is(run.stderr, '');
  t.regex(run.stdout, /^mxlb \d+\.\d+\.\d+ at http:\/\/127\.0\.0\.1:\d+: up /);
  t.regex(run.stdout, /1 zone\(s\), 1 balanced name\(s\), 3 member\(s\): 2 up, 1 down\n\d+ balanced answer\(s\) in the last 60 s\n/);
  t.regex(run.stdout, /zone cli\.test {2}\(.*cli\.test\.yaml, serial 1\)/);
  t.regex(run.stdout, /name smtp\.cli\.test {2}round-robin, max 8/);
  t.regex(run.stdout, /tier 0 \[primary\] {2}2\/3 healthy, min 1 {2}serving/);
  t.regex(run.stdout, /primary\/mta1 +127\.0\.67\.1:\d+ +up +\S+ +100 +[\d.]+ ms ok/);
  t.regex(run.stdout, /primary\/mta3 +127\.0\.67\.3:\d+ +down +\S+ +100 +[\d.]+ ms connect-refused +-\n +↳ connect ECONNREFUSED 127\.0\.67\.3:\d+/);
  t.regex(run.stdout, /recent transitions \(newest first\):\n {2}\S+ \S+ {2}primary\/mta3 {2}up → down/);
  t.true(run.stdout.split('\n').every((line) => line.length <= 100), 'fits 100 columns');
  t.false(run.stdout.includes('\u001b['), 'no colour when not on a terminal');
});

test('mxlb status --json prints the /status document', async (t) => {
  const { url } = await server();
  const run = await mxlb(['status', '--json', '--server', url]);
  t.is(run.code, 0, run.stderr);
  const doc = JSON.parse(run.stdout) as StatusDocument;
  t.deepEqual(doc.zones[0]!.pools[0]!.members.map((m) => [m.id, m.effective]), [['primary/mta1', 'up'], ['primary/mta2', 'up'], ['primary/mta3', 'down']]);
});

test('mxlb explain NAME [TYPE] --client: the text trace; --json the /explain document', async (t) => {
  const { url } = await server();
  const text = await mxlb(['explain', `smtp.${ORIGIN}`, '--client', '127.0.0.9', '--server', url]);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, /^query {4}smtp\.cli\.test\. A from 127\.0\.0\.9\n/);
  t.regex(text.stdout, /result {3}NOERROR aa: balanced answer/);
  t.regex(text.stdout, /primary\/mta1 127\.0\.67\.1 up w=100: selected #\d — usable/);
  t.regex(text.stdout, /primary\/mta3 127\.0\.67\.3 down w=100: excluded — down: connect-refused/);
  t.regex(text.stdout, /ring {5}2 rotations, sent in turn:/);

  const json = await mxlb(['explain', ORIGIN, 'mx', '--json', '--server', url]);
  t.is(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout) as ExplainDocument;
  t.like(doc, { query: { name: `${ORIGIN}.`, type: 'MX', client: null }, kind: 'balanced', rcode: 'NOERROR' });
  t.deepEqual(doc.answer.map((r) => r.data).sort(), [`10 mta1.${ORIGIN}.`, `10 mta2.${ORIGIN}.`]);

  const refused = await mxlb(['explain', 'www.example.org', '--server', url]);
  t.is(refused.code, 0, 'a REFUSED answer explained is still a successful explain');
  t.regex(refused.stdout, /result {3}REFUSED: www\.example\.org\. is in no zone served here/);
});

test('usage errors exit 2 before anything is sent', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['explain'], /Not enough non-option arguments/],
    [['explain', 'smtp.cli.test', 'BOGUS'], /unknown TYPE "BOGUS"/],
    [['explain', 'smtp.cli.test', '--client', 'nope'], /--client: client "nope" is not an IP address/],
    [['explain', 'a..b'], /NAME: name has an empty label/],
    [['status', '--server', 'not a url'], /--server "not a url" is not a URL/],
    [['status', '--bogus'], /Unknown argument: bogus/],
  ];
  for (const [args, message] of cases) {
    const run = await mxlb(args);
    t.is(run.code, 2, args.join(' '));
    t.regex(run.stderr, message, args.join(' '));
    t.is(run.stdout, '');
  }
});

/** A loopback port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

test('server unreachable: exit 3 with what to check', async (t) => {
  const port = await closedPort();
  for (const args of [['status'], ['explain', 'smtp.cli.test']]) {
    const run = await mxlb([...args, '--server', `http://127.0.0.1:${port}`]);
    t.is(run.code, 3, args.join(' '));
    t.regex(run.stderr, new RegExp(`cannot reach mxlb at http://127\\.0\\.0\\.1:${port}: connection refused`));
  }
});

test('the server answers with an error (500, or not mxlb at all): exit 1', async (t) => {
  let reply = { status: 500, body: '{"error":"internal error"}' };
  const fake: Server = createServer((_request, response) => {
    response.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
  });
  await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => fake.close(() => resolve())));
  const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
  const failed = await mxlb(['status', '--server', url]);
  t.is(failed.code, 1);
  t.regex(failed.stderr, /the server answered 500: internal error/);
  reply = { status: 404, body: '<html>not found</html>' };
  const notMxlb = await mxlb(['explain', 'smtp.cli.test', '--server', url]);
  t.is(notMxlb.code, 1);
  t.regex(notMxlb.stderr, /not JSON: is --server an mxlb HTTP listener\?/);
});

test('--help of both commands names the exit codes', async (t) => {
  for (const command of ['status', 'explain']) {
    const run = await mxlb([command, '--help']);
    t.is(run.code, 0);
    t.regex(run.stdout, /Exit codes: 0 ok, 1 the server answered with an error, 2 usage error, 3 server unreachable\./);
    t.regex(run.stdout, /--server/);
    t.regex(run.stdout, /--json/);
  }
});

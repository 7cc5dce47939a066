import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { MxlbError } from '../../src/errors.ts';
import { parseHostPort, runProbeCommand, type ProbeArgs } from '../../src/cli/probe.ts';
import type { ProbeResult } from '../../src/probe/index.ts';
import { fixtureCert } from '../helpers/certs.ts';
import { startMta, startScriptedMta } from '../helpers/mta.ts';

// `mxlb probe` through its exported function, against real MTAs on loopback.

function collector(): { write(text: string): void; text: () => string } {
  let buffer = '';
  return { write: (text) => void (buffer += text), text: () => buffer };
}

function args(target: string, extra: Partial<ProbeArgs> = {}): ProbeArgs {
  return { target, starttls: 'off', timeout: 3000, json: false, ehlo: 'probe.mxlb.test', ...extra };
}

test('HOST[:PORT] parsing: names, IPv4, bracketed and bare IPv6, default port 25', (t) => {
  t.deepEqual(parseHostPort('mx1.example.com'), { host: 'mx1.example.com', port: 25 });
  t.deepEqual(parseHostPort('mx1.example.com:587'), { host: 'mx1.example.com', port: 587 });
  t.deepEqual(parseHostPort('127.0.0.5:2525'), { host: '127.0.0.5', port: 2525 });
  t.deepEqual(parseHostPort('[::1]:2525'), { host: '::1', port: 2525 });
  t.deepEqual(parseHostPort('[2001:db8::25]'), { host: '2001:db8::25', port: 25 });
  t.deepEqual(parseHostPort('2001:db8::25'), { host: '2001:db8::25', port: 25 });
});

test('bad HOST[:PORT] is a usage error that says what is wrong', (t) => {
  const cases: Array<[string, RegExp]> = [
    ['mx:0', /port must be 1-65535/],
    ['mx:65536', /port must be 1-65535/],
    ['mx:25x', /port must be 1-65535/],
    ['[mx.example.com]:25', /only an IPv6 address goes in brackets/],
    ['::1:zz:2525', /IPv6 address in brackets/],
    ['', /not a host name/],
    ['bad_host!:25', /not a host name/],
  ];
  for (const [input, message] of cases) {
    const error = t.throws(() => parseHostPort(input), { instanceOf: MxlbError }, input);
    t.is(error?.code, 'usage');
    t.regex(error?.message ?? '', message, input);
  }
});

test('bad option values are usage errors before any connection is made', async (t) => {
  const mta = await startScriptedMta({ host: '127.0.0.5', mode: 'ok' });
  t.teardown(() => mta.stop());
  const where = `${mta.host}:${mta.port}`;
  for (const bad of [{ timeout: 0 }, { timeout: 1.5 }, { 'min-cert-days': -1 }, { ehlo: 'two words' }, { starttls: 'maybe' as 'try' }]) {
    const error = await t.throwsAsync(runProbeCommand(args(where, bad), collector()), { instanceOf: MxlbError }, JSON.stringify(bad));
    t.is(error?.code, 'usage');
  }
  t.is(mta.connections, 0);
});

test('healthy STARTTLS MTA: exit 0, a row per phase with its latency, banner, capabilities, TLS, verdict', async (t) => {
  const mta = await startMta({ host: '127.0.0.5', starttls: await fixtureCert('selfsigned') });
  t.teardown(() => mta.stop());
  const out = collector();
  const code = await runProbeCommand(args(`${mta.host}:${mta.port}`, { starttls: 'try', 'min-cert-days': 14 }), out);
  t.is(code, 0);
  const text = out.text();
  t.regex(text, new RegExp(`^probe +127\\.0\\.0\\.5:${mta.port} +starttls=try +ehlo=probe\\.mxlb\\.test\\n`));
  for (const phase of ['connect', 'banner', 'ehlo', 'starttls', 'tls', 'ehlo-tls']) {
    t.regex(text, new RegExp(`^  ${phase} +\\d+\\.\\d ms  ok$`, 'm'), phase);
  }
  t.regex(text, /^ {2}quit +\d+\.\d ms {2}sent$/m);
  t.regex(text, /^banner +mx\.test ESMTP test MTA$/m);
  t.regex(text, /^capabilities +PIPELINING, /m);
  t.regex(text, /^tls +TLSv1\.[23] /m);
  t.regex(text, /^certificate +CN=mx\.test$/m);
  t.regex(text, /^expires +2126-.* \(\d+ days\)$/m);
  t.regex(text, /^trusted +no \(DEPTH_ZERO_SELF_SIGNED_CERT\); not required without --servername$/m);
  t.regex(text, /^verdict +OK {2}\(total \d+\.\d ms\)\n$/m);
  await mta.waitForIdle();
});

test('failing MTA: exit 1, the failed phase and the reason with the server reply', async (t) => {
  const mta = await startScriptedMta({ host: '127.0.0.5', mode: 'ehlo-550' });
  t.teardown(() => mta.stop());
  const out = collector();
  t.is(await runProbeCommand(args(`${mta.host}:${mta.port}`), out), 1);
  t.regex(out.text(), /^ {2}ehlo +\d+\.\d ms {2}FAILED ehlo-5xx$/m);
  t.regex(out.text(), /^verdict +FAIL ehlo-5xx: 550 5\.7\.1 Access denied/m);
  await mta.waitForIdle();
});

test('--json prints the ProbeResult', async (t) => {
  const mta = await startScriptedMta({ host: '127.0.0.5', mode: 'multiline-banner' });
  t.teardown(() => mta.stop());
  const out = collector();
  t.is(await runProbeCommand(args(`${mta.host}:${mta.port}`, { json: true }), out), 0);
  const result = JSON.parse(out.text()) as ProbeResult;
  t.true(result.ok);
  t.is(result.banner, 'mx.test ESMTP\nthis greeting spans three lines\nready');
  t.deepEqual(result.capabilities, ['PIPELINING', 'SIZE 1000000']);
  t.deepEqual(
    result.phases.map((p) => p.phase),
    ['connect', 'banner', 'ehlo', 'quit'],
  );
  await mta.waitForIdle();
});

test('IPv6 loopback target in brackets', async (t) => {
  const mta = await startScriptedMta({ host: '::1', mode: 'ok' });
  t.teardown(() => mta.stop());
  const out = collector();
  t.is(await runProbeCommand(args(`[::1]:${mta.port}`), out), 0, out.text());
  t.regex(out.text(), new RegExp(`^probe +\\[::1\\]:${mta.port} `));
  await mta.waitForIdle();
});

const bin = fileURLToPath(new URL('../../bin/mxlb.js', import.meta.url));

function mxlb(...argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...argv], { encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

test('end to end through bin/mxlb.js: exit 0 healthy, 1 unhealthy with --json, 2 for usage errors', async (t) => {
  const mta = await startScriptedMta({ host: '127.0.0.5', mode: 'ok' });
  t.teardown(() => mta.stop());
  const where = `${mta.host}:${mta.port}`;

  const healthy = await mxlb('probe', where, '--ehlo', 'probe.mxlb.test', '--timeout', '5000');
  t.is(healthy.code, 0, healthy.stderr);
  t.regex(healthy.stdout, /^verdict +OK/m);

  const unhealthy = await mxlb('probe', where, '--starttls', 'require', '--json');
  t.is(unhealthy.code, 1, unhealthy.stderr);
  const result = JSON.parse(unhealthy.stdout) as ProbeResult;
  t.is(result.reason, 'starttls-unsupported');

  for (const argv of [[`${mta.host}:0`], [where, '--starttls', 'maybe'], [where, '--timeout', 'abc'], []]) {
    const bad = await mxlb('probe', ...argv);
    t.is(bad.code, 2, argv.join(' '));
    t.regex(bad.stderr, /^mxlb: /, argv.join(' '));
    t.is(bad.stdout, '');
  }
  await mta.waitForIdle();
  t.is(mta.connections, 2);
});

import test from 'ava';
import net from 'node:net';
import { smtpCheck } from '../../src/probe/index.ts';
import type { ProbeTarget, ProbeTimeouts } from '../../src/probe/index.ts';
import { startScriptedMta, type ScriptedMode, type ScriptedMta } from '../helpers/mta.ts';

// Probes against a raw node:net server that misbehaves on purpose, one failure mode per test.

const timeouts: ProbeTimeouts = { connectMs: 2000, bannerMs: 2000, ehloMs: 2000, tlsMs: 2000, quitMs: 1000 };

function target(mta: { host: string; port: number }, extra: Partial<ProbeTarget> = {}): ProbeTarget {
  return { address: mta.host, port: mta.port, ehloName: 'probe.mxlb.test', starttls: 'off', timeouts, ...extra };
}

async function scripted(t: { teardown: (fn: () => Promise<void>) => void }, mode: ScriptedMode, delayMs?: number): Promise<ScriptedMta> {
  const mta = await startScriptedMta({ host: '127.0.0.2', mode, ...(delayMs === undefined ? {} : { delayMs }) });
  t.teardown(() => mta.stop());
  return mta;
}

const phaseNames = (phases: Array<{ phase: string }>) => phases.map((p) => p.phase);

test('connection refused on a port that was bound and closed', async (t) => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));

  const result = await smtpCheck(target({ host: '127.0.0.2', port }));
  t.false(result.ok);
  t.is(result.reason, 'connect-refused');
  t.regex(result.detail ?? '', /ECONNREFUSED/);
  t.deepEqual(phaseNames(result.phases), ['connect']);
  t.is(result.banner, undefined);
});

test('silent server: banner-timeout after bannerMs, no QUIT, socket closed', async (t) => {
  const mta = await scripted(t, 'silent');
  const result = await smtpCheck(target(mta, { timeouts: { ...timeouts, bannerMs: 300 } }));
  t.is(result.reason, 'banner-timeout');
  t.deepEqual(phaseNames(result.phases), ['connect', 'banner']);
  const bannerMs = result.phases[1]?.ms ?? 0;
  t.true(bannerMs >= 290 && bannerMs < 1500, `banner phase took ${bannerMs} ms`);
  await mta.waitForIdle();
  t.is(mta.connections, 1);
  t.deepEqual(mta.commands, []);
});

test('421 banner: banner-421 (the MTA sheds load)', async (t) => {
  const mta = await scripted(t, 'banner-421');
  const result = await smtpCheck(target(mta));
  t.false(result.ok);
  t.is(result.reason, 'banner-421');
  t.regex(result.banner ?? '', /Service not available/);
  t.regex(result.detail ?? '', /^421 /);
  await mta.waitForIdle();
});

test('554 banner: banner-5xx, and QUIT is sent as RFC 5321 §3.1 expects', async (t) => {
  const mta = await scripted(t, 'banner-554');
  const result = await smtpCheck(target(mta));
  t.is(result.reason, 'banner-5xx');
  t.regex(result.detail ?? '', /554 5\.7\.1/);
  t.deepEqual(phaseNames(result.phases), ['connect', 'banner', 'quit']);
  await mta.waitForIdle();
  t.deepEqual(mta.commands, ['QUIT']);
});

test('non-SMTP bytes: banner-garbage at once, not a timeout', async (t) => {
  const mta = await scripted(t, 'garbage');
  const result = await smtpCheck(target(mta, { timeouts: { ...timeouts, bannerMs: 5000 } }));
  t.is(result.reason, 'banner-garbage');
  t.regex(result.detail ?? '', /not an SMTP reply: 0x1603/);
  t.true(result.totalMs < 2000, `took ${result.totalMs} ms`);
  await mta.waitForIdle();
  t.deepEqual(mta.commands, []);
});

test('RST during EHLO: reset', async (t) => {
  const mta = await scripted(t, 'reset-during-ehlo');
  const result = await smtpCheck(target(mta));
  t.is(result.reason, 'reset');
  t.regex(result.detail ?? '', /ECONNRESET/);
  t.deepEqual(phaseNames(result.phases), ['connect', 'banner', 'ehlo']);
  await mta.waitForIdle();
  t.deepEqual(mta.commands, ['EHLO']);
});

test('slow banner just over bannerMs: banner-timeout', async (t) => {
  const mta = await scripted(t, 'slow-banner', 800);
  const result = await smtpCheck(target(mta, { timeouts: { ...timeouts, bannerMs: 500 } }));
  t.is(result.reason, 'banner-timeout');
  await mta.waitForIdle();
  t.deepEqual(mta.commands, []);
});

test('slow banner just under bannerMs: ok, and the banner phase shows the wait', async (t) => {
  const mta = await scripted(t, 'slow-banner', 200);
  const result = await smtpCheck(target(mta, { timeouts: { ...timeouts, bannerMs: 1000 } }));
  t.true(result.ok, result.detail);
  // The MTA's 200 ms starts when it accepts, which is inside the probe's connect phase; a busy
  // event loop can report 'connect' late and shorten the banner phase, never the two together.
  const phaseMs = (name: string) => result.phases.find((p) => p.phase === name)?.ms ?? 0;
  const bannerMs = phaseMs('banner');
  t.true(bannerMs > 0, `banner phase ${bannerMs} ms`);
  t.true(phaseMs('connect') + bannerMs >= 195, `connect ${phaseMs('connect')} ms + banner ${bannerMs} ms`);
  await mta.waitForIdle();
  t.deepEqual(mta.commands, ['EHLO', 'QUIT']);
});

test('no EHLO reply: ehlo-timeout; QUIT is written without waiting for an answer', async (t) => {
  const mta = await scripted(t, 'mute-after-banner');
  const result = await smtpCheck(target(mta, { timeouts: { ...timeouts, ehloMs: 300, quitMs: 5000 } }));
  t.is(result.reason, 'ehlo-timeout');
  t.deepEqual(phaseNames(result.phases), ['connect', 'banner', 'ehlo', 'quit']);
  t.true(result.totalMs < 2000, `took ${result.totalMs} ms`);
  await mta.waitForIdle();
  t.deepEqual(mta.commands, ['EHLO', 'QUIT']);
});

test('EHLO answered with 550: ehlo-5xx, then QUIT', async (t) => {
  const mta = await scripted(t, 'ehlo-550');
  const result = await smtpCheck(target(mta));
  t.is(result.reason, 'ehlo-5xx');
  t.is(result.detail, '550 5.7.1 Access denied');
  await mta.waitForIdle();
  t.deepEqual(mta.commands, ['EHLO', 'QUIT']);
});

test('multi-line banner split across packets: ok, with every line of the banner', async (t) => {
  const mta = await scripted(t, 'multiline-banner');
  const result = await smtpCheck(target(mta));
  t.true(result.ok, result.detail);
  t.is(result.banner, 'mx.test ESMTP\nthis greeting spans three lines\nready');
  t.deepEqual(result.capabilities, ['PIPELINING', 'SIZE 1000000']);
  await mta.waitForIdle();
  t.deepEqual(mta.commands, ['EHLO', 'QUIT']);
});

test('banner pattern that does not match: banner-mismatch, then QUIT', async (t) => {
  const mta = await scripted(t, 'ok');
  const result = await smtpCheck(target(mta, { bannerPattern: /Postfix/ }));
  t.is(result.reason, 'banner-mismatch');
  await mta.waitForIdle();
  t.deepEqual(mta.commands, ['QUIT']);
  const pattern = /ESMTP scripted/g; // a /g pattern keeps matching probe after probe
  for (let i = 0; i < 2; i++) {
    const matching = await smtpCheck(target(mta, { bannerPattern: pattern }));
    t.true(matching.ok, matching.detail);
  }
  await mta.waitForIdle();
});

test('an EHLO name that could smuggle a command is refused before connecting', async (t) => {
  const mta = await scripted(t, 'ok');
  const result = await smtpCheck(target(mta, { ehloName: 'probe\r\nRSET' }));
  t.is(result.reason, 'protocol-error');
  t.regex(result.detail ?? '', /invalid EHLO name/);
  t.is(mta.connections, 0);
});

test('STARTTLS answered with 454: starttls-refused under require and try', async (t) => {
  const mta = await scripted(t, 'starttls-refused');
  for (const starttls of ['require', 'try'] as const) {
    const result = await smtpCheck(target(mta, { starttls }));
    t.is(result.reason, 'starttls-refused', starttls);
    t.regex(result.detail ?? '', /^454 /);
  }
  await mta.waitForIdle();
  t.deepEqual(mta.commands, ['EHLO', 'STARTTLS', 'QUIT', 'EHLO', 'STARTTLS', 'QUIT']);
});

test('plaintext instead of a TLS handshake after 220: tls-failed', async (t) => {
  const mta = await scripted(t, 'starttls-broken');
  const result = await smtpCheck(target(mta, { starttls: 'try' }));
  t.is(result.reason, 'tls-failed');
  t.deepEqual(phaseNames(result.phases), ['connect', 'banner', 'ehlo', 'starttls', 'tls']);
  await mta.waitForIdle();
});

test('setMode changes the behaviour for the next connection', async (t) => {
  const mta = await scripted(t, 'ok');
  t.true((await smtpCheck(target(mta))).ok);
  mta.setMode('banner-421');
  t.is((await smtpCheck(target(mta))).reason, 'banner-421');
  t.is(mta.connections, 2);
  await mta.waitForIdle();
});

test('abort while waiting for the banner: aborted, promptly, socket closed', async (t) => {
  const mta = await scripted(t, 'silent');
  const controller = new AbortController();
  const started = performance.now();
  const probe = smtpCheck(target(mta, { timeouts: { ...timeouts, bannerMs: 10_000 } }), controller.signal);
  const deadline = Date.now() + 3000;
  while (mta.connections === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  controller.abort();
  const result = await probe;
  t.is(result.reason, 'aborted');
  t.true(performance.now() - started < 3000);
  await mta.waitForIdle();
});

test('abort after the banner: aborted, QUIT still said on the way out, socket closed', async (t) => {
  const mta = await scripted(t, 'mute-after-banner');
  const controller = new AbortController();
  const probe = smtpCheck(target(mta, { timeouts: { ...timeouts, ehloMs: 10_000, quitMs: 10_000 } }), controller.signal);
  const deadline = Date.now() + 3000;
  while (!mta.commands.includes('EHLO') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  controller.abort();
  const result = await probe;
  t.is(result.reason, 'aborted');
  t.deepEqual(phaseNames(result.phases), ['connect', 'banner', 'ehlo', 'quit']);
  t.true(result.totalMs < 3000, `took ${result.totalMs} ms`);
  await mta.waitForIdle();
  t.deepEqual(mta.commands, ['EHLO', 'QUIT']);
});

test('an already aborted signal: aborted without connecting', async (t) => {
  const mta = await scripted(t, 'ok');
  const result = await smtpCheck(target(mta), AbortSignal.abort());
  t.is(result.reason, 'aborted');
  t.false(result.ok);
  t.is(mta.connections, 0);
});

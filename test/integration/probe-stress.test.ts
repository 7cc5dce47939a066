import test from 'ava';
import { smtpCheck } from '../../src/probe/index.ts';
import { startScriptedMta } from '../helpers/mta.ts';

// The failure the design warns about: an SMTP client that lets a connection reset escape as an
// uncaught error takes the whole DNS server down. 200 probes at once against an MTA that resets
// every session must all come back as plain results.

test('200 parallel probes against a resetting MTA: every one resolves with reset, nothing escapes', async (t) => {
  const escaped: unknown[] = [];
  const onEscape = (error: unknown): void => {
    escaped.push(error);
  };
  process.on('uncaughtException', onEscape);
  process.on('unhandledRejection', onEscape);
  const mta = await startScriptedMta({ host: '127.0.0.4', mode: 'reset-during-ehlo' });
  t.teardown(async () => {
    process.off('uncaughtException', onEscape);
    process.off('unhandledRejection', onEscape);
    await mta.stop();
  });

  const timeouts = { connectMs: 5000, bannerMs: 5000, ehloMs: 5000, tlsMs: 5000, quitMs: 1000 };
  const results = await Promise.all(
    Array.from({ length: 200 }, () =>
      smtpCheck({ address: mta.host, port: mta.port, ehloName: 'probe.mxlb.test', starttls: 'try', timeouts }),
    ),
  );

  const reasons = new Map<string, number>();
  for (const result of results) reasons.set(result.reason ?? 'ok', (reasons.get(result.reason ?? 'ok') ?? 0) + 1);
  t.deepEqual([...reasons], [['reset', 200]]);
  t.is(mta.connections, 200);
  await mta.waitForIdle(5000);
  // give anything that would escape (a late 'error' event, a stray timer) a turn of the event loop
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(escaped, []);
});

/**
 * docker/compose.yaml's demo parts, run here without a container engine (there is none on these
 * machines): docker/demo/mta.mjs as three sinks and as the sender, against a real `mxlb serve`
 * on loopback serving a copy of docker/zones with the members moved to 127.0.0.7x. The sender's
 * mail is spread over the relays by the answers; after a drain no more reaches the drained one.
 */
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startMxlb } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

const DEMO = fileURLToPath(new URL('../../docker/demo/mta.mjs', import.meta.url));
const ZONE = fileURLToPath(new URL('../../docker/zones/relay.demo.test.yaml', import.meta.url));
const TOKEN = 'demo-token-0123456789abcdef';

function run(t: { teardown(fn: () => void): void }, env: Record<string, string>): { child: ChildProcess; lines: string[] } {
  const child = spawn(process.execPath, [DEMO], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  t.teardown(() => void child.kill('SIGTERM'));
  return { child, lines };
}

/** A port free on 127.0.0.71 (the other sinks take the same port on .72 and .73). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.71', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('the demo sender spreads mail over the relays mxlb answers with; a drained relay gets none', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-demo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const zone = readFileSync(ZONE, 'utf8').replace(/172\.28\.5\.1(\d)/g, '127.0.0.7$1').replaceAll('port: 2525', `port: ${port}`).replace(/172\.28\.5\.5(\d)/g, '127.0.0.1');
  writeFileSync(join(dir, 'relay.demo.test.yaml'), zone);
  const sinks = ['1', '2', '3'].map((n) => run(t, { MODE: 'sink', NAME: `mta${n}`, HOST: `127.0.0.7${n}`, PORT: String(port) }));
  await eventually(() => sinks.every((s) => s.lines.some((l) => l.includes('listening on'))), { timeoutMs: 10_000, what: 'three sinks listening' });

  const mxlb = await startMxlb(['--zones', dir, '--state-file', join(dir, 'state.json'), '--ehlo-name', 'probe.test'], { env: { MXLB_ADMIN_TOKEN: TOKEN } });
  t.teardown(() => mxlb.stop());
  const resolver = `${mxlb.dns[0]!.host}:${mxlb.dns[0]!.port}`;
  const sent = (lines: string[]) => lines.filter((l) => / sent \d+ via /.test(l));
  const first = run(t, { MODE: 'sender', RESOLVER: resolver, RELAY_NAME: 'smtp.relay.demo.test', SMTP_PORT: String(port), INTERVAL: '50', COUNT: '12' });
  await eventually(() => sent(first.lines).length >= 12, { timeoutMs: 20_000, intervalMs: 100, what: '12 messages sent' });
  const got = sinks.map((s) => s.lines.filter((l) => / message \d+ from /.test(l)).length);
  t.is(got.reduce((a, b) => a + b, 0), 12);
  t.true(got.every((n) => n > 0), `every relay got mail: ${got.join(', ')}`);

  const http = `http://${mxlb.http.host}:${mxlb.http.port}`;
  const drain = await fetch(`${http}/api/members/relays%2Fmta2/drain`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'demo' }) });
  t.true(drain.ok, `drain: ${drain.status} ${await drain.text()}`);
  const before = sinks[1]!.lines.length;
  const second = run(t, { MODE: 'sender', RESOLVER: resolver, RELAY_NAME: 'smtp.relay.demo.test', SMTP_PORT: String(port), INTERVAL: '50', COUNT: '9' });
  await eventually(() => sent(second.lines).length >= 9, { timeoutMs: 20_000, intervalMs: 100, what: '9 more messages sent' });
  t.is(sinks[1]!.lines.length, before, 'the drained relay got nothing');
  t.false(sent(second.lines).some((l) => l.includes('via 127.0.0.72')));
});

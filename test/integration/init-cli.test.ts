/**
 * `mxlb init` (issue 16): the starter zone it writes passes `mxlb zone validate` and a real
 * `mxlb serve` serves it as written: the healthy members (real SMTP servers on loopback) in the A
 * answer of smtp.<origin> and as MX exchanges with their addresses; the dead member left out.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dig } from '../helpers/dig.ts';
import { startMta, type Mta } from '../helpers/mta.ts';
import { BIN, startMxlb } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';

const run = promisify(execFile);

function folder(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-init-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function mta(t: { teardown(fn: () => Promise<void>): void }, host: string): Promise<Mta> {
  const server = await startMta({ host, port: 0 });
  t.teardown(() => server.stop());
  return server;
}

test('init writes a commented zone that zone validate accepts and serve answers from as written', async (t) => {
  const dir = folder(t);
  const zones = join(dir, 'zones');
  const a = await mta(t, '127.0.0.61');
  const b = await mta(t, '127.0.0.62');
  const gone = await startMta({ host: '127.0.0.63', port: 0 });
  await gone.stop(); // a member whose port refuses connections

  const init = await run(process.execPath, [BIN, 'init', zones, '--origin', 'Init-Starter.test.', '--member', `127.0.0.61:${a.port}`, '--member', `127.0.0.62:${b.port}`, '--member', `127.0.0.63:${gone.port}`]);
  t.regex(init.stdout, /wrote .*init-starter\.test\.yaml/);
  const text = readFileSync(join(zones, 'init-starter.test.yaml'), 'utf8');
  t.regex(text, /^# init-starter\.test — starter balanced zone/);
  t.true(text.split('\n').filter((l) => /^\s*#/.test(l)).length >= 15, 'commented');

  const validate = await run(process.execPath, [BIN, 'zone', 'validate', zones]);
  t.regex(validate.stdout, /init-starter\.test\.\s.*1 pool, 3 members, 1 balanced name/);
  t.regex(validate.stdout, /1 zone file valid/);

  const mxlb = await startMxlb(['--zones', zones, '--state-file', join(dir, 'state.json'), '--ehlo-name', 'probe.test']);
  t.teardown(() => mxlb.stop());
  const { host, port } = mxlb.dns[0]!;
  const addresses = await eventually(
    async () => {
      const reply = await dig(host, port, ['smtp.init-starter.test', 'A']);
      const got = reply.answer.map((f) => f[4]!).sort();
      return reply.status === 'NOERROR' && reply.flags.has('aa') && got.join() === '127.0.0.61,127.0.0.62' && got;
    },
    { timeoutMs: 15_000, intervalMs: 200, what: 'the two healthy members, not the dead one' },
  );
  t.deepEqual(addresses, ['127.0.0.61', '127.0.0.62']);
  const mx = await dig(host, port, ['init-starter.test', 'MX']);
  t.deepEqual(mx.answer.map((f) => `${f[4]} ${f[5]}`).sort(), ['10 mta1.init-starter.test.', '10 mta2.init-starter.test.']);
  t.deepEqual(mx.additional.filter((f) => f[3] === 'A').map((f) => `${f[0]} ${f[4]}`).sort(), ['mta1.init-starter.test. 127.0.0.61', 'mta2.init-starter.test. 127.0.0.62']);
  const soa = await dig(host, port, ['init-starter.test', 'SOA']);
  t.is(soa.answer[0]![3], 'SOA');
});

test('init refuses to overwrite, and refuses a bad origin or member with exit code 2', async (t) => {
  const zones = join(folder(t), 'zones');
  await run(process.execPath, [BIN, 'init', zones, '--origin', 'again.test', '--member', '127.0.0.64']);
  const again = await run(process.execPath, [BIN, 'init', zones, '--origin', 'again.test']).then(() => 0, (e: { code: number; stderr: string }) => e);
  t.like(again, { code: 1 });
  t.regex((again as { stderr: string }).stderr, /exists; --force replaces/);
  const bad = await run(process.execPath, [BIN, 'init', zones, '--origin', 'x.test', '--member', 'mta.example:25']).then(() => 0, (e: { code: number; stderr: string }) => e);
  t.like(bad, { code: 2 });
  t.regex((bad as { stderr: string }).stderr, /not an IPv4 or IPv6 address/);
});

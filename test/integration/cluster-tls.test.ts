/**
 * `--redis rediss://…` against a real redis-server serving TLS only. A private CA is trusted
 * through Node's NODE_EXTRA_CA_CERTS (docs/cluster.md); without it the certificate is refused and
 * the instance runs degraded but ready on its own state (fail-static), it does not exit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { clusterZoneYaml, ORIGIN } from '../helpers/cluster.ts';
import { startMta } from '../helpers/mta.ts';
import { startMxlb, type MxlbProcess } from '../helpers/mxlb-process.ts';
import { eventually } from '../helpers/poll.ts';
import { startRedis } from '../helpers/redis.ts';

const cert = fileURLToPath(new URL('../fixtures/tls/selfsigned.crt', import.meta.url));
const key = fileURLToPath(new URL('../fixtures/tls/selfsigned.key', import.meta.url));

async function readyz(mxlb: MxlbProcess): Promise<{ status: number; body: { degraded: boolean; degradedBecause: string[]; cluster: { connected: boolean } } }> {
  const response = await fetch(`http://${mxlb.http.host}:${mxlb.http.port}/readyz`);
  return { status: response.status, body: (await response.json()) as never };
}

test.serial('rediss:// with the CA trusted connects and shares verdicts; an untrusted certificate leaves the instance degraded but ready', async (t) => {
  const redis = await startRedis({ tls: { cert, key } });
  t.teardown(() => redis.close());
  t.regex(redis.url, /^rediss:\/\/127\.0\.0\.1:\d+$/);
  const mta = await startMta({ host: '127.0.0.131' });
  t.teardown(() => mta.stop());
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-tls-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, `${ORIGIN}.yaml`), clusterZoneYaml([mta], { intervalMs: 500, recheckMs: 100, rise: 1, fall: 1 }));
  const args = ['--zones', dir, '--state-file', '', '--redis', redis.url];

  const trusted = await startMxlb([...args, '--instance-id', 'T'], { env: { NODE_EXTRA_CA_CERTS: cert, MXLB_REDIS: '' } });
  t.teardown(() => trusted.stop());
  await eventually(async () => (await readyz(trusted)).body.cluster.connected, { timeoutMs: 10_000, what: 'connected over TLS' });
  await mta.stop();
  await eventually(async () => /"state":"down"/.test(await redis.cli('HGET', 'mxlb:health', 'pool/mta1')), { timeoutMs: 10_000, what: 'verdict written over TLS' });

  const untrusted = await startMxlb([...args, '--instance-id', 'U'], { env: { NODE_EXTRA_CA_CERTS: '', MXLB_REDIS: '' } });
  t.teardown(() => untrusted.stop());
  const r = await readyz(untrusted);
  t.is(r.status, 200);
  t.true(r.body.degraded);
  t.false(r.body.cluster.connected);
  t.regex(r.body.degradedBecause.join(), /unreachable .*certificate/i);
});

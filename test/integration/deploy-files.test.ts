/**
 * The deployment files as the tools that read them see them (no container engine or running
 * systemd here): docker/compose.yaml through Debian's `docker-compose config` (offline), and
 * deploy/mxlb.service through `systemd-analyze verify` and `security --offline`.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

test('docker/compose.yaml: redis, two mxlb instances in cluster mode with distinct ids, three MTAs and a sender', async (t) => {
  const { stdout } = await run('docker-compose', ['-f', 'docker/compose.yaml', 'config'], { cwd: root });
  for (const service of ['redis', 'mxlb1', 'mxlb2', 'mta1', 'mta2', 'mta3', 'sender']) t.regex(stdout, new RegExp(`^  ${service}:$`, 'm'), service);
  t.is(stdout.match(/MXLB_REDIS: redis:\/\/redis:6379\/0/g)?.length, 2);
  t.regex(stdout, /MXLB_INSTANCE_ID: ns1/);
  t.regex(stdout, /MXLB_INSTANCE_ID: ns2/);
  t.is(stdout.match(/dockerfile: docker\/Dockerfile/g)?.length, 2);
});

test('deploy/mxlb.service passes systemd-analyze verify and is rated at most 2.5 by systemd-analyze security', async (t) => {
  const verify = await run('systemd-analyze', ['verify', 'deploy/mxlb.service'], { cwd: root });
  t.is(verify.stderr.trim(), '');
  const security = await run('systemd-analyze', ['security', '--offline=true', 'deploy/mxlb.service'], { cwd: root });
  const level = /Overall exposure level for mxlb\.service: ([\d.]+)/.exec(security.stdout);
  t.truthy(level);
  t.true(Number(level![1]) <= 2.5, `exposure ${level![1]}`);
});

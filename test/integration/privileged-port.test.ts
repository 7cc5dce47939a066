/**
 * `mxlb serve` on port 53 without the right to bind it (issue 16): it stops at start with exit code
 * 1 and a message that names CAP_NET_BIND_SERVICE and the docs section, not a bare EACCES. Run as
 * user nobody when the tests run as root (a non-root user is already unprivileged).
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from '../helpers/mxlb-process.ts';

test('port 53 without CAP_NET_BIND_SERVICE: exit 1, the capability and docs/install.md named', async (t) => {
  t.true(Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8')) > 53, 'precondition: port 53 is privileged here');
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-eacces-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  chmodSync(dir, 0o755);
  copyFileSync(fileURLToPath(new URL('../../zones/relay.example.com.zone', import.meta.url)), join(dir, 'relay.example.com.zone'));
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const child = spawn(process.execPath, [BIN, 'serve', '--zones', dir, '--dns', '127.0.0.1:53', '--http', '127.0.0.1:0', '--state-file', ''], {
    ...asNobody,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, HOME: dir },
  });
  t.teardown(() => void child.kill('SIGKILL'));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  t.is(code, 1, stderr);
  t.regex(stderr, /cannot listen for DNS on UDP 127\.0\.0\.1:53: EACCES \(permission denied\): ports below 1024 need root or the CAP_NET_BIND_SERVICE capability/);
  t.regex(stderr, /docs\/install\.md, "Port 53 without root"/);
});

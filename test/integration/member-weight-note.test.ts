/**
 * `mxlb member weight` on a member served by round-robin names (issue 16): the change is made and
 * the CLI says on stderr that weights are ignored there, naming the names; a member only under
 * weighted names gets no note. Real server (example zone mail.example.net), real CLI process.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, startMxlb } from '../helpers/mxlb-process.ts';

const run = promisify(execFile);
const TOKEN = 'weight-note-token-0123456789';

test('weight on a round-robin-only member notes that weights are ignored; a mixed one names the round-robin names', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-weight-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(new URL('../../zones/mail.example.net.yaml', import.meta.url), join(dir, 'mail.example.net.yaml'));
  const mxlb = await startMxlb(['--zones', dir, '--state-file', join(dir, 'state.json')], { env: { MXLB_ADMIN_TOKEN: TOKEN } });
  t.teardown(() => mxlb.stop());
  const env = { ...process.env, MXLB_SERVER: `http://${mxlb.http.host}:${mxlb.http.port}`, MXLB_ADMIN_TOKEN: TOKEN };
  const weight = (member: string, value: string) => run(process.execPath, [BIN, 'member', 'weight', member, value, '--reason', 'test'], { env });

  const bulk = await weight('bulk/bulk1', '50');
  t.regex(bulk.stdout, /^bulk\/bulk1: .*weight 50/m);
  t.regex(bulk.stderr, /note: every name that serves it is round-robin \(bulk\.mail\.example\.net, news\.mail\.example\.net\): weights other than 0 are ignored there/);

  const primary = await weight('primary/mta1', '50');
  t.regex(primary.stderr, /note: some names that serve it are round-robin \(bulk\.mail\.example\.net\)/);

  const standby = await weight('bulk/bulk2', '0');
  t.is(standby.stderr, '', 'weight 0 (standby) counts under both policies: no note');
});

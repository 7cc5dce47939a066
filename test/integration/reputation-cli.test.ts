/**
 * `mxlb reputation check` against a real DNSBL (Debian's rbldnsd) on loopback: a listed address
 * with its code and reason, a clean one, a list that answers 127.255.255.254 (a list error, never
 * a listing), a list that fails its RFC 5782 §5 test points, and a resolver that does not answer.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import test from 'ava';
import { BIN } from '../helpers/mxlb-process.ts';
import { startRbldnsd, type Rbldnsd } from '../helpers/rbldnsd.ts';

const run = promisify(execFile);
let bl: Rbldnsd;

test.before(async () => {
  bl = await startRbldnsd({
    // A well-behaved list: the test point and one MTA (127.0.0.11) listed, with a reason.
    'bl.test': ':127.0.0.2:Listed by bl.test, see https://bl.test/lookup?ip=$\n127.0.0.2\n127.0.0.11\n',
    // Spamhaus's answer to queries through a public resolver: every address gets 127.255.255.254.
    'refusing.test': ':127.255.255.254:\n0.0.0.0/1\n128.0.0.0/1\n',
    // A list that lists everything, 127.0.0.1 included: RFC 5782 §5 says it is broken.
    'all.test': ':127.0.0.2:everything\n0.0.0.0/1\n128.0.0.0/1\n',
  });
});
test.after.always(async () => { await bl?.stop(); });

async function check(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'reputation', 'check', ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

test('a listed MTA: code, reason, test points ok, exit 1', async (t) => {
  const r = await check('127.0.0.11', '--list', 'bl.test', '--resolver', bl.resolver);
  t.is(r.code, 1);
  t.regex(r.stdout, /127\.0\.0\.11 on bl\.test: LISTED 127\.0\.0\.2 — Listed by bl\.test, see https:\/\/bl\.test\/lookup\?ip=127\.0\.0\.11/);
  t.regex(r.stdout, /query 11\.0\.0\.127\.bl\.test/);
  t.regex(r.stdout, /test points ok/);
});

test('a clean MTA: not listed, exit 0; --json carries the same', async (t) => {
  const r = await check('127.0.0.12', '--list', 'bl.test', '--resolver', bl.resolver);
  t.is(r.code, 0);
  t.regex(r.stdout, /127\.0\.0\.12 on bl\.test: not listed/);
  const json = await check('127.0.0.12', '--list', 'bl.test', '--resolver', bl.resolver, '--json');
  const [doc] = JSON.parse(json.stdout) as Array<{ result: { status: string }; usable: { usable: boolean } }>;
  t.deepEqual([doc!.result.status, doc!.usable.usable], ['not-listed', true]);
});

test('a list answering 127.255.255.254 is a list error, not a listing', async (t) => {
  const r = await check('127.0.0.12', '--list', 'refusing.test', '--resolver', bl.resolver);
  t.is(r.code, 1);
  t.regex(r.stdout, /list error: answered 127\.255\.255\.254 \(public-resolver\); not a listing/);
  t.regex(r.stdout, /LIST UNUSABLE: 127\.0\.0\.2 answered 127\.255\.255\.254/);
  t.notRegex(r.stdout, /LISTED/);
});

test('a list that lists 127.0.0.1 fails its test points', async (t) => {
  const r = await check('127.0.0.12', '--list', 'all.test', '--resolver', bl.resolver);
  t.is(r.code, 1);
  t.regex(r.stdout, /LIST UNUSABLE: 127\.0\.0\.1 is listed/);
});

test('a silent resolver: unknown, exit 1; a resolver name that is no address is a usage error', async (t) => {
  const r = await check('127.0.0.11', '--list', 'bl.test', '--resolver', '127.0.0.1:9', '--timeout', '300');
  t.is(r.code, 1);
  t.regex(r.stdout, /unknown: (timeout|refused)/);
  const usage = await check('127.0.0.11', '--list', 'bl.test', '--resolver', 'resolver.example');
  t.is(usage.code, 2);
  t.regex(usage.stderr, /must be an IP address/);
});

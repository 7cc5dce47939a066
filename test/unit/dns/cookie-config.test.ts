/**
 * `mxlb serve` cookie flags and the cookie secret file (src/config.ts): defaults, the file's
 * format (current secret first, previous ones after, comments), and operator-readable errors.
 */
import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCookieSecrets, serveConfig, type ServeFlags } from '../../../src/config.ts';
import { MxlbError } from '../../../src/errors.ts';

const config = (flags: ServeFlags, env: NodeJS.ProcessEnv = {}) => serveConfig({ stateFile: '', ...flags }, env);
const A = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const B = 'e5e973e5a6b2a43f48e7dc849e37bfcf';

test('cookies are on by default with no secret (a random one per start), off with --no-cookies', (t) => {
  t.deepEqual(config({}).cookies, { secrets: [], requireServerCookie: false });
  t.is(config({ cookies: false }).cookies, false);
  t.deepEqual(config({ requireServerCookie: true }).cookies, { secrets: [], requireServerCookie: true });
});

test('--cookie-secret-file and MXLB_COOKIE_SECRET_FILE read the secrets, current first', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mxlb-cookie-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'secrets');
  writeFileSync(file, `# rotated 2026-12-06\n${A.toUpperCase()}\n\n${B}\n`);
  t.deepEqual(config({ cookieSecretFile: file }).cookies, { secrets: [A, B], secretFile: file, requireServerCookie: false });
  t.deepEqual(config({}, { MXLB_COOKIE_SECRET_FILE: file }).cookies, { secrets: [A, B], secretFile: file, requireServerCookie: false });
  const missing = join(dir, 'nope');
  t.throws(() => config({ cookieSecretFile: missing }), { instanceOf: MxlbError, message: new RegExp(`cannot read the cookie secret file ${missing}: ENOENT`) });
});

const bad: Array<[string, string, RegExp]> = [
  ['empty', '# nothing\n', /f: no cookie secret in the file/],
  ['too short', `${A.slice(2)}\n`, /f:1: a cookie secret is 16 octets written as 32 hex digits/],
  ['not hex', `${A}\n${'z'.repeat(32)}\n`, /f:2: a cookie secret is 16 octets/],
  ['two on a line', `${A} ${B}\n`, /f:1: /],
  ['nine secrets', `${A}\n`.repeat(9), /at most 8 cookie secrets/],
];
for (const [what, text, message] of bad) {
  test(`cookie secret file: ${what} is refused with file and line`, (t) => {
    t.throws(() => parseCookieSecrets(text, 'f'), { instanceOf: MxlbError, message });
  });
}

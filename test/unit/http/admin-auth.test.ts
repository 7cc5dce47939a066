import test from 'ava';
import type { IncomingMessage } from 'node:http';
import { AdminAuth, auditAuthor } from '../../../src/http/auth.ts';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const auth = new AdminAuth([
  { holder: 'ops', token: 'ops-token-0123456789' },
  { holder: 'ci', token: 'ci-token-0123456789a' },
]);

test('each token maps to its holder', (t) => {
  t.deepEqual(auth.authorize(request({ authorization: 'Bearer ops-token-0123456789' })), { ok: true, holder: 'ops' });
  t.deepEqual(auth.authorize(request({ authorization: 'bearer ci-token-0123456789a' })), { ok: true, holder: 'ci' });
});

test('missing, malformed and wrong tokens get 401 with an RFC 6750 challenge', (t) => {
  const cases: [Record<string, string>, RegExp, string][] = [
    [{}, /missing bearer token/, 'Bearer realm="mxlb admin"'],
    [{ authorization: 'Basic b3BzOnB3' }, /malformed/, 'Bearer realm="mxlb admin"'],
    [{ authorization: 'Bearer ops-token-012345678' }, /invalid token/, 'Bearer realm="mxlb admin", error="invalid_token"'],
    [{ authorization: 'Bearer ops-token-0123456789x' }, /invalid token/, 'Bearer realm="mxlb admin", error="invalid_token"'],
  ];
  for (const [headers, message, challenge] of cases) {
    const result = auth.authorize(request(headers));
    if (result.ok) return t.fail(`accepted ${JSON.stringify(headers)}`);
    t.is(result.reply.status, 401);
    t.regex((result.reply.body as { error: string }).error, message);
    t.is(result.reply.headers?.['www-authenticate'], challenge);
  }
});

test('no configured token disables writes with 403, whatever is sent', (t) => {
  const off = new AdminAuth([]);
  t.false(off.enabled);
  const result = off.authorize(request({ authorization: 'Bearer ops-token-0123456789' }));
  t.false(result.ok);
  if (!result.ok) {
    t.is(result.reply.status, 403);
    t.regex((result.reply.body as { error: string }).error, /admin API disabled: start with --admin-token/);
  }
});

test('the audit author is the holder, with the client\'s name in parentheses', (t) => {
  t.is(auditAuthor('ops', request({})), 'ops');
  t.is(auditAuthor('ops', request({ 'x-mxlb-author': ' alice@host ' })), 'ops (alice@host)');
  t.deepEqual(auditAuthor('ops', request({ 'x-mxlb-author': 'a\u0007b' })), { error: 'x-mxlb-author must be at most 100 printable ASCII characters' });
});

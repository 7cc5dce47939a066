import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveConfig } from '../../../src/config.ts';
import { MxlbError } from '../../../src/errors.ts';

const base = { stateFile: '' };

test('--zone-settle: a duration, 0s allowed, unset keeps the loader default', (t) => {
  t.is(serveConfig({ ...base, zoneSettle: '2s' }, {}).zoneSettleMs, 2000);
  t.is(serveConfig({ ...base, zoneSettle: '0s' }, {}).zoneSettleMs, 0);
  t.is(serveConfig(base, { MXLB_ZONE_SETTLE: '750ms' }).zoneSettleMs, 750);
  t.is(serveConfig(base, {}).zoneSettleMs, undefined);
  t.throws(() => serveConfig({ ...base, zoneSettle: 'soon' }, {}), { instanceOf: MxlbError, message: /--zone-settle expects a duration/ });
});

test('--http-host: names lower-cased, repeatable or MXLB_HTTP_HOSTS; a URL is refused', (t) => {
  t.deepEqual(serveConfig({ ...base, httpHost: ['MXLB.ops.example', 'ns1.example.com'] }, {}).httpHosts, ['mxlb.ops.example', 'ns1.example.com']);
  t.deepEqual(serveConfig(base, { MXLB_HTTP_HOSTS: 'a.example, b.example' }).httpHosts, ['a.example', 'b.example']);
  t.deepEqual(serveConfig(base, {}).httpHosts, []);
  t.throws(() => serveConfig({ ...base, httpHost: ['http://x.example/'] }, {}), { message: /--http-host expects a host name/ });
});

test('read tokens: flag, environment or file; too short is refused naming the problem', (t) => {
  t.deepEqual(serveConfig({ ...base, readToken: 'read-token-0123456789' }, {}).readTokens, [{ holder: 'read:admin', token: 'read-token-0123456789' }]);
  const file = join(mkdtempSync(join(tmpdir(), 'mxlb-read-')), 'tokens');
  writeFileSync(file, '# readers\ngrafana read-token-abcdefabcdef\n');
  t.deepEqual(serveConfig(base, { MXLB_READ_TOKEN_FILE: file }).readTokens, [{ holder: 'read:grafana', token: 'read-token-abcdefabcdef' }]);
  t.deepEqual(serveConfig(base, {}).readTokens, []);
  t.throws(() => serveConfig({ ...base, readToken: 'short' }, {}), { message: /read token: .*at least 16 characters/ });
});

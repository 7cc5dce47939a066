import test from 'ava';
import { hostAllowed, redact } from '../../../src/http/exposure.ts';

const allowed = new Set(['localhost', '127.0.0.1', '::1', 'mxlb.ops.example']);

test('Host check: allowed names with or without port, IPv6 in brackets, a trailing dot; others refused', (t) => {
  for (const host of ['localhost', 'LOCALHOST:8053', '127.0.0.1:8053', '[::1]:8053', '[::1]', 'mxlb.ops.example.', undefined]) t.true(hostAllowed(host, allowed, false), String(host));
  for (const host of ['rebind.attacker.example', 'localhost.attacker.example', '127.0.0.1.nip.io:8053', '192.0.2.1:8053', '', '[::2]:8053']) t.false(hostAllowed(host, allowed, false), host);
});

test('Host check on a wildcard listener: any IP literal, still no foreign name', (t) => {
  t.true(hostAllowed('192.0.2.1:8053', allowed, true));
  t.true(hostAllowed('[2001:db8::1]:8053', allowed, true));
  t.false(hostAllowed('rebind.attacker.example:8053', allowed, true));
});

test('redaction: zone files relative, other paths hidden, author host cut, instance hidden, Node version gone', (t) => {
  const r = redact('/srv/mxlb/zones');
  const body = {
    zones: [{ file: '/srv/mxlb/zones/relay.example.com.zone' }],
    zoneErrors: ['/srv/mxlb/zones/x.zone:3: bad TTL'],
    store: { reason: 'state file not writable: EACCES: permission denied, open \'/var/lib/mxlb/state.json.123.tmp\'' },
    audit: [{ author: 'ops (alice@laptop.corp)', member: 'primary/mta1' }],
    cluster: { instanceId: 'ns1.example.com:123', redis: 'redis://user:secret@10.0.0.5:6379/0' },
    prefix: '192.0.2.0/24',
  };
  const out = r({ status: 200, body }).body as typeof body;
  t.is(out.zones[0]!.file, 'relay.example.com.zone');
  t.is(out.zoneErrors[0], 'x.zone:3: bad TTL');
  t.is(out.store.reason, 'state file not writable: EACCES: permission denied, open \'[path]\'');
  t.is(out.audit[0]!.author, 'ops (alice)');
  t.is(out.audit[0]!.member, 'primary/mta1');
  t.is(out.cluster.instanceId, '[hidden]');
  t.is(out.cluster.redis, 'redis://[credentials]@10.0.0.5:6379/0');
  t.is(out.prefix, '192.0.2.0/24');
  const metrics = 'mxlb_build_info{version="0.1.0",commit="abc",node="20.20.2"} 1\nmxlb_nodejs_version_info{version="v20.20.2",major="20"} 1\nmxlb_up 1\n';
  t.is(r({ status: 200, body: metrics }).body, 'mxlb_build_info{version="0.1.0",commit="abc"} 1\nmxlb_up 1\n');
});

test('redaction of JSON a route serialised itself (a Buffer with a JSON content type)', (t) => {
  const r = redact('/srv/mxlb/zones');
  const body = Buffer.from(JSON.stringify({ file: '/srv/mxlb/zones/a.zone', author: 'ops (bob@host.example)', n: 3 }));
  const out = r({ status: 200, body, contentType: 'application/json' });
  t.deepEqual(JSON.parse(String(out.body)), { file: 'a.zone', author: 'ops (bob)', n: 3 });
  const page = Buffer.from('<html>/srv/x/y</html>');
  t.is(r({ status: 200, body: page, contentType: 'text/html' }).body, page, 'static files untouched');
});

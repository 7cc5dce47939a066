import test from 'ava';
import { parseKumoLine } from '../../../src/signals/index.ts';

const base = {
  id: '1d98076abbbc11ed940250ebf67f93bd',
  sender: 'bounce@sender.example',
  recipient: 'user@gmail.com',
  queue: 'campaign:tenant@sender.example',
  site: 'ip-1->(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com.',
  size: 1047,
  egress_pool: 'pool-1',
  egress_source: 'ip-1',
  source_address: { address: '10.0.0.1:40123', protocol: 'ESMTP' },
  timestamp: 1765044765,
  created: 1765044700,
  num_attempts: 1,
};
const response = (code: number, cls: number, subject: number, detail: number, content: string) => ({ code, enhanced_code: { class: cls, subject, detail }, content, command: 'RCPT TO' });

const rows: [string, Record<string, unknown>, Record<string, unknown> | undefined][] = [
  ['Delivery', { ...base, type: 'Delivery', response: response(250, 2, 0, 0, 'OK ids=8a54') }, { status: 'sent', dsn: '2.0.0', reply: '250 OK ids=8a54', instance: 'ip-1', host: '10.0.0.1', provider: 'gmail', at: 1765044765000, delay: 65, pool: 'pool-1' }],
  ['TransientFailure', { ...base, type: 'TransientFailure', response: response(421, 4, 7, 28, 'unusual rate of unsolicited mail') }, { status: 'deferred', dsn: '4.7.28', reply: '421 unusual rate of unsolicited mail' }],
  ['Bounce, IPv6 source', { ...base, type: 'Bounce', recipient: 'x@outlook.com', source_address: { address: '[2001:db8::1]:25' }, response: response(550, 5, 7, 1, 'blocked (S3150)') }, { status: 'bounced', provider: 'microsoft', host: '2001:db8::1' }],
  ['Expiration, RFC 3339 timestamp', { ...base, type: 'Expiration', timestamp: '2026-12-06T18:12:45Z', created: undefined }, { status: 'expired', at: Date.UTC(2026, 11, 6, 18, 12, 45), delay: undefined }],
  ['Feedback', { ...base, type: 'Feedback', recipient: 'someone@yahoo.com' }, { status: 'complaint', provider: 'yahoo' }],
  ['Reception is not an outcome', { ...base, type: 'Reception' }, undefined],
  ['no timestamp', { ...base, type: 'Delivery', timestamp: undefined }, undefined],
];

for (const [name, record, expected] of rows) {
  test(`kumomta record: ${name}`, (t) => {
    const parsed = parseKumoLine(JSON.stringify(record));
    if (expected === undefined) return t.is(parsed, undefined);
    t.truthy(parsed);
    for (const [key, value] of Object.entries(expected)) t.deepEqual((parsed as unknown as Record<string, unknown>)[key], value, key);
  });
}

test('kumomta: not JSON, arrays and other lines are ignored', (t) => {
  for (const line of ['', 'not json "type"', '["type"]', '{"type": 3}']) t.is(parseKumoLine(line), undefined, line);
});

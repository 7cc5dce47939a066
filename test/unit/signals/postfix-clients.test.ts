/** smtpd `client=` lines (signals/postfix-clients.ts): parsed, joined with delivery lines by queue ID, bounded. */
import test from 'ava';
import { parsePostfixClient, parsePostfixLine, QueueClients } from '../../../src/signals/index.ts';

const cases: Array<[string, { instance: string; queueId: string; address: string } | undefined]> = [
  ['Dec  6 18:12:40 mx1 postfix/smtpd[120]: 4Q2mXr1c2Vz9v: client=app1.example.com[10.1.2.7]', { instance: 'postfix', queueId: '4Q2mXr1c2Vz9v', address: '10.1.2.7' }],
  ['2026-12-06T18:12:40.123456+00:00 mx1 postfix-out/smtpd[9]: 9F1C2216101: client=unknown[2001:db8::7]', { instance: 'postfix-out', queueId: '9F1C2216101', address: '2001:db8::7' }],
  ['Dec  6 18:12:40 mx1 postfix/smtpd[120]: 4Q2mXr1c2Vz9v: client=localhost[127.0.0.5], sasl_method=PLAIN, sasl_username=app', { instance: 'postfix', queueId: '4Q2mXr1c2Vz9v', address: '127.0.0.5' }],
  ['Dec  6 18:12:40 mx1 postfix/smtpd[120]: connect from app1.example.com[10.1.2.7]', undefined],
  ['Dec  6 18:12:40 mx1 postfix/smtpd[120]: NOQUEUE: reject: RCPT from unknown[10.1.2.7]: 554 5.7.1', undefined],
  ['Dec  6 18:12:40 mx1 postfix/cleanup[121]: 4Q2mXr1c2Vz9v: message-id=<client=x[1.2.3.4]>', undefined],
];
for (const [line, want] of cases) {
  test(`parsePostfixClient: ${line.slice(0, 70)}`, (t) => {
    t.deepEqual(parsePostfixClient(line), want);
  });
}

test('the delivery line of a queue ID gets the client of its smtpd line; other instances and unknown IDs do not', (t) => {
  const clients = new QueueClients();
  t.true(clients.read('Dec  6 18:12:40 mx1 postfix/smtpd[120]: 4Q2mXr1c2Vz9v: client=app1.example.com[10.1.2.7]'));
  const delivery = parsePostfixLine('Dec  6 18:12:45 mx1 postfix/smtp[123]: 4Q2mXr1c2Vz9v: to=<a@gmail.com>, relay=x[1.2.3.4]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=4.7.28, status=deferred (421 rate limited)', { now: Date.UTC(2026, 11, 6, 20) })!;
  t.is(clients.clientOf(delivery.instance, delivery.queueId), '10.1.2.7');
  t.is(clients.clientOf('postfix-out', '4Q2mXr1c2Vz9v'), undefined);
  t.is(clients.clientOf('postfix', 'AAAAAAAAAA'), undefined);
  t.false(clients.read('Dec  6 18:12:45 mx1 postfix/smtp[123]: 4Q2mXr1c2Vz9v: to=<a@gmail.com>, status=sent'));
});

test('a submission service\'s client line (syslog_name postfix/submission) joins the instance\'s delivery lines; the exact instance wins', (t) => {
  const clients = new QueueClients();
  t.true(clients.read('2026-12-06T18:12:40.1+00:00 mx1 postfix-out/submission/smtpd[7]: 4Q2mXr1c2Vz9v: client=unknown[10.1.2.7]'));
  t.is(clients.clientOf('postfix-out', '4Q2mXr1c2Vz9v'), '10.1.2.7');
  t.is(clients.clientOf('postfix-out/submission', '4Q2mXr1c2Vz9v'), '10.1.2.7');
  t.is(clients.clientOf('postfix', '4Q2mXr1c2Vz9v'), undefined, 'another instance');
  t.is(clients.clientOf('postfix-o', '4Q2mXr1c2Vz9v'), undefined, 'a prefix must end at a /');
  t.true(clients.read('2026-12-06T18:12:41.1+00:00 mx1 postfix-out/smtpd[8]: 4Q2mXr1c2Vz9v: client=unknown[10.9.9.9]'));
  t.is(clients.clientOf('postfix-out', '4Q2mXr1c2Vz9v'), '10.9.9.9', 'the exact syslog_name first');
  t.is(clients.size, 1);
});

test('QueueClients forgets the oldest queue IDs beyond its limit', (t) => {
  const clients = new QueueClients(2);
  for (const id of ['AAAAA1', 'AAAAA2', 'AAAAA3']) clients.read(`Dec  6 18:12:40 mx1 postfix/smtpd[1]: ${id}: client=h[10.0.0.1]`);
  t.is(clients.size, 2);
  t.is(clients.clientOf('postfix', 'AAAAA1'), undefined);
  t.is(clients.clientOf('postfix', 'AAAAA3'), '10.0.0.1');
});

import test from 'ava';
import { parseArf } from '../../../src/signals/index.ts';

const report = (feedback: string, from = 'Yahoo! Mail AntiSpam Feedback <feedback@arf.mail.yahoo.com>') => [
  `From: ${from}`,
  'To: fbl@sender.example',
  'Subject: FW: Weekly news',
  'MIME-Version: 1.0',
  'Content-Type: multipart/report; report-type=feedback-report;',
  '    boundary="part1_13d.2e68ed54_boundary"',
  '',
  '--part1_13d.2e68ed54_boundary',
  'Content-Type: text/plain; charset="US-ASCII"',
  '',
  'This is an email abuse report for an email message received from IP 192.0.2.1.',
  '',
  '--part1_13d.2e68ed54_boundary',
  'Content-Type: message/feedback-report',
  '',
  feedback,
  '',
  '--part1_13d.2e68ed54_boundary',
  'Content-Type: message/rfc822',
  'Content-Disposition: inline',
  '',
  'From: <news@sender.example>',
  'Subject: Weekly news',
  '',
  'hello',
  '--part1_13d.2e68ed54_boundary--',
  '',
].join('\r\n');

test('RFC 5965 abuse report: source IP, arrival, recipient, provider', (t) => {
  const parsed = parseArf(report(['Feedback-Type: abuse', 'User-Agent: SomeGenerator/1.0', 'Version: 1', 'Original-Mail-From: <news@sender.example>', 'Original-Rcpt-To: <user@hotmail.com>', 'Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT', 'Source-IP: 192.0.2.1', 'Reported-Domain: sender.example'].join('\r\n')));
  t.deepEqual(parsed, { feedbackType: 'abuse', complaint: true, sourceIp: '192.0.2.1', arrival: Date.parse('Thu, 8 Mar 2005 14:00:00 EDT'), recipient: 'user@hotmail.com', domain: 'hotmail.com', provider: 'microsoft' });
});

test('without the recipient, the provider is the report sender; not-spam is not a complaint', (t) => {
  const parsed = parseArf(report('Feedback-Type: not-spam\r\nSource-IP: [2001:db8::25]\r\nVersion: 1'));
  t.like(parsed, { complaint: false, sourceIp: '2001:db8::25', provider: 'yahoo' });
});

test('no feedback part or no Source-IP: not attributable', (t) => {
  t.is(parseArf('From: a@b.example\r\n\r\nhello'), undefined);
  t.is(parseArf(report('Feedback-Type: abuse\r\nVersion: 1')), undefined);
});

import test from 'ava';
import { parsePostfixLine } from '../../../src/signals/index.ts';

const NOW = new Date(2026, 11, 6, 20, 0, 0).getTime();
const LOCAL = (month: number, day: number, h: number, m: number, s: number, ms = 0, year = 2026) => new Date(year, month, day, h, m, s, ms).getTime();

type Row = [string, string, Record<string, unknown> | undefined];

const rows: Row[] = [
  [
    'sent, syslog timestamp, single-digit day',
    'Dec  6 18:12:45 mx1 postfix/smtp[13733]: AACE0210543: to=<ok@gmail.com>, relay=127.0.5.2[127.0.5.2]:2526, delay=0.06, delays=0.01/0.01/0.04/0, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as X1)',
    { status: 'sent', at: LOCAL(11, 6, 18, 12, 45), instance: 'postfix', host: 'mx1', queueId: 'AACE0210543', recipient: 'ok@gmail.com', domain: 'gmail.com', provider: 'gmail', relay: '127.0.5.2[127.0.5.2]:2526', delay: 0.06, delays: [0.01, 0.01, 0.04, 0], dsn: '2.0.0', reply: '250 2.0.0 Ok: queued as X1' },
  ],
  [
    'deferred, multi-instance syslog_name, Gmail 4.7.28',
    'Dec  6 18:12:46 mx1 postfix-out/smtp[13733]: BF13D210543: to=<defer@gmail.com>, relay=127.0.5.2[127.0.5.2]:2526, delay=0.09, delays=0/0/0.04/0.05, dsn=4.7.28, status=deferred (host 127.0.5.2[127.0.5.2] said: 421-4.7.28 unusual rate 421 4.7.28 unusual rate (in reply to RCPT TO command))',
    { status: 'deferred', instance: 'postfix-out', dsn: '4.7.28', provider: 'gmail', reply: 'host 127.0.5.2[127.0.5.2] said: 421-4.7.28 unusual rate 421 4.7.28 unusual rate (in reply to RCPT TO command)' },
  ],
  [
    'bounced, two-digit day, microsoft',
    'Nov 30 23:59:59 mx1 postfix/smtp[13756]: CE2DF210545: to=<bounce@outlook.com>, relay=outlook-com.olc.protection.outlook.com[52.101.0.1]:25, delay=0.06, delays=0/0.01/0.04/0.01, dsn=5.7.1, status=bounced (host said: 550 5.7.1 Service unavailable (S3150) (in reply to RCPT TO command))',
    { status: 'bounced', at: LOCAL(10, 30, 23, 59, 59), provider: 'microsoft', dsn: '5.7.1' },
  ],
  [
    'orig_to and conn_use, long queue id',
    'Dec  6 18:12:47 mx1 postfix/smtp[200]: 4Q2mXr1c2Vz9v: to=<a@yahoo.co.uk>, orig_to=<alias@example.org>, relay=mta5.am0.yahoodns.net[67.195.204.72]:25, conn_use=3, delay=1.5, delays=0.1/0/0.2/1.2, dsn=4.7.0, status=deferred (host said: 421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred)',
    { recipient: 'a@yahoo.co.uk', provider: 'yahoo', queueId: '4Q2mXr1c2Vz9v', delay: 1.5, dsn: '4.7.0' },
  ],
  [
    'maillog_file RFC 3339 timestamp',
    '2026-12-06T18:12:45.123456+00:00 mx1 postfix/smtp[123]: AACE0210543: to=<x@icloud.com>, relay=mx01.mail.icloud.com[17.57.154.6]:25, delay=0.5, delays=0/0/0.2/0.3, dsn=2.0.0, status=sent (250 2.0.0 Ok)',
    { at: Date.UTC(2026, 11, 6, 18, 12, 45, 123), provider: 'apple', status: 'sent' },
  ],
  [
    'rsyslog RFC 3339 with offset',
    '2026-12-06T19:12:45+01:00 mx2 postfix/lmtp[9]: AB12C: to=<u@example.net>, relay=store[10.0.0.9]:24, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 ok)',
    { at: Date.UTC(2026, 11, 6, 18, 12, 45), host: 'mx2', provider: 'other', domain: 'example.net' },
  ],
  [
    'syslog with fractional seconds',
    'Dec  6 18:12:45.250 mx1 postfix/smtp[1]: AB12C: to=<u@gmail.com>, relay=x[1.2.3.4]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)',
    { at: LOCAL(11, 6, 18, 12, 45, 250) },
  ],
  [
    'error agent (suspended destination)',
    'Dec  6 18:13:00 mx1 postfix/error[77]: DD12E: to=<v@hotmail.com>, relay=none, delay=300, delays=299/1/0/0, dsn=4.4.1, status=deferred (delivery temporarily suspended: connect to x[1.2.3.4]:25: Connection refused)',
    { status: 'deferred', relay: 'none', provider: 'microsoft', dsn: '4.4.1', delay: 300 },
  ],
  [
    'retry agent',
    'Dec  6 18:13:01 mx1 postfix/retry[78]: DD12F: to=<v@gmail.com>, relay=none, delay=10, delays=9/1/0/0, dsn=4.3.0, status=deferred (mail system is down)',
    { status: 'deferred', instance: 'postfix' },
  ],
  [
    'qmgr expired',
    'Dec  6 18:14:00 mx1 postfix/qmgr[99]: 9F1C2216101: from=<news3@sender.example>, status=expired, returned to sender',
    { status: 'expired', queueId: '9F1C2216101', reply: 'returned to sender', provider: 'other' },
  ],
  ['December line read in January is last year', 'Dec 31 23:59:59 mx1 postfix/smtp[1]: AB12C: to=<u@gmail.com>, relay=x[1.2.3.4]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (ok)', undefined],
  ['smtpd line', 'Dec  6 18:12:45 mx1 postfix/smtpd[5]: connect from unknown[127.0.0.1]', undefined],
  ['qmgr from= line', 'Dec  6 18:12:45 mx1 postfix/qmgr[99]: AACE0210543: from=<a@b.example>, size=300, nrcpt=1 (queue active)', undefined],
  ['address verification probe', 'Dec  6 18:12:45 mx1 postfix/smtp[1]: AB12C: to=<u@gmail.com>, relay=x[1.2.3.4]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.1.5, status=deliverable (250 ok)', undefined],
  ['local delivery agent', 'Dec  6 18:12:45 mx1 postfix/local[1]: AB12C: to=<root@mx1>, relay=local, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)', undefined],
  ['smtp warning', 'Dec  6 18:12:45 mx1 postfix/smtp[1]: warning: status=sent is not a thing', undefined],
  ['garbage', 'status=sent', undefined],
];

for (const [name, line, expected] of rows) {
  test(`postfix line: ${name}`, (t) => {
    const now = name.includes('January') ? new Date(2027, 0, 1, 0, 0, 5).getTime() : NOW;
    const parsed = parsePostfixLine(line, { now });
    if (name.includes('January')) {
      t.is(parsed?.at, LOCAL(11, 31, 23, 59, 59));
      return;
    }
    if (expected === undefined) return t.is(parsed, undefined);
    t.truthy(parsed, 'parsed');
    for (const [key, value] of Object.entries(expected)) t.deepEqual((parsed as unknown as Record<string, unknown>)[key], value, key);
  });
}

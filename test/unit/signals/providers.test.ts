import test from 'ava';
import { classifyDomain, classifyMx, parsePostfixLine, providerTable, type ProviderGroup } from '../../../src/signals/index.ts';

const rows: [string | undefined, ProviderGroup][] = [
  ['gmail.com', 'gmail'],
  ['GoogleMail.com.', 'gmail'],
  ['outlook.com', 'microsoft'],
  ['hotmail.fr', 'microsoft'],
  ['hotmail.co.uk', 'microsoft'],
  ['live.com', 'microsoft'],
  ['yahoo.com', 'yahoo'],
  ['yahoo.co.jp', 'yahoo'],
  ['yahoo.com.br', 'yahoo'],
  ['aol.com', 'yahoo'],
  ['icloud.com', 'apple'],
  ['me.com', 'apple'],
  ['mail.gmail.com', 'gmail'],
  ['example.com', 'other'],
  ['notgmail.com', 'other'],
  ['gmail.com.evil.example', 'other'],
  [undefined, 'other'],
];

for (const [domain, group] of rows) test(`provider of ${domain}`, (t) => t.is(classifyDomain(domain), group));

test('an operator table replaces the defaults', (t) => {
  const table = providerTable({ gmail: ['gmail.test'], microsoft: ['corp.example'] });
  t.is(classifyDomain('gmail.test', table), 'gmail');
  t.is(classifyDomain('eu.corp.example', table), 'microsoft');
  t.is(classifyDomain('gmail.com', table), 'other');
});

const mxCases: Array<[host: string | undefined, group: ProviderGroup]> = [
  ['gmail-smtp-in.l.google.com[142.250.1.26]:25', 'gmail'],
  ['aspmx.l.google.com', 'gmail'],
  ['example-com.mail.protection.outlook.com[52.101.1.1]:25', 'microsoft'],
  ['mta7.am0.yahoodns.net[67.195.204.72]:25', 'yahoo'],
  ['mx01.mail.icloud.com', 'apple'],
  ['mx.example.net[192.0.2.1]:25', 'other'],
  ['none', 'other'],
  [undefined, 'other'],
];
for (const [host, group] of mxCases) {
  test(`by MX host: ${host ?? '(none)'} → ${group}`, (t) => t.is(classifyMx(host), group));
}

test('a company domain hosted by Google is gmail by its relay in a Postfix line', (t) => {
  const line = 'Dec  6 18:12:45 mx1 postfix/smtp[123]: 4Q2mXr1c2Vz9v: to=<ceo@acme.example>, relay=aspmx.l.google.com[142.250.1.26]:25, delay=0.3, delays=0/0/0.1/0.2, dsn=4.7.28, status=deferred (host aspmx.l.google.com[142.250.1.26] said: 421-4.7.28 unusual rate (in reply to end of DATA command))';
  t.is(parsePostfixLine(line, { now: Date.UTC(2026, 11, 6) })?.provider, 'gmail');
});

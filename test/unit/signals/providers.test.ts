import test from 'ava';
import { classifyDomain, providerTable, type ProviderGroup } from '../../../src/signals/index.ts';

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

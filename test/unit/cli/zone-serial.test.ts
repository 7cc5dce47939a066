import test from 'ava';
import { readFileSync } from 'node:fs';
import { nextSerial, raiseSerial } from '../../../src/cli/zone-serial.ts';

const today = new Date('2026-05-02T10:00:00Z');

test('next serial: date-based serials move to today (or +1 within the day); counters +1', (t) => {
  t.is(nextSerial(2024060101, today), 2026050201);
  t.is(nextSerial(2026050201, today), 2026050202);
  t.is(nextSerial(2026050299, today), 2026050300);
  t.is(nextSerial(42, today), 43);
});

test('the example zone: only the serial changes, comments and layout stay', (t) => {
  const text = readFileSync(new URL('../../../zones/mail.example.net.yaml', import.meta.url), 'utf8');
  const raised = raiseSerial(text, today)!;
  t.is(raised.from, 2026112501);
  t.is(raised.to, 2026112502);
  t.is(raised.text, text.replace('2026112501  ; serial', '2026112502  ; serial'));
});

test('one-line SOA, parentheses and comments before the serial; no records block: nothing', (t) => {
  const one = 'pools: {}\nrecords: |\n  $TTL 5m\n  ; the SOA\n  @ IN SOA ns1 hostmaster ( 7 1h 15m 1w 1m )\n  @ NS ns1\nnames: {}\n';
  t.is(raiseSerial(one, today)!.text, one.replace('( 7 ', '( 8 '));
  t.is(raiseSerial('pools: {}\n', today), undefined);
  t.is(raiseSerial('records: |\n  @ SOA ns1 hostmaster 4294967295 1h 15m 1w 1m\n', today), undefined, 'no wrap-around');
});

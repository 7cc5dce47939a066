import test from 'ava';
import { DnsMetricsHub } from '../../../src/dns/metrics-hooks.ts';

test('every subscriber gets every event, in subscription order', (t) => {
  const hub = new DnsMetricsHub();
  const seen: string[] = [];
  hub.subscribe({ served: (m) => seen.push(`a:served:${m.join(',')}`), answered: (tr, rc, hit, qt) => seen.push(`a:answered:${tr}:${rc}:${hit}:${qt}`) });
  hub.subscribe({ served: (m) => seen.push(`b:served:${m.join(',')}`), dropped: (tr, reason) => seen.push(`b:dropped:${tr}:${reason}`) });
  hub.served(['p/a', 'p/b']);
  hub.answered('udp', 0, true, 1);
  hub.dropped('tcp', 'runt');
  t.deepEqual(seen, ['a:served:p/a,p/b', 'b:served:p/a,p/b', 'a:answered:udp:0:true:1', 'b:dropped:tcp:runt']);
});

test('a throwing subscriber neither stops the others nor escapes', (t) => {
  const hub = new DnsMetricsHub();
  let later = 0;
  hub.subscribe({ served: () => { throw new Error('boom'); } });
  hub.subscribe({ served: () => { later += 1; } });
  t.notThrows(() => hub.served(['p/a']));
  t.is(later, 1);
  t.is(hub.errors, 1);
});

test('unsubscribe stops delivery, also from inside a hook', (t) => {
  const hub = new DnsMetricsHub();
  let calls = 0;
  let other = 0;
  const stop = hub.subscribe({ served: () => { calls += 1; stop(); } });
  hub.subscribe({ served: () => { other += 1; } });
  hub.served(['p/a']);
  hub.served(['p/a']);
  t.is(calls, 1);
  t.is(other, 2);
});

test('a hook keeps its own this', (t) => {
  const hub = new DnsMetricsHub();
  const counter = { n: 0, served(this: { n: number }) { this.n += 1; } };
  hub.subscribe(counter);
  hub.served(['x/y']);
  t.is(counter.n, 1);
});

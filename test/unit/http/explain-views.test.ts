/** /explain names the view a client gets and why (`client` as source address, `subnet` as its ECS). */
import test from 'ava';
import { explain, subnetProblem } from '../../../src/http/explain-model.ts';
import { parseYamlZone } from '../../../src/zone/yaml/yaml-parser.ts';
import { snapshotWith } from '../../helpers/balanced-zone.ts';

const YAML = `
ecs: true
records: |
  @ 300 IN SOA ns1 hostmaster 1 3600 600 86400 60
  @ 300 IN NS ns1
  ns1 300 IN A 192.0.2.53
views:
  dc-east: [10.1.0.0/16, 127.0.0.2/32]
  dc-west: [10.2.0.0/16, 127.0.0.3/32]
pools:
  east: { members: [{name: e1, address: 192.0.2.1}] }
  west: { members: [{name: w1, address: 198.51.100.1}] }
names:
  smtp:
    tiers: [[east, west]]
    views:
      dc-west: { tiers: [[west], [east]] }
`;

const snapshot = snapshotWith(parseYamlZone(YAML, { file: 'relay.example.com.yaml', origin: 'relay.example.com' }).zone, {}, 1);
const ask = (client?: string, subnet?: string) =>
  explain({ name: 'smtp.relay.example.com', type: 1, ...(client ? { client } : {}), ...(subnet ? { subnet } : {}) }, snapshot);

const cases: Array<[string | undefined, string | undefined, string[], RegExp]> = [
  ['127.0.0.3', undefined, ['198.51.100.1'], /view "dc-west" \(its source address 127\.0\.0\.3\/32 is in 127\.0\.0\.3\/32\)/],
  ['127.0.0.9', undefined, ['192.0.2.1', '198.51.100.1'], /view "default" \(no view network holds its source address 127\.0\.0\.9\/32\)/],
  ['127.0.0.9', '10.2.7.99/32', ['198.51.100.1'], /view "dc-west" \(its EDNS Client Subnet 10\.2\.7\.0\/24 is in 10\.2\.0\.0\/16\); ECS scope \/16/],
  [undefined, undefined, ['192.0.2.1', '198.51.100.1'], /answers do not depend on the client address/],
];

for (const [client, subnet, want, note] of cases) {
  test(`explain client=${client} subnet=${subnet}`, (t) => {
    const doc = ask(client, subnet);
    t.deepEqual(doc.answer.map((r) => r.data).sort(), want);
    t.regex(doc.clientNote, note);
  });
}

test('explain: a subnet that is not a network is a problem', (t) => {
  t.regex(subnetProblem('10.1.2.0/16') ?? '', /bits set past/);
  t.is(subnetProblem('10.1.0.0/16'), undefined);
});

import test from 'ava';
import { readFileSync, writeFileSync } from 'node:fs';
import { SourceError } from '../../../src/errors.ts';
import { editYamlZone, scalarText, setMember, type MemberEdit, type MemberFields, type ReadBack } from '../../../src/zone/yaml/yaml-edit.ts';
import { parseYamlZone } from '../../../src/zone/yaml/yaml-parser.ts';

/**
 * Golden files: test/fixtures/yaml-edit/input.yaml (comments in many places, blank lines, block
 * and flow members, a flow list, a pool without members) edited one way per case must equal
 * test/fixtures/yaml-edit/<case>.yaml byte for byte. UPDATE_GOLDEN=1 rewrites the expected files
 * (review the git diff before committing them).
 */
const DIR = 'test/fixtures/yaml-edit';
const FILE = 'relay.test.yaml';
const input = readFileSync(`${DIR}/input.yaml`, 'utf8');

function validate(text: string): ReadBack {
  const zone = parseYamlZone(text, { file: FILE, origin: 'relay.test' }).zone;
  return (pool, name) => {
    const m = zone.balancing?.pools.get(pool)?.members.find((x) => x.name === name);
    return m && { address: m.address, port: m.port, weight: m.weight, host: m.host };
  };
}

function apply(text: string, edit: MemberEdit): string {
  if (edit.op === 'set') return setMember(text, edit.pool, edit.member, edit.fields, FILE, validate).text;
  return editYamlZone(text, edit, FILE, validate).text;
}

const add = (pool: string, member: string, fields: MemberFields & { address: string }): MemberEdit => ({ op: 'add', pool, member, fields });
const set = (pool: string, member: string, fields: MemberFields): MemberEdit => ({ op: 'set', pool, member, fields });
const remove = (pool: string, member: string): MemberEdit => ({ op: 'remove', pool, member });

const golden: Array<[string, MemberEdit[]]> = [
  ['add-after-flow-item', [add('primary', 'mta4', { address: '192.0.2.13' })]],
  ['add-to-flow-list', [add('backup', 'b2', { address: '2001:db8::2', port: 587, weight: 0 })]],
  ['add-to-pool-without-members', [add('spare', 's1', { address: '203.0.113.7', host: 'spare1.example.net.' })]],
  ['add-after-block-item', [remove('primary', 'mta3'), add('primary', 'mta9', { address: '192.0.2.19', weight: 25 })]],
  ['remove-block-with-comment', [remove('primary', 'mta2')]],
  ['remove-first-block', [remove('primary', 'mta1')]],
  ['remove-flow-item', [remove('primary', 'mta3')]],
  ['set-existing-keys', [set('primary', 'mta1', { weight: 70 }), set('primary', 'mta2', { address: '192.0.2.21', port: 25 })]],
  ['set-new-keys', [set('primary', 'mta2', { weight: 10, host: 'relay2' })]],
  ['set-flow-item', [set('primary', 'mta3', { weight: 60, port: 2526 }), set('backup', 'b1', { address: '198.51.100.9' })]],
];

/** The same over aligned.yaml: comment columns kept, wrapped comments stay with their member. */
const aligned: Array<[string, MemberEdit[]]> = [
  ['aligned-set', [set('primary', 'mta1', { weight: 7, address: '192.0.2.100' }), set('primary', 'mta2', { port: 25 })]],
  ['aligned-remove-first', [remove('primary', 'mta1')]],
  ['aligned-remove-last', [remove('primary', 'mta2')]],
  ['aligned-add', [add('primary', 'mta3', { address: '192.0.2.12' }), add('backup', 'b2', { address: '198.51.100.2' })]],
  ['aligned-set-new-key', [set('primary', 'mta2', { host: 'relay2.example.net.' })]],
];
const alignedInput = readFileSync(`${DIR}/aligned.yaml`, 'utf8');

for (const [name, edits] of [...golden, ...aligned]) {
  const source = name.startsWith('aligned-') ? alignedInput : input;
  test(`golden: ${name}`, (t) => {
    const out = edits.reduce(apply, source);
    const file = `${DIR}/${name}.yaml`;
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, out);
    t.is(out, readFileSync(file, 'utf8'));
    // Every comment of the input is still there, but those on or right above a removed member.
    const comments = (text: string) => text.split('\n').filter((l) => l.includes('#')).length;
    const removed = edits.filter((e) => e.op === 'remove').map((e) => e.member);
    const expectedLoss = removed.length * (source === input ? 1 : 3); // aligned: two trailing comments and one wrapped line per member
    t.is(comments(out), comments(source) - expectedLoss);
  });
}

test('an edit that leaves the file as it was reads back the same text (no reformatting)', (t) => {
  const out = apply(apply(input, add('primary', 'tmp', { address: '192.0.2.99' })), remove('primary', 'tmp'));
  t.is(out, input);
});

test('CRLF files stay CRLF', (t) => {
  const crlf = input.replace(/\n/g, '\r\n');
  const out = apply(crlf, add('primary', 'mta4', { address: '192.0.2.13' }));
  t.false(/[^\r]\n/.test(out));
  t.is(out.replace(/\r\n/g, '\n'), readFileSync(`${DIR}/add-after-flow-item.yaml`, 'utf8'));
});

test('a file without a final line break gets the new member on a line of its own', (t) => {
  const text = 'records: |\n  @ 60 IN SOA ns1 h 1 60 60 60 60\n  @ 60 IN NS ns1\n  ns1 60 IN A 192.0.2.1\npools:\n  p:\n    members:\n      - name: a\n        address: 192.0.2.1';
  const out = apply(text, add('p', 'b', { address: '192.0.2.2' }));
  t.is(out, `${text}\n      - name: b\n        address: 192.0.2.2\n`);
});

function refusal(t: import('ava').ExecutionContext, edit: MemberEdit, line: number, reason: RegExp): void {
  const error = t.throws(() => apply(input, edit), { instanceOf: SourceError });
  t.is(error?.file, FILE);
  t.is(error?.line, line, error?.message);
  t.regex(error?.reason ?? '', reason);
}

test('refused: removing the last member of a tier (the validation error, at the tier line of the file)', (t) => {
  refusal(t, remove('backup', 'b1'), 36, /^balanced name smtp tier 1 has no members \(pool backup is empty\)$/);
});

test('refused: a second member on the same address and port', (t) => {
  refusal(t, add('primary', 'mta4', { address: '192.0.2.11', port: 2525 }), 26, /probes 192\.0\.2\.11:2525, like member mta2 .*\(in the edited lines\)$/);
});

test('refused: unknown pool, unknown member, duplicate name, nothing to set', (t) => {
  refusal(t, add('secondary', 'x', { address: '192.0.2.1' }), 13, /^no pool "secondary" in the zone \(pools: primary, backup, spare\)/);
  refusal(t, remove('primary', 'mta7'), 17, /^no member primary\/mta7 \(members of primary: mta1, mta2, mta3\)$/);
  refusal(t, add('primary', 'mta2', { address: '192.0.2.77' }), 21, /already has a member "mta2"/);
  t.throws(() => setMember(input, 'primary', 'mta1', {}, FILE, validate), { message: /nothing to set/ });
});

test('refused: an address the parser rejects is reported, not written', (t) => {
  refusal(t, set('primary', 'mta1', { address: 'not-an-ip' }), 18, /^bad address "not-an-ip" for member primary\/mta1/);
});

test('scalarText: plain when YAML reads the same value back, quoted otherwise', (t) => {
  t.is(scalarText('192.0.2.1', false), '192.0.2.1');
  t.is(scalarText('2001:db8::1', false), '2001:db8::1');
  t.is(scalarText('2001:db8::1', true), '"2001:db8::1"');
  t.is(scalarText('2001:db8::', false), '"2001:db8::"');
  t.is(scalarText('::1', false), '"::1"');
  t.is(scalarText('mta.example.net.', false), 'mta.example.net.');
  t.is(scalarText('null', false), '"null"');
  t.is(scalarText('123', false), '"123"');
  t.is(scalarText(25, false), '25');
  t.is(scalarText('a b', false), '"a b"');
});

test('a pool with an empty member list: "members:" gets a block item, "members: []" a flow item', (t) => {
  const head = 'records: |\n  @ 60 IN SOA ns1 h 1 60 60 60 60\n  @ 60 IN NS ns1\n  ns1 60 IN A 192.0.2.1\npools:\n';
  const empty = `${head}  spare:\n    members:   # none yet\n  other:\n    members: []\n`;
  t.is(
    apply(empty, add('spare', 's1', { address: '192.0.2.7' })),
    `${head}  spare:\n    members:   # none yet\n      - name: s1\n        address: 192.0.2.7\n  other:\n    members: []\n`,
  );
  t.is(apply(empty, add('other', 'o1', { address: '192.0.2.8', weight: 5 })), `${head}  spare:\n    members:   # none yet\n  other:\n    members: [{ name: o1, address: 192.0.2.8, weight: 5 }]\n`);
  // Removing the only member leaves an empty list (valid: the pool is in no tier).
  const one = `${head}  spare:\n    members:\n      - name: s1   # only one\n        address: 192.0.2.7\n  x: {}\n`;
  t.is(apply(one, remove('spare', 's1')), `${head}  spare:\n    members:\n  x: {}\n`);
});

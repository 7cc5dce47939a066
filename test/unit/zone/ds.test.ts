import test from 'ava';
import { SourceError } from '../../../src/errors.ts';
import { parseMasterFile } from '../../../src/zone/master/master-parser.ts';
import { RRType } from '../../../src/zone/model.ts';

/** DS in master files (RFC 4034 §5.3), kept as RFC 3597 wire bytes. */
const parse = (text: string) => parseMasterFile(`$TTL 300\n${text}`, { origin: 'example.com', file: 'example.com.zone' });

// A SHA-256 digest as `keymgr ds` / `dnssec-dsfromkey` print it (upper case), and its wire form.
const DIGEST = '2BB183AF5F22588179A53B0A98631FAD1A292118A3ECB5D3AD4D5A4F6C9E4A3C';
const wire = (keyTag: number, algorithm: number, digestType: number, digestHex: string): string =>
  Buffer.concat([Buffer.from([keyTag >> 8, keyTag & 0xff, algorithm, digestType]), Buffer.from(digestHex, 'hex')]).toString('hex');
const rawHex = (text: string): string => {
  const [record] = parse(text);
  if (!record || !('raw' in record.rdata)) throw new Error('expected one record with raw rdata');
  return Buffer.from(record.rdata.raw).toString('hex');
};

test('DS: key tag, algorithm, digest type and digest become wire bytes of type 43', (t) => {
  const [record] = parse(`sub DS 60485 13 2 ${DIGEST}\n`);
  t.is(record?.type, RRType.DS);
  t.is(record?.owner, 'sub.example.com');
  t.is(rawHex(`sub DS 60485 13 2 ${DIGEST}\n`), wire(60485, 13, 2, DIGEST));
});

test('DS: the digest may be split by blanks, across lines in parentheses, in any case', (t) => {
  const split = `sub IN DS 60485 13 2 (\n  ${DIGEST.slice(0, 20)} ${DIGEST.slice(20, 40).toLowerCase()}\n  ${DIGEST.slice(40)} )\n`;
  t.is(rawHex(split), wire(60485, 13, 2, DIGEST));
});

test('DS: TYPE43 with presentation data and RFC 3597 \\# data give the same record', (t) => {
  const expected = wire(1, 8, 1, 'a'.repeat(40));
  t.is(rawHex(`sub TYPE43 1 8 1 ${'a'.repeat(40)}\n`), expected);
  t.is(rawHex(`sub DS \\# 24 ${expected}\n`), expected);
});

test('DS: an unassigned digest type takes any non-empty digest length', (t) => {
  t.is(rawHex('sub DS 0 255 200 00ff\n'), wire(0, 255, 200, '00ff'));
});

const errors: Array<[title: string, body: string, reason: RegExp]> = [
  ['key tag over u16', `x DS 65536 13 2 ${DIGEST}\n`, /DS key tag 65536 is out of range \(at most 65535\)/],
  ['algorithm over u8', `x DS 1 256 2 ${DIGEST}\n`, /DS algorithm 256 is out of range \(at most 255\)/],
  ['algorithm as a mnemonic', `x DS 1 ECDSAP256SHA256 2 ${DIGEST}\n`, /bad DS algorithm "ECDSAP256SHA256": not a number/],
  ['digest type not a number', `x DS 1 13 sha256 ${DIGEST}\n`, /bad DS digest type "sha256": not a number/],
  ['negative key tag', `x DS -1 13 2 ${DIGEST}\n`, /bad DS key tag "-1"/],
  ['no digest', 'x DS 1 13 2\n', /missing fields: DS needs a digest/],
  ['no fields', 'x DS\n', /missing DS key tag/],
  ['non-hex digest', 'x DS 1 13 2 zz11\n', /bad DS digest "zz11": not hexadecimal/],
  ['quoted digest', 'x DS 1 13 2 "abcd"\n', /not hexadecimal/],
  ['odd number of hex digits', 'x DS 1 13 200 abc\n', /bad DS digest: 3 hex digits, an odd number/],
  ['SHA-256 digest cut short', `x DS 1 13 2 ${DIGEST.slice(0, 62)}\n`, /DS digest is 31 bytes; digest type 2 \(SHA-256\) has 32/],
  ['SHA-1 digest with a SHA-256 length', `x DS 1 13 1 ${DIGEST}\n`, /DS digest is 32 bytes; digest type 1 \(SHA-1\) has 20/],
  ['SHA-384 digest too short', `x DS 1 14 4 ${DIGEST}\n`, /digest type 4 \(SHA-384\) has 48/],
];
for (const [title, body, reason] of errors) {
  test(`DS error: ${title}`, (t) => {
    const error = t.throws(() => parse(body), { instanceOf: SourceError });
    t.regex(error.message, /^example\.com\.zone:2: /);
    t.regex(error.message, reason);
  });
}

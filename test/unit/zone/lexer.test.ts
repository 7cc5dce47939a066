import test from 'ava';
import { SourceError } from '../../../src/errors.ts';
import { decodeEscapes, lex } from '../../../src/zone/master/lexer.ts';

const words = (text: string) => lex(text, 'z').map((e) => ({ line: e.line, omitted: e.ownerOmitted, tokens: e.tokens.map((t) => (t.quoted ? `"${t.text}"` : t.text)) }));

test('splits lines into entries and drops comments and blank lines', (t) => {
  t.deepEqual(words('a A 192.0.2.1 ; comment\n\n; only a comment\n  \nb  A\t192.0.2.2\r\n'), [
    { line: 1, omitted: false, tokens: ['a', 'A', '192.0.2.1'] },
    { line: 5, omitted: false, tokens: ['b', 'A', '192.0.2.2'] },
  ]);
});

test('a leading blank marks the owner as omitted', (t) => {
  t.deepEqual(words('a A 192.0.2.1\n  A 192.0.2.2\n\tTXT x\n'), [
    { line: 1, omitted: false, tokens: ['a', 'A', '192.0.2.1'] },
    { line: 2, omitted: true, tokens: ['A', '192.0.2.2'] },
    { line: 3, omitted: true, tokens: ['TXT', 'x'] },
  ]);
});

test('parentheses join lines into one entry that starts where the entry starts', (t) => {
  t.deepEqual(words('@ SOA ns h (\n 1 ; serial\n 2 3\n 4 5 )\nnext A 192.0.2.1\n'), [
    { line: 1, omitted: false, tokens: ['@', 'SOA', 'ns', 'h', '1', '2', '3', '4', '5'] },
    { line: 5, omitted: false, tokens: ['next', 'A', '192.0.2.1'] },
  ]);
});

test('quoted strings keep blanks, semicolons and parentheses; escapes stay in presentation form', (t) => {
  t.deepEqual(words('t TXT "a b;(c)" "say \\"hi\\"" x\\;y\\ z ""\n'), [
    { line: 1, omitted: false, tokens: ['t', 'TXT', '"a b;(c)"', '"say \\"hi\\""', 'x\\;y\\ z', '""'] },
  ]);
});

test('a quote ends the bare word before it', (t) => {
  t.deepEqual(words('t TXT ab"cd"\n'), [{ line: 1, omitted: false, tokens: ['t', 'TXT', 'ab', '"cd"'] }]);
});

test('a file without a final newline still yields its last entry', (t) => {
  t.deepEqual(words('a A 192.0.2.1'), [{ line: 1, omitted: false, tokens: ['a', 'A', '192.0.2.1'] }]);
});

const errors: Array<[string, string, number, RegExp]> = [
  ['unterminated quote', 'a A 1\nt TXT "abc\nb A 2\n', 2, /unterminated quoted string/],
  ['unterminated quote at end of file', 'a A 1\n\nt TXT "abc', 3, /unterminated quoted string/],
  ['quote ends with a backslash-newline', 't TXT "abc\\\nx"\n', 1, /unterminated quoted string/],
  ['unclosed parenthesis reports where it opened', 'a A 1\n@ SOA ns h (\n1 2 3\n4 5\nb A 2\n', 2, /"\(" is never closed/],
  ['stray closing parenthesis', 'a A 1\nb A 2 )\n', 2, /"\)" without a matching "\("/],
  ['nested parentheses', '@ SOA ( ns\n h ( 1 2 3 4 5 ) )\n', 2, /nested "\(" \(the one on line 1/],
  ['backslash at end of line', 'a TXT abc\\\n', 1, /backslash at the end of a line/],
];
for (const [title, text, line, reason] of errors) {
  test(`error: ${title}`, (t) => {
    const error = t.throws(() => lex(text, 'zones/x.zone'), { instanceOf: SourceError });
    t.is(error.file, 'zones/x.zone');
    t.is(error.line, line);
    t.regex(error.reason, reason);
    t.is(error.message, `zones/x.zone:${line}: ${error.reason}`);
  });
}

test('decodeEscapes: \\DDD, \\X and UTF-8', (t) => {
  t.deepEqual([...decodeEscapes('a\\065\\"\\\\\\;')], [0x61, 65, 0x22, 0x5c, 0x3b]);
  t.deepEqual([...decodeEscapes('\\000\\255')], [0, 255]);
  t.deepEqual([...decodeEscapes('é')], [0xc3, 0xa9]);
  t.deepEqual([...decodeEscapes('\\é')], [0xc3, 0xa9]);
  t.deepEqual([...decodeEscapes('😀')], [0xf0, 0x9f, 0x98, 0x80]);
});

test('decodeEscapes refuses bad \\DDD', (t) => {
  t.throws(() => decodeEscapes('\\256'), { message: /at most 255/ });
  t.throws(() => decodeEscapes('\\12'), { message: /exactly three digits/ });
  t.throws(() => decodeEscapes('\\1x2'), { message: /exactly three digits/ });
});

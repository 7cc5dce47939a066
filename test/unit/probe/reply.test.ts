import test from 'ava';
import { ReplyParser, ReplyError, type SmtpReply } from '../../../src/probe/reply.ts';

/** Every reply from the chunks; fails loudly on a parse error. */
function feedAll(chunks: Array<string | Buffer>, parser = new ReplyParser()): SmtpReply[] {
  return chunks.flatMap((chunk) => {
    const { replies, error } = parser.push(chunk);
    if (error) throw error;
    return replies;
  });
}

/** The error the chunks end in (undefined if none). */
function errorOf(...chunks: Array<string | Buffer>): ReplyError | undefined {
  const parser = new ReplyParser();
  for (const chunk of chunks) parser.push(chunk);
  return parser.error;
}

test('a single-line reply with CRLF', (t) => {
  t.deepEqual(feedAll(['220 mx.example.test ESMTP ready\r\n']), [
    { code: 220, lines: ['mx.example.test ESMTP ready'], text: 'mx.example.test ESMTP ready' },
  ]);
});

test('nothing is emitted until the line is complete', (t) => {
  const parser = new ReplyParser();
  t.deepEqual(parser.push('220 mx.exa'), { replies: [] });
  t.true(parser.midReply);
  t.deepEqual(parser.push('mple.test\r'), { replies: [] });
  const { replies } = parser.push('\n');
  t.is(replies.length, 1);
  t.is(replies[0]?.text, 'mx.example.test');
  t.false(parser.midReply);
});

test('a reply split one byte at a time parses the same as in one chunk', (t) => {
  const wire = '250-mx.example.test Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 STARTTLS\r\n';
  const whole = feedAll([wire]);
  const bytewise = feedAll([...Buffer.from(wire)].map((b) => Buffer.from([b])));
  t.deepEqual(bytewise, whole);
  t.is(whole.length, 1);
  t.deepEqual(whole[0]?.lines, ['mx.example.test Hello', 'PIPELINING', 'SIZE 10240000', 'STARTTLS']);
  t.is(whole[0]?.text, 'mx.example.test Hello\nPIPELINING\nSIZE 10240000\nSTARTTLS');
});

test('multi-line reply ends at the first line with a space after the code', (t) => {
  const parser = new ReplyParser();
  t.deepEqual(parser.push('220-first\r\n220-second\r\n'), { replies: [] });
  t.true(parser.midReply);
  const [reply] = parser.push('220 third\r\n').replies;
  t.deepEqual(reply, { code: 220, lines: ['first', 'second', 'third'], text: 'first\nsecond\nthird' });
});

test('several replies in one chunk come back in order', (t) => {
  const replies = feedAll(['250 ok\r\n221-bye\r\n221 now\r\n354 go ahead\r\n']);
  t.deepEqual(
    replies.map((r) => [r.code, r.text]),
    [
      [250, 'ok'],
      [221, 'bye\nnow'],
      [354, 'go ahead'],
    ],
  );
});

test('bare LF ends a line, mixed with CRLF', (t) => {
  const replies = feedAll(['220-one\n220 two\r\n250 three\n']);
  t.deepEqual(
    replies.map((r) => r.lines),
    [['one', 'two'], ['three']],
  );
});

test('a code with nothing after it is a complete reply with empty text', (t) => {
  t.deepEqual(feedAll(['250\r\n']), [{ code: 250, lines: [''], text: '' }]);
});

test('UTF-8 text survives a split inside a multi-byte character', (t) => {
  const bytes = Buffer.from('220 grüße\r\n', 'utf8');
  const cut = bytes.indexOf(0xc3) + 1; // inside "ü"
  t.is(feedAll([bytes.subarray(0, cut), bytes.subarray(cut)])[0]?.text, 'grüße');
});

test('mixed codes within one multi-line reply are rejected', (t) => {
  const error = errorOf('250-mx.example.test\r\n251 other\r\n');
  t.true(error instanceof ReplyError);
  t.regex(error?.message ?? '', /mixes codes 250 and 251/);
});

test('garbage is rejected from its first bytes, before any line end arrives', (t) => {
  t.regex(errorOf(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5]))?.message ?? '', /not an SMTP reply: 0x1603/);
  t.regex(errorOf('SSH-2.0-OpenSSH_9.6')?.message ?? '', /not an SMTP reply: "SSH-2.0/);
  t.truthy(errorOf('22x'));
  t.truthy(errorOf('2200 too many digits\r\n'));
  t.is(errorOf('22'), undefined, 'a valid prefix waits for more');
});

test('codes outside 2xx-5xx, short codes and empty lines are rejected', (t) => {
  for (const line of ['100 continue\r\n', '620 nope\r\n', '25\r\n', '\r\n', 'abc def\r\n', '220_underscore\r\n']) {
    t.true(errorOf(line) instanceof ReplyError, JSON.stringify(line));
  }
});

test('a line of exactly 512 octets including CRLF is accepted, 513 is rejected', (t) => {
  const ok = `250 ${'a'.repeat(512 - 6)}\r\n`;
  t.is(Buffer.byteLength(ok), 512);
  t.is(feedAll([ok]).length, 1);
  const long = `250 ${'a'.repeat(512 - 5)}\r\n`;
  t.regex(errorOf(long)?.message ?? '', /512 octets.*4\.5\.3\.1\.5/);
});

test('an over-long line fails while it is still arriving, without waiting for its end', (t) => {
  const parser = new ReplyParser();
  t.is(parser.push(`250 ${'a'.repeat(300)}`).error, undefined);
  t.regex(parser.push('a'.repeat(300)).error?.message ?? '', /512 octets/);
});

test('a reply over the octet or line limit is rejected', (t) => {
  const lines = Array.from({ length: 20 }, () => `250-${'x'.repeat(100)}\r\n`).join('');
  t.regex(new ReplyParser({ maxReplyOctets: 1024 }).push(lines).error?.message ?? '', /longer than 1024 octets/);
  t.regex(new ReplyParser({ maxLines: 5 }).push('250-a\r\n'.repeat(6)).error?.message ?? '', /longer than 5 lines/);
  // default cap: 64 KiB in total
  const big = `250-${'y'.repeat(500)}\r\n`.repeat(140);
  t.regex(errorOf(big)?.message ?? '', /65536 octets/);
});

test('replies completed before bad bytes in the same chunk are returned with the error', (t) => {
  const parser = new ReplyParser();
  const { replies, error } = parser.push('220 Ready to start TLS\r\n\x16\x03\x01');
  t.deepEqual(replies.map((r) => r.code), [220]);
  t.true(error instanceof ReplyError);
});

test('after an error the parser stays failed', (t) => {
  const parser = new ReplyParser();
  const first = parser.push('garbage\r\n').error;
  t.truthy(first);
  t.deepEqual(parser.push('220 fine now\r\n'), { replies: [], error: first });
  t.is(parser.error, first);
});

test('the caller may reuse its chunk buffer: buffered partial data is copied', (t) => {
  const parser = new ReplyParser();
  const chunk = Buffer.from('220 hel');
  parser.push(chunk);
  chunk.fill(0x41);
  t.is(parser.push('lo\r\n').replies[0]?.text, 'hello');
});

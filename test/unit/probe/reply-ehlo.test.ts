import test from 'ava';
import { ReplyParser, parseEhlo, hasCapability } from '../../../src/probe/reply.ts';

function reply(wire: string) {
  const [r] = new ReplyParser().push(wire).replies;
  if (!r) throw new Error('no reply');
  return r;
}

test('EHLO: domain, greeting and capabilities with keywords upper-cased and params kept', (t) => {
  const info = parseEhlo(
    reply('250-mx.example.test Hello [127.0.0.1]\r\n250-pipelining\r\n250-Size 10240000\r\n250-AUTH PLAIN login\r\n250 starttls\r\n'),
  );
  t.is(info.domain, 'mx.example.test');
  t.is(info.greeting, 'Hello [127.0.0.1]');
  t.deepEqual(info.capabilities, ['PIPELINING', 'SIZE 10240000', 'AUTH PLAIN login', 'STARTTLS']);
});

test('EHLO: a one-line 250 has no capabilities; blank lines and extra spaces are ignored', (t) => {
  t.deepEqual(parseEhlo(reply('250 mx.example.test\r\n')), { domain: 'mx.example.test', greeting: '', capabilities: [] });
  t.deepEqual(parseEhlo(reply('250-mx\r\n250-\r\n250   8bitmime  \r\n')).capabilities, ['8BITMIME']);
});

test('hasCapability matches the keyword only, case-insensitively', (t) => {
  const caps = ['PIPELINING', 'SIZE 10240000', 'STARTTLS'];
  t.true(hasCapability(caps, 'starttls'));
  t.true(hasCapability(caps, 'SIZE'));
  t.false(hasCapability(caps, 'SIZ'));
  t.false(hasCapability(caps, 'START'));
  t.false(hasCapability([], 'STARTTLS'));
});

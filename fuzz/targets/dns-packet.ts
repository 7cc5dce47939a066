/**
 * The DNS packet path a received datagram takes: scanQuery (src/dns/query.ts) and, for a query,
 * the slow path (resolve over the example zones, encode, cache, patch) through the real Answerer.
 * "No crash": answer() never throws (its contract) and never falls back to SERVFAIL because
 * something threw inside (the warning that fallback logs counts as a crash here); a reply is a
 * response (QR=1) with the query's ID and fits the transport's size limit.
 */
import { Answerer } from '../../src/dns/answer.ts';
import { ServerCookies } from '../../src/dns/cookies.ts';
import { resolve } from '../../src/dns/resolve.ts';
import { questionName, scanQuery } from '../../src/dns/query.ts';
import type { Logger } from '../../src/log.ts';
import type { Snapshot } from '../../src/snapshot.ts';
import { loadZoneDir } from '../../src/zone/files/scan-dir.ts';
import type { FuzzTarget } from '../engine/engine.ts';

class AnswerFailed extends Error {}

const failures: unknown[] = [];
const noop = () => {};
const logger = {
  debug: noop, info: noop, trace: noop, error: noop, fatal: noop,
  warn: (obj: unknown) => failures.push(obj),
  child: () => logger,
} as unknown as Logger;

const zones = loadZoneDir(new URL('../../zones', import.meta.url).pathname).zones;
const snapshot: Snapshot = { version: 1, zones: { zones }, members: new Map() };
// With DNS cookies as `mxlb serve` has them (src/dns/cookies.ts): the COOKIE option is read and written too.
const answerer = new Answerer({ getSnapshot: () => snapshot, resolve, logger, cookies: new ServerCookies({ secrets: ['000102030405060708090a0b0c0d0e0f'] }) });

export const dnsPacket: FuzzTarget = {
  name: 'dns-packet',
  covers: 'src/dns/query.ts scanQuery, questionName; the Answerer slow path (resolve, encode, cache) with DNS cookies',
  maxLength: 1500,
  dictionary: ['\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00', '\x05relay\x07example\x03com\x00', '\x04smtp', '\xc0\x0c', '\x00\x01\x00\x01', '\x00\x0f\x00\x01', '\x00\x1c\x00\x01', '\x00\xff\x00\x01', '\x00\x0a\x00\x08', '\x00\x0a\x00\x18\x01\x00\x00\x00'],
  run(data) {
    const scan = scanQuery(data);
    if (scan.outcome === 'query') questionName(data, scan.qnameEnd);
    for (const transport of ['udp', 'tcp'] as const) {
      failures.length = 0;
      const reply = answerer.answer(data, transport, '192.0.2.1');
      if (failures.length > 0) throw new AnswerFailed(`answer threw inside and fell back to SERVFAIL: ${String((failures[0] as { err?: Error }).err?.stack ?? JSON.stringify(failures[0]))}`);
      if (reply === null) continue;
      if (reply.length < 12 || (reply[2]! & 0x80) === 0) throw new AnswerFailed('reply is not a response');
      if (reply[0] !== data[0] || reply[1] !== data[1]) throw new AnswerFailed('reply ID differs from the query ID');
      if (reply.length > (transport === 'udp' ? 1232 : 65535) && !(transport === 'udp' && reply.length <= 512)) throw new AnswerFailed(`reply of ${reply.length} octets over ${transport}`);
    }
  },
  allowed: () => false,
};

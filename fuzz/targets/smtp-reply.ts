/**
 * The SMTP reply parser (src/probe/reply.ts). The input is cut into chunks at its 0xfe bytes (so
 * the fuzzer also chooses the chunking). "No crash": push() never throws (bad bytes come back as
 * `error`, a ReplyError); parseEhlo never throws on a reply the parser produced.
 */
import { parseEhlo, ReplyParser } from '../../src/probe/reply.ts';
import type { FuzzTarget } from '../engine/engine.ts';

export const smtpReply: FuzzTarget = {
  name: 'smtp-reply',
  covers: 'src/probe/reply.ts ReplyParser, parseEhlo',
  dictionary: ['220 ', '220-', '250-', '250 ', '421 ', '\r\n', '\n', 'STARTTLS', 'SIZE 1000', 'PIPELINING', '8BITMIME', 'AUTH PLAIN LOGIN', '\xfe'],
  run(data) {
    const parser = new ReplyParser({ maxLineOctets: 512, maxReplyOctets: 4096, maxLines: 32 });
    let start = 0;
    for (let i = 0; i <= data.length; i++) {
      if (i < data.length && data[i] !== 0xfe) continue;
      const { replies } = parser.push(data.subarray(start, i));
      for (const reply of replies) if (reply.code === 250) parseEhlo(reply);
      start = i + 1;
    }
  },
  allowed: () => false,
};

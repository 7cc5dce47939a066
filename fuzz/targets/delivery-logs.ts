/**
 * The delivery-log parsers (src/signals/): Postfix log lines, KumoMTA JSON log lines and ARF
 * feedback reports. "No crash": each returns an outcome or undefined, never throws.
 */
import { parseArf } from '../../src/signals/arf.ts';
import { parseKumoLine } from '../../src/signals/kumomta-log.ts';
import { parsePostfixLine } from '../../src/signals/postfix-log.ts';
import type { FuzzTarget } from '../engine/engine.ts';

const NOW = Date.UTC(2026, 5, 1);

export const deliveryLogs: FuzzTarget = {
  name: 'delivery-logs',
  covers: 'src/signals/postfix-log.ts, kumomta-log.ts, arf.ts',
  dictionary: ['Jun  1 12:00:00 ', '2026-06-01T12:00:00.000Z ', 'mx1 postfix/smtp[123]: ', 'ABCDEF1234: ', 'to=<a@example.com>, ', 'relay=mx.example.com[192.0.2.1]:25, ', 'delay=1.2, delays=0.1/0/0.5/0.6, ', 'dsn=5.7.1, ', 'status=sent (250 ok)', 'status=bounced ', 'status=deferred ',
    '{"type":"Delivery",', '"type":"Bounce",', '"recipient":"a@gmail.com",', '"egress_source":"pool-a",', '"response":{"code":550,"enhanced_code":{"class":5,"subject":7,"detail":1},"content":"x"},', '"peer_address":{"name":"mx","addr":"192.0.2.1:25"},', '"timestamp":1700000000}',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\r\n', '\r\n\r\n', '--b\r\n', 'Content-Type: message/feedback-report\r\n', 'Feedback-Type: abuse\r\n', 'Source-IP: 192.0.2.1\r\n', 'Original-Rcpt-To: a@example.com\r\n', 'Arrival-Date: ', 'Reported-Domain: example.com\r\n'],
  run(data) {
    const text = data.toString('utf8');
    for (const line of text.split('\n')) {
      parsePostfixLine(line, { now: NOW });
      parseKumoLine(line);
    }
    parseArf(text);
  },
  allowed: () => false,
};

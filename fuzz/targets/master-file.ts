/**
 * RFC 1035 master files (src/zone/master/) through buildZone, as the loader parses them.
 * "No crash": a zone, or SourceError(file, line, reason); nothing else may be thrown.
 */
import { SourceError } from '../../src/errors.ts';
import { buildZone } from '../../src/zone/build.ts';
import { parseZoneText } from '../../src/zone/master/master-parser.ts';
import type { FuzzTarget } from '../engine/engine.ts';

export const masterFile: FuzzTarget = {
  name: 'master-file',
  covers: 'src/zone/master/ (lexer, parser, RDATA, RFC 3597) and src/zone/build.ts',
  dictionary: ['$ORIGIN ', '$TTL ', '$INCLUDE ', ' IN ', ' SOA ', ' NS ', ' A ', ' AAAA ', ' MX ', ' TXT ', ' CNAME ', ' SRV ', ' CAA ', ' PTR ', ' TYPE65 ', '\\# ', '( ', ' )', '"', '\\', ';', '@', '.', '\n', '2001:db8::1', '192.0.2.1', ' 3600 ', '*.'],
  run(data) {
    const text = data.toString('utf8');
    const parsed = parseZoneText(text, { origin: 'fuzz.example', file: 'fuzz.zone', include: () => { throw new SourceError('fuzz.zone', 0, 'no includes while fuzzing'); } });
    buildZone(parsed.leadingOrigin ?? 'fuzz.example', parsed.records, 'fuzz.zone');
  },
  allowed: (error) => error instanceof SourceError,
};

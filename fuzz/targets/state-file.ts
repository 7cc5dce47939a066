/**
 * The state file's checks (src/state/state-file.ts, state-schema.ts) on any text: where a JSON
 * syntax error is, and every entry checker on whatever JSON.parse gives. The checkers never throw
 * (they return a reason); JSON.parse's SyntaxError is the only error allowed, and only from it.
 * (loadStateFile itself reads a file and keeps corrupt copies beside it: its I/O is tested in
 * test/integration/state-validate.test.ts; what it decides is exactly these functions.)
 */
import { positionOf, syntaxErrorOffset } from '../../src/state/state-file.ts';
import { checkAuditEntry, checkHealth, checkOverride, checkWeightOverride, isObject, memberId } from '../../src/state/state-schema.ts';
import type { FuzzTarget } from '../engine/engine.ts';

class NotJson extends Error {}

export const stateFile: FuzzTarget = {
  name: 'state-file',
  covers: 'src/state/state-schema.ts checks, src/state/state-file.ts syntax error position',
  dictionary: ['{"version":1,', '"health":{', '"overrides":{', '"weights":{', '"audit":[', '"pool/a":', '"kind":"drain"', '"expiresAt":', '"at":', '"state":"up"', '"reason":', '"author":', '"weight":', 'null', 'true', '1e999', '-0', '"', ':', ',', '}', ']'],
  run(data) {
    const text = data.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      const offset = syntaxErrorOffset(text, (error as Error).message);
      if (!(offset >= 0 && offset <= text.length)) throw new Error(`syntax error offset ${offset} outside the text`);
      positionOf(text, offset);
      throw new NotJson();
    }
    const values = isObject(parsed) ? [parsed, ...Object.values(parsed).flatMap((v) => (isObject(v) ? Object.values(v) : Array.isArray(v) ? v : [v]))] : [parsed];
    if (isObject(parsed)) for (const section of Object.values(parsed)) if (isObject(section)) for (const key of Object.keys(section)) memberId(key);
    for (const value of values) {
      for (const check of [checkHealth, checkOverride, checkWeightOverride, checkAuditEntry]) {
        const result = check(value);
        if (!result.ok && typeof result.reason !== 'string') throw new Error('a refusal without a reason');
      }
    }
  },
  allowed: (error) => error instanceof NotJson,
};

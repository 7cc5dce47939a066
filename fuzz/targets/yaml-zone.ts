/**
 * Balanced YAML zones (src/zone/yaml/). "No crash": a zone, or SourceError(file, line, reason).
 */
import { SourceError } from '../../src/errors.ts';
import { parseYamlZone } from '../../src/zone/yaml/yaml-parser.ts';
import type { FuzzTarget } from '../engine/engine.ts';

export const yamlZone: FuzzTarget = {
  name: 'yaml-zone',
  covers: 'src/zone/yaml/ (parser, pools, probe settings, names, MX, static records)',
  dictionary: ['origin: ', 'records: |\n  ', 'probe:\n', 'pools:\n', '  members:\n', '    - name: ', '      address: ', '      port: ', '      weight: ', '      host: ', 'names:\n', '  smtp:\n', '    tiers:\n', '    policy: weighted\n', 'mx:\n', 'interval: 5s', 'timeouts:\n', '- ', ': ', '\n', '  ', '{', '}', '[', ']', '&a ', '*a', '!!str ', '192.0.2.1', '2001:db8::1', 'all-down: ', 'min-healthy: '],
  run(data) {
    parseYamlZone(data.toString('utf8'), { file: 'fuzz.yaml', origin: 'fuzz.example' });
  },
  allowed: (error) => error instanceof SourceError,
};

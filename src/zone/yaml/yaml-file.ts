import { parseYamlZone } from './yaml-parser.ts';
import { includeReader, originFromFileName, siblingZoneFile, type ZoneFileParser } from '../files/zone-files.ts';

/**
 * The loader's parser for `<origin>.yaml` / `.yml` (edge: reads through the loader's context so
 * the YAML file, its sibling `<origin>.zone` and `$INCLUDE`d files all count for "did this zone
 * change"; a change to any of them reloads the zone).
 */
export const parseYamlZoneFile: ZoneFileParser = (path, ctx) => {
  const text = ctx.read(path);
  const siblingFile = siblingZoneFile(path);
  const sibling = ctx.exists(siblingFile) ? { file: siblingFile, text: ctx.read(siblingFile) } : undefined;
  const origin = originFromFileName(path);
  return parseYamlZone(text, { file: path, include: includeReader(ctx), ...(origin === undefined ? {} : { origin }), ...(sibling ? { sibling } : {}) }).zone;
};

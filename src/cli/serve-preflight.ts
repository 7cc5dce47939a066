import { statSync } from 'node:fs';
import { MxlbError } from '../errors.ts';
import { defaultParsers, listZoneFiles } from '../zone/index.ts';

/**
 * Checks the zones folder before `mxlb serve` opens anything: a missing folder or a folder without
 * zone files would otherwise start a server that says "mxlb serving" and answers REFUSED to every
 * query. Throws MxlbError('no-zones') naming the folder (serve exits 1). Whether any zone *loads*
 * is checked by the server on its first scan (src/main.ts), so the zones are parsed once at start,
 * not twice (~90 ms of start-up with the example zones).
 * Not for `--zones redis`: its cache folder is filled from Redis after start.
 */
export function checkZonesFolder(dir: string): void {
  const hint = 'set --zones or MXLB_ZONES, or write a starter zone with "mxlb init DIR --origin NAME"';
  let isFolder = false;
  try {
    isFolder = statSync(dir).isDirectory();
  } catch {
    throw new MxlbError('no-zones', `zones folder ${dir} does not exist; ${hint}`);
  }
  if (!isFolder) throw new MxlbError('no-zones', `zones folder ${dir} is not a folder; ${hint}`);
  let files: string[];
  try {
    files = listZoneFiles(dir);
  } catch (error) {
    throw new MxlbError('no-zones', `zones folder ${dir} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}; ${hint}`);
  }
  if (files.length === 0) {
    const extensions = [...defaultParsers.keys()].map((e) => `*${e}`).join(', ');
    throw new MxlbError('no-zones', `zones folder ${dir} holds no zone files (${extensions}); ${hint}`);
  }
}

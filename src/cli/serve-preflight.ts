import { statSync } from 'node:fs';
import { MxlbError } from '../errors.ts';
import { defaultParsers, formatSourceError, scanZoneDir } from '../zone/index.ts';

/**
 * Checks the zones folder before `mxlb serve` opens anything: a missing folder, a folder without
 * zone files, or one where no zone file loads would otherwise start a server that says "mxlb
 * serving" and answers REFUSED to every query. Throws MxlbError('no-zones') naming the folder and
 * every file's errors (serve exits 1); a folder where at least one zone loads passes (the others
 * are logged by the loader and retried on every change, as on a reload).
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
  const scan = scanZoneDir(dir);
  if (scan.files.some((f) => f.status === 'loaded')) return;
  if (scan.files.length === 0 && scan.errors.length === 0) {
    const extensions = [...defaultParsers.keys()].map((e) => `*${e}`).join(', ');
    throw new MxlbError('no-zones', `zones folder ${dir} holds no zone files (${extensions}); ${hint}`);
  }
  const errors = scan.errors.map((e) => `  ${formatSourceError(e)}`).join('\n');
  throw new MxlbError('no-zones', `no zone in ${dir} loads, so there is nothing to serve:\n${errors}\n(check with "mxlb zone validate ${dir}")`);
}

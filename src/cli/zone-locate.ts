import { statSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalName, formatSourceError, scanZoneDir, YAML_EXTENSIONS, type Zone, type ZoneFileReport } from '../zone/index.ts';

/**
 * Finding a zone of a zones folder by its origin, for `zone show` and the member edits. The scan
 * is the server's, so "the file that serves relay.example.com" means the same thing here as there.
 */
export interface LocatedZone {
  origin: string;
  file: string;
  /** The zone as it loads now; undefined when the file does not load (see `error`). */
  zone?: Zone;
  report?: ZoneFileReport;
  error?: string;
}

export type Locate = { found: LocatedZone } | { missing: string; usage: boolean };

/** `relay.example.com` or `relay.example.com.` → the zone file that serves it (or would, by its name). */
export function locateZone(dir: string, originText: string): Locate {
  if (!isFolder(dir)) return { missing: `${dir}: no such folder (set --zones or MXLB_ZONES)`, usage: true };
  const origin = canonicalName(originText.trim());
  if (origin === '' || /\s|\.\./.test(origin)) return { missing: `"${originText}" is not a zone name`, usage: true };
  const scan = scanZoneDir(dir);
  const report = scan.files.find((f) => f.origin === origin);
  if (report) return { found: { origin, file: report.file, zone: scan.zones.get(origin), report } };
  // Not loaded: the file that would serve it by its name (it may be broken, or lost an origin conflict).
  for (const name of [...YAML_EXTENSIONS.map((ext) => `${origin}${ext}`), `${origin}.zone`]) {
    const file = join(dir, name);
    const failed = scan.files.find((f) => f.file === file);
    if (failed) return { found: { origin, file, report: failed, ...(failed.error ? { error: formatSourceError(failed.error) } : {}) } };
  }
  const known = [...scan.zones.keys()].sort().map((o) => `${o}.`);
  return { missing: `no zone ${origin}. in ${dir}${known.length ? ` (zones: ${known.join(', ')})` : ' (no zones load there)'}`, usage: false };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

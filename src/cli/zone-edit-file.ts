import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { SourceError } from '../errors.ts';
import { type EditOutcome, editYamlZone, formatSourceError, type MemberEdit, parseYamlZoneFile, type ReadBack, setMember, writeAtomically, YAML_EXTENSIONS, type ZoneFileContext } from '../zone/index.ts';
import { locateZone } from './zone-locate.ts';
import { raiseSerial } from './zone-serial.ts';
import { failed, unifiedDiff, usage, type CommandOutput } from './zone-output.ts';

/**
 * The file side of `mxlb zone member add|remove|set` (edge: reads, validates, writes): find the
 * YAML zone of an origin, apply the edit as text (src/zone/yaml-edit.ts), validate the result
 * with the loader's own parser (sibling `.zone` and `$INCLUDE`s as the server reads them), and
 * only then replace the file atomically — a temporary dot-file in the same folder (the loader
 * skips dot-files), fsync, rename — so a running server's folder watcher sees one complete new
 * file, never a half-written one. An invalid edit writes nothing and exits 1 with
 * `file:line: reason`; `--dry-run` prints the unified diff and writes nothing.
 */

export interface EditOptions {
  dryRun?: boolean;
  /** The date the new SOA serial is based on (tests); default now. */
  today?: Date;
}

export function editZoneFile(dir: string, originText: string, request: MemberEdit, opts: EditOptions = {}): CommandOutput {
  const located = locateZone(dir, originText);
  if ('missing' in located) return located.usage ? usage(`mxlb zone member: ${located.missing}`) : failed(located.missing);
  const { file } = located.found;
  if (!YAML_EXTENSIONS.includes(extname(file))) {
    return failed(`${file}: zone ${located.found.origin}. is a master file; members live in balanced zones (<origin>.yaml, docs/zone-format.md)`);
  }
  let before: string;
  try {
    before = readFileSync(file, 'utf8');
  } catch (error) {
    return failed(`${file}: cannot read: ${(error as Error).message}`);
  }
  const validate = validator(file, dir);
  let outcome: EditOutcome;
  try {
    outcome =
      request.op === 'set'
        ? setMember(before, request.pool, request.member, request.fields, file, validate)
        : editYamlZone(before, request, file, validate);
  } catch (error) {
    if (!(error instanceof SourceError)) throw error;
    return failed(`${formatSourceError(error)}\nnothing written: the edit would leave ${basename(file)} invalid or cannot be made`);
  }
  // A changed zone gets a new SOA serial (src/cli/zone-serial.ts), validated like the edit itself.
  let serialNote = '';
  const raised = outcome.text !== before ? raiseSerial(outcome.text, opts.today ?? new Date()) : undefined;
  if (raised) {
    try {
      validate(raised.text);
      outcome = { ...outcome, text: raised.text };
      serialNote = `; SOA serial ${raised.from} → ${raised.to}`;
    } catch {
      // Leave the serial alone: the edit itself is valid, and the loader warns about the serial.
    }
  } else if (outcome.text !== before) {
    serialNote = '; raise the SOA serial where the zone\'s records are (no records block in this file)';
  }
  if (opts.dryRun) {
    return { exitCode: 0, stdout: unifiedDiff(`a/${basename(file)}`, `b/${basename(file)}`, before, outcome.text), stderr: `dry run: ${outcome.summary}${serialNote}; nothing written\n` };
  }
  try {
    writeAtomically(file, outcome.text, before);
  } catch (error) {
    return failed(`${file}: ${(error as Error).message}; nothing written`);
  }
  return { exitCode: 0, stdout: `${file}: ${outcome.summary}${serialNote}\n`, stderr: '' };
}

/** The loader's YAML zone parser over `text` instead of the file's content; answers how members read back. */
function validator(file: string, zonesDir: string): (text: string) => ReadBack {
  return (text) => {
    const ctx: ZoneFileContext = {
      zonesDir,
      read: (path) => {
        if (path === file) return text;
        try {
          return readFileSync(path, 'utf8');
        } catch (error) {
          throw new SourceError(path, 0, `cannot read: ${(error as Error).message}`);
        }
      },
      exists: (path) => existsSync(path) && statSync(path).isFile(),
    };
    const zone = parseYamlZoneFile(file, ctx);
    return (pool, name) => {
      const m = zone.balancing?.pools.get(pool)?.members.find((x) => x.name === name);
      return m && { address: m.address, port: m.port, weight: m.weight, host: m.host };
    };
  };
}

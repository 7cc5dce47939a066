/**
 * The memory store's state file: one JSON document, written atomically (write a temporary file in
 * the same folder, fsync, rename, fsync the folder) so a crash mid-write leaves the previous
 * version intact.
 *
 * Reading is never trusting (docs/security.md "What happens to state in each failure"):
 * - a file that is not a state file at all (empty, truncated, not JSON, another version, a
 *   section of the wrong type) is `StateFileCorrupt`: a copy is kept beside it
 *   (`<file>.corrupt-<time>`), the file itself is left in place, and the caller refuses to start
 *   with the file, the position and the remedy in the message;
 * - a state file with some bad entries loads its good entries; each bad one is `refused` with its
 *   entry and reason, never loaded, and a copy of the file is kept aside before anything rewrites it.
 */
import { copyFile, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MxlbError } from '../errors.ts';
import type { Override, WeightOverride } from '../pool/index.ts';
import { checkAuditEntry, checkHealth, checkOverride, checkWeightOverride, isObject, memberId, show, type Checked } from './state-schema.ts';
import type { AuditEntry, PersistedHealth } from './store.ts';

export const STATE_FILE_VERSION = 1;

export interface StateFileData {
  version: typeof STATE_FILE_VERSION;
  savedAt: number;
  health: Record<string, PersistedHealth>;
  overrides: Record<string, Override>;
  weights: Record<string, WeightOverride>;
  audit: AuditEntry[];
}

/** One entry left out on load: where (`overrides["primary/mta1"]`) and why. */
export interface RefusedEntry {
  entry: string;
  reason: string;
}

export interface LoadedState {
  data: StateFileData;
  refused: RefusedEntry[];
  /** Where the original was copied before anything rewrites it (set when entries were refused). */
  keptAt?: string;
}

/** Creates the state file's folder (at start). */
export async function ensureStateDir(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
}

export function emptyState(): StateFileData {
  return { version: STATE_FILE_VERSION, savedAt: 0, health: {}, overrides: {}, weights: {}, audit: [] };
}

/** A state file that cannot be read as one: mxlb does not start on it (see the module comment). */
export class StateFileCorrupt extends MxlbError {
  readonly file: string;
  readonly position: { offset: number; line: number; column: number } | undefined;
  readonly keptAt: string | undefined;

  constructor(file: string, problem: string, position: { offset: number; line: number; column: number } | undefined, keptAt: string | undefined) {
    const where = position ? ` at line ${position.line}, column ${position.column} (byte ${position.offset})` : '';
    const copy = keptAt ? `a copy is kept at ${keptAt}; ` : '';
    super(
      'state-file-corrupt',
      `state file ${file} is corrupt${where}: ${problem}. mxlb did not start, so that the drains and quarantines it holds are not silently dropped; ` +
        `${copy}repair the file (or restore it from a backup), or move it away to start without saved state and re-apply overrides by hand ` +
        `(docs/operations.md "A corrupt state file")`,
    );
    this.name = 'StateFileCorrupt';
    this.file = file;
    this.position = position;
    this.keptAt = keptAt;
  }
}

/** Line and column (1-based) of a byte offset into `text`. */
export function positionOf(text: string, offset: number): { offset: number; line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { offset, line, column: offset - before.lastIndexOf('\n') };
}

/**
 * Where JSON.parse gave up. V8 names a position for some errors only; otherwise the longest prefix
 * that could still begin a JSON document (JSON.parse says only "Unexpected end") ends at the error.
 */
export function syntaxErrorOffset(text: string, message: string): number {
  const named = /at position (\d+)/.exec(message);
  if (named) return Number(named[1]);
  // A prefix is viable when JSON.parse fails only for want of more text: at its end, or at a position past it.
  const viable = (n: number) => {
    try {
      JSON.parse(text.slice(0, n));
      return true;
    } catch (error) {
      const why = (error as Error).message;
      const at = /at position (\d+)/.exec(why);
      return /Unexpected end of JSON input/.test(why) || (at !== null && Number(at[1]) >= n);
    }
  };
  let low = 0;
  let high = text.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (viable(mid)) low = mid;
    else high = mid - 1;
  }
  return low;
}

/**
 * Reads and checks the file. A missing file is an empty state; an unreadable one (EACCES, EISDIR)
 * an MxlbError naming it; a corrupt one StateFileCorrupt; bad entries are refused (see module).
 */
export async function loadStateFile(path: string, now: () => number = Date.now): Promise<LoadedState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { data: emptyState(), refused: [] };
    throw new MxlbError('state-file-unreadable', `cannot read state file ${path}: ${code ?? String(error)} (fix its permissions or path, or set --state-file)`, { cause: error });
  }
  const corrupt = async (problem: string, offset?: number) => new StateFileCorrupt(path, problem, offset === undefined ? undefined : positionOf(text, offset), await keepCopy(path, text, now));
  if (text.trim() === '') throw await corrupt('the file is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const offset = syntaxErrorOffset(text, message);
    const problem = offset >= text.trimEnd().length ? 'the JSON ends early (the file was cut off)' : `not JSON: ${message}`;
    throw await corrupt(problem, offset);
  }
  if (!isObject(parsed)) throw await corrupt(`the file holds ${show(parsed)}, not a state object`);
  if (parsed.version !== STATE_FILE_VERSION) throw await corrupt(`version ${show(parsed.version)} is not ${STATE_FILE_VERSION}, the only state file version this mxlb reads`);
  for (const section of ['health', 'overrides', 'weights'] as const) {
    if (parsed[section] !== undefined && !isObject(parsed[section])) throw await corrupt(`"${section}" is ${show(parsed[section])}, not an object keyed by member`);
  }
  if (parsed.audit !== undefined && !Array.isArray(parsed.audit)) throw await corrupt(`"audit" is ${show(parsed.audit)}, not a list`);

  const refused: RefusedEntry[] = [];
  const data = emptyState();
  data.savedAt = typeof parsed.savedAt === 'number' && Number.isFinite(parsed.savedAt) ? parsed.savedAt : 0;
  data.health = checkSection(parsed.health, 'health', checkHealth, refused);
  data.overrides = checkSection(parsed.overrides, 'overrides', checkOverride, refused);
  data.weights = checkSection(parsed.weights, 'weights', checkWeightOverride, refused);
  ((parsed.audit as unknown[] | undefined) ?? []).forEach((value, i) => {
    const checked = checkAuditEntry(value);
    if (checked.ok) data.audit.push(checked.value);
    else refused.push({ entry: `audit[${i}]`, reason: checked.reason });
  });
  const loaded: LoadedState = { data, refused };
  if (refused.length > 0) {
    const keptAt = await keepCopy(path, text, now);
    if (keptAt) loaded.keptAt = keptAt;
  }
  return loaded;
}

function checkSection<T>(section: unknown, name: string, check: (value: unknown) => Checked<T>, refused: RefusedEntry[]): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [id, value] of Object.entries((section as Record<string, unknown> | undefined) ?? {})) {
    const entry = `${name}[${JSON.stringify(id)}]`;
    const badId = memberId(id);
    if (badId) {
      refused.push({ entry, reason: `the key ${badId}` });
      continue;
    }
    const checked = check(value);
    if (checked.ok) out[id] = checked.value;
    else refused.push({ entry, reason: checked.reason });
  }
  return out;
}

/**
 * Copies the file's text to `<file>.corrupt-<time>` (once per distinct content: a restart loop
 * does not fill the folder). Returns the copy's path, or undefined if it could not be written.
 */
async function keepCopy(path: string, text: string, now: () => number): Promise<string | undefined> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.corrupt-`;
  try {
    for (const name of await readdir(dir)) {
      if (!name.startsWith(prefix)) continue;
      const existing = join(dir, name);
      if ((await readFile(existing, 'utf8').catch(() => undefined)) === text) return existing;
    }
    const copy = join(dir, `${prefix}${new Date(now()).toISOString().replace(/[:.]/g, '-')}`);
    await copyFile(path, copy);
    return copy;
  } catch {
    return undefined;
  }
}

/**
 * Removes temporary files a killed writer left beside the state file (`<file>.<pid>.tmp` whose
 * process no longer runs, or is this one). Returns the paths removed.
 */
export async function removeStaleTemporaries(path: string): Promise<string[]> {
  const dir = dirname(path);
  const pattern = new RegExp(`^${escapeRegExp(basename(path))}\\.(\\d+)\\.tmp$`);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid !== process.pid && isRunning(pid)) continue;
    try {
      await unlink(join(dir, name));
      removed.push(join(dir, name));
    } catch {
      // Gone already, or not ours to remove: nothing to clean.
    }
  }
  return removed;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Writes atomically; rejects (nothing renamed, the temporary removed) when any step fails. The
 * folder is not created here: one that vanished after start (an unmounted volume) is an error,
 * not a reason to write the operator's state somewhere else.
 */
export async function writeStateFile(path: string, data: StateFileData): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(data, null, 1) + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDir(dirname(path));
}

/** fsync of the folder makes the rename itself durable; best effort where folders cannot be opened. */
async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some file systems refuse to open or sync a folder; the rename is then as durable as they make it.
  } finally {
    await handle?.close();
  }
}
